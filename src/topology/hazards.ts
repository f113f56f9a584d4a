import * as fs from 'node:fs';
import * as os from 'node:os';
import { engineTarget, namedEngineTarget } from '../docker/context';
import { isIP } from 'node:net';
import type { Problem } from '../errors';
import type { RawNode, RawTopology } from './raw';
import type { Positions } from './positions';
import { optionKey } from './types';

/**
 * mysqld settings replikit writes itself, and the topology key that owns each one: a node's own
 * `mysqld:` entry for them would fight replikit (a replica with log_bin off cannot serve
 * replicas; an init_file of the user's drops root's password) or open the server to anyone.
 */
const MANAGED: Record<string, { owner: string; why: string; agrees?: (value: unknown, node: RawNode) => boolean }> = {
  // The node's server_id, as nodes.NODE.server_id would give it (a file written for mysqld takes it here).
  server_id: {
    owner: 'nodes.NODE.server_id',
    why: 'it differs from nodes.NODE.server_id',
    agrees: (v, n) => n.server_id === undefined || Number(v) === n.server_id,
  },
  // A basename (log-bin: mall-mysql-bin) names the binary log's files: honoured. Only off is refused.
  log_bin: {
    owner: 'replikit (every node keeps a binary log: it may serve replicas after a switchover)',
    why: 'the binary log is how replication works',
    agrees: (v) => !isOff(v),
  },
  skip_log_bin: { owner: 'replikit (every node keeps a binary log)', why: 'without a binary log a node cannot be a source' },
  disable_log_bin: { owner: 'replikit (every node keeps a binary log)', why: 'without a binary log a node cannot be a source' },
  init_file: {
    owner: "replikit (it sets root's password from credentials.root_password at every start)",
    why: 'a node starting from a seed copy would keep a throw-away root password',
  },
  read_only: {
    owner: 'nodes.NODE.role',
    why: 'replikit makes replicas read-only and the primary writable',
    agrees: (v, n) => isOff(v) === (n.role === 'primary'),
  },
  super_read_only: {
    owner: 'nodes.NODE.role',
    why: 'replikit makes replicas read-only and the primary writable',
    agrees: (v, n) => isOff(v) === (n.role === 'primary'),
  },
  gtid_mode: { owner: 'replication.mode', why: 'the mode decides it on every node at once' },
  enforce_gtid_consistency: { owner: 'replication.mode', why: 'the mode decides it on every node at once' },
  gtid_strict_mode: { owner: 'replication.mode', why: 'the mode decides it on every node at once' },
  skip_grant_tables: { owner: 'nobody', why: 'it lets anyone who reaches the port in as root, with no password' },
};

/** Accounts the servers themselves own; the replication account must be another one. */
const RESERVED_ACCOUNTS = ['root', 'mysql.sys', 'mysql.session', 'mysql.infoschema', 'mariadb.sys', 'mysql'];

/** MASTER_PASSWORD / SOURCE_PASSWORD take at most 32 characters. */
const MAX_REPLICATION_PASSWORD = 32;

/** replikit's own schema: the heartbeat and the init marker replicate through it. */
const OWN_SCHEMA = 'replikit';

/**
 * A Docker image reference: [registry[:port]/]path[:tag][@digest], as the engine parses it.
 * Lower-case path components separated by . _ __ or dashes; a tag of up to 128 word characters.
 */
