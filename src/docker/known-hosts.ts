import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * A host key check for dockerode's ssh transport, from OpenSSH's known_hosts files: the docker
 * CLI (through OpenSSH) refuses a host whose key is unknown or changed, while ssh2 accepts any
 * key unless told otherwise. Plain and hashed (`|1|salt|hash`) host names, `[host]:port` for a
 * port other than 22; marker lines (@cert-authority, @revoked) are not trusted.
 */
export function knownHostsVerifier(host: string, port: number, files: string[]): (key: Buffer) => boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  const trusted = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue; // a missing file trusts nothing
    }
    for (const line of text.split('\n')) {
      const [hosts, , blob] = line.trim().split(/\s+/);
      if (!hosts || !blob || hosts.startsWith('#') || hosts.startsWith('@')) continue;
      if (hosts.split(',').some((h) => h === name || hashedMatch(h, name))) trusted.add(blob);
    }
  }
  // ssh2 hands over the key as sent on the wire: the blob known_hosts holds in base64.
  return (key) => trusted.has(key.toString('base64'));
}

function hashedMatch(entry: string, name: string): boolean {
  const m = /^\|1\|([^|]+)\|([^|]+)$/.exec(entry);
  return m !== null && createHmac('sha1', Buffer.from(m[1], 'base64')).update(name).digest('base64') === m[2];
}
