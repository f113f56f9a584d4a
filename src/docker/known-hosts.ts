import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';

/** What known_hosts says of one host: whether a key is trusted, and the key types to ask it for. */
export interface KnownHost {
  verify(key: Buffer): boolean;
  /**
   * The host key algorithms of the keys it holds for the host, for ssh2's `serverHostKey`: a
   * server offering several keys is asked for one of these, as OpenSSH asks for known ones first
   * (otherwise it may present an unknown type and be refused though its known key would do).
   * Empty when none is known.
   */
  algorithms: string[];
}

/** A key type in known_hosts and the host key algorithms that present it. */
const ALGORITHMS: Record<string, string[]> = { 'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] };

/**
 * A host key check for dockerode's ssh transport, from OpenSSH's known_hosts files: the docker
 * CLI (through OpenSSH) refuses a host whose key is unknown, changed or revoked, while ssh2
 * accepts any key unless told otherwise. Plain and hashed (`|1|salt|hash`) host names and
 * patterns (`*`, `?`), `[host]:port` for a port other than 22; an `@revoked` key is refused for
 * the hosts its line names, wherever else it is trusted; `@cert-authority` lines are not trusted.
 */
export function knownHost(host: string, port: number, files: string[]): KnownHost {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const trusted = new Map<string, string>();
  const revoked = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // a missing file trusts nothing
    }
    for (const line of text.split('\n')) {
      const fields = line.trim().split(/\s+/);
      const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
      const [hosts, type, blob] = fields;
      if (!hosts || !type || !blob || hosts.startsWith('#')) continue;
      if (!hosts.split(',').some((h) => matches(h, name))) continue;
      if (marker === '@revoked') revoked.add(blob);
      else if (!marker) trusted.set(blob, type);
    }
  }
  const known = [...trusted].filter(([blob]) => !revoked.has(blob));
  // ssh2 hands over the key as sent on the wire: the blob known_hosts holds in base64.
  return {
    verify: (key) => known.some(([blob]) => blob === key.toString('base64')),
    algorithms: [...new Set(known.flatMap(([, type]) => ALGORITHMS[type] ?? [type]))],
  };
}

/** A known_hosts host entry against `name`: plain, a pattern with * and ?, or hashed; `!` negations are not matched. */
function matches(entry: string, name: string): boolean {
  if (entry.startsWith('!')) return false;
  const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(entry);
  if (hashed) return createHmac('sha1', Buffer.from(hashed[1], 'base64')).update(name).digest('base64') === hashed[2];
  if (!/[*?]/.test(entry)) return entry === name;
  const pattern = entry
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`, 'i').test(name);
}