const IMAGE_REFERENCE =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::\w[\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/**
 * Inputs the schema lets through that would break `up` half-way or do harm: each becomes a
 * positioned problem with the key that owns the matter, so `validate` catches what `up` would not.
 */
export function hazardProblems(raw: RawTopology, nodes: [string, RawNode][], positions: Positions): Problem[] {
  const problems: Problem[] = [];
  const add = (p: (string | number)[], message: string, hint?: string, onKey = false) =>
    problems.push(positions.problem(p, message, hint, onKey));

  const creds = raw.credentials ?? {};
  if (typeof creds.replication_user === 'string' && RESERVED_ACCOUNTS.includes(creds.replication_user.toLowerCase())) {
    add(
      ['credentials', 'replication_user'],
      `'${creds.replication_user}' is an account the server itself uses`,
      'choose another name, e.g. repl (the default)',
    );
  }
  if (typeof creds.replication_password === 'string' && creds.replication_password.length > MAX_REPLICATION_PASSWORD) {
    // The length only: the value may come from the environment and is never shown.
    add(
      ['credentials', 'replication_password'],
      `the replication password has ${creds.replication_password.length} characters; replicas accept at most ${MAX_REPLICATION_PASSWORD}`,
      `use a password of ${MAX_REPLICATION_PASSWORD} characters or fewer`,
    );
  }

  const ignored = raw.replication?.ignore_databases;
  if (Array.isArray(ignored)) {
    ignored.forEach((db, i) => {
      if (typeof db === 'string' && db.toLowerCase() === OWN_SCHEMA) {
        add(
          ['replication', 'ignore_databases', i],
          `'${OWN_SCHEMA}' is replikit's own schema: the heartbeat that proves replication travels through it`,
          `remove it from ignore_databases`,
        );
      }
    });
  }

  const images: [(string | number)[], unknown][] = [
    [['image'], raw.image],
    ...nodes.map(([n, node]): [(string | number)[], unknown] => [['nodes', n, 'image'], node.image]),
  ];
  for (const [at, image] of images) {
    if (typeof image === 'string' && !IMAGE_REFERENCE.test(image)) {
      add(
        at,
        `'${image}' is not a valid image reference`,
        'write it as [registry/]name[:tag][@sha256:digest], e.g. mysql:8.4 or mariadb:11.4',
      );
    }
  }

  for (const [name, n] of nodes) {
    if (typeof n.bind === 'string' && isIP(n.bind) === 0) {
      add(
        ['nodes', name, 'bind'],
        `'${n.bind}' is not an IP address`,
        'use an address of this host, e.g. 127.0.0.1 (the default) or 0.0.0.0 for every interface',
      );
    } else if (typeof n.bind === 'string' && !hostHas(n.bind, engineOf(raw, n))) {
      add(
        ['nodes', name, 'bind'],
        `${n.bind} is not an address of this host, so Docker cannot publish the port on it`,
        `use one of ${localAddresses().slice(0, 4).join(', ')}, or 0.0.0.0 for every interface`,
      );
    }
    if (n.mysqld && typeof n.mysqld === 'object' && !Array.isArray(n.mysqld)) {
      for (const key of Object.keys(n.mysqld)) {
        const managed = MANAGED[optionKey(key)];
        if (!managed || managed.agrees?.((n.mysqld as Record<string, unknown>)[key], n)) continue;
        const owner = managed.owner.replace('NODE', name);
        add(
          ['nodes', name, 'mysqld', key],
          `${key} is set by replikit: ${managed.why}`,
          owner === 'nobody' ? 'remove it' : `remove it; the key that decides it is ${owner}`,
          true,
        );
      }
    }
  }
  return problems;
}

/** An option value that turns a setting off, as mysqld reads it. */
function isOff(value: unknown): boolean {
  return /^(off|0|false|no)$/i.test(String(value));
}

/**
 * Addresses of this host's interfaces. Node lists only interfaces that are up and carry a link;
 * a bridge with no container attached yet (docker0, another engine's) has neither, yet ports
 * publish on its address: on Linux the kernel's local routes list those too.
 */
function localAddresses(): string[] {
  const listed = Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  let local: string[] = [];
  try {
    // "|-- 10.222.0.1" followed by "/32 host LOCAL": an address of this host.
    local = [...fs.readFileSync('/proc/net/fib_trie', 'utf8').matchAll(/\|-- ([\d.]+)\n\s+\/32 host LOCAL/g)].map((m) => m[1]);
  } catch {
    // not Linux, or no /proc: the interface list is all there is
  }
  return [...new Set([...listed, ...local])];
}

/**
 * Whether the engine can publish on `address` here: every interface address, the wildcards,
 * and all of 127.0.0.0/8 (Linux answers on the whole loopback block). With a remote engine
 * (DOCKER_HOST or a context) the addresses are that host's, which this one cannot know: any is accepted.
 */
function hostHas(address: string, engine: string | undefined): boolean {
  if (engineIsRemote(engine)) return true;
  if (address === '0.0.0.0' || address === '::' || address.startsWith('127.')) return true;
  return localAddresses().includes(address);
}

/** The engine URL or context a node names (engine: under engines:), or undefined for the environment's. */
function engineOf(raw: RawTopology, n: RawNode): string | undefined {
  const engines = raw.engines && typeof raw.engines === 'object' ? (raw.engines as Record<string, unknown>) : {};
  const value = typeof n.engine === 'string' ? engines[n.engine] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function engineIsRemote(engine: string | undefined): boolean {
  try {
    return (engine ? namedEngineTarget(engine) : engineTarget()).remote;
  } catch {
    return false; // a context that does not exist is reported when the engine is used
  }
}
