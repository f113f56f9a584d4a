/** The file replikit reads when -f is not given. */
export const DEFAULT_FILE = 'replikit.yaml';

/** The topology as replikit uses it: validated, interpolated, with every default filled in. */
export type Role = 'primary' | 'replica';
export type ReplicationMode = 'position' | 'gtid';
export type Profile = 'dev' | 'production';
export type ReplicationTls = 'verify' | 'required' | 'off';
export type BinlogFormat = 'ROW' | 'MIXED' | 'STATEMENT';
export type SettingValue = string | number | boolean;

/** One spelling per mysqld option: mysqld reads `log-bin` and `log_bin`, in any case, alike. */
export function canonicalOption(name: string): string {
  return name.replace(/-/g, '_').toLowerCase();
}

/** The option an option-file key sets: one spelling, and `loose-` (ignore if unknown) names the same option. */
export function optionKey(name: string): string {
  return canonicalOption(name).replace(/^loose_/, '');
}

export interface NodeSpec {
  name: string;
  role: Role;
  /** The node this one replicates from; undefined for the primary. */
  source?: string;
  serverId: number;
  /** Host port; undefined lets Docker pick a free one. */
  port?: number;
  bind: string;
  image: string;
  /** The engine (a key of `engines`) the container runs on; undefined: the environment's engine. */
  engine?: string;
  /** Where containers on other engines reach this node (`advertise: HOST:PORT`). */
  advertise?: { host: string; port: number };
  /** Swarm placement constraints of its service (`placement:`); empty: the swarm's own spread. */
  placement: string[];
  /** Seconds a replica waits before applying what its source wrote (replication delay on purpose); 0 for none. */
  delaySeconds: number;
  mysqld: Record<string, SettingValue>;
}

export interface Credentials {
  rootPassword: string;
  replicationUser: string;
  replicationPassword: string;
}

export interface ReplicationSettings {
  mode: ReplicationMode;
  binlogFormat: BinlogFormat;
  ignoreDatabases: string[];
  skipErrors: number[];
  /** Threads a replica applies changes with (0: one at a time). */
  parallelWorkers: number;
  /** verify: TLS with the source's certificate checked against the topology's CA; required: TLS only; off: plain text. */
  tls: ReplicationTls;
  /** Lossless semi-synchronous replication (AFTER_SYNC), or false. */
  semiSync: SemiSync | false;
  charset: 'utf8mb4';
}

export interface SemiSync {
  /** Replicas that must hold a commit before it returns to its client. */
  replicas: number;
  /** How long a commit waits for them before the primary falls back to asynchronous replication. */
  timeoutMs: number;
}

export interface Topology {
  /** Absolute path of the file it was loaded from. */
  file: string;
  name: string;
  /** Server footprint settings rendered into every node's my.cnf (templates/profile-*.cnf). */
  profile: Profile;
  credentials: Credentials;
  replication: ReplicationSettings;
  /** Absolute paths of SQL files run once on the primary. */
  init: string[];
  /** Docker engines by name (`engines:`): a docker context name or an engine URL, `swarm[:ENGINE]` for a swarm manager. */
  engines: Record<string, string>;
  /** Sources always come before the replicas that read from them. */
  nodes: NodeSpec[];
  /** Things allowed but worth saying (e.g. skip_errors hides divergence). */
  warnings: string[];
}

export function primaryOf(t: Topology): NodeSpec {
  const p = t.nodes.find((n) => n.role === 'primary');
  if (!p) throw new Error('topology has no primary'); // validation guarantees one
  return p;
}

/**
 * Nodes grouped by depth: the primary, its replicas, their replicas, … Works on any list of
 * named nodes with sources (the topology's, or the nodes `up` returned), in any order.
 */
export function levels<N extends { name: string; source?: string }>(nodes: N[]): N[][] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const depthOf = (n: N): number => {
    if (n.source === undefined) return 0;
    if (!depth.has(n.name)) depth.set(n.name, depthOf(byName.get(n.source)!) + 1);
    return depth.get(n.name)!;
  };
  const out: N[][] = [];
  for (const n of nodes) (out[depthOf(n)] ??= []).push(n);
  return out;
}

export function nodeByName<N extends { name: string }>(t: { nodes: N[] }, name: string): N | undefined {
  return t.nodes.find((n) => n.name === name);
}

/** The engine name, and `engines:` value, meaning the environment's engine as a swarm manager (needs no declaration). */
export const SWARM = 'swarm';

/** Whether an `engines:` value names a swarm manager: `swarm`, or `swarm:ENGINE` (a URL or a context). */
export function isSwarmValue(value: string): boolean {
  return value === SWARM || value.startsWith(`${SWARM}:`);
}

/** Whether a node runs as a swarm service: its engine is a swarm manager under `engines:`. */
export function onSwarm(engines: Record<string, string>, node: Pick<NodeSpec, 'engine'>): boolean {
  return Boolean(node.engine && isSwarmValue(engines[node.engine]));
}

/** `engines:` as declared, with `swarm` added when a node names it undeclared (it needs no declaration). */
export function withImplicitSwarm(declared: Record<string, string>, nodeEngines: (string | undefined)[]): Record<string, string> {
  return nodeEngines.includes(SWARM) && !declared[SWARM] ? { [SWARM]: SWARM, ...declared } : declared;
}

/** What decides which engine each node's container is on: all a topology's engines need. */
export interface Placement {
  name: string;
  engines: Record<string, string>;
  nodes: (Pick<NodeSpec, 'name' | 'engine'> & Partial<Pick<NodeSpec, 'image' | 'advertise'>>)[];
}

/** Whether two nodes' containers run on the same engine, and so share the topology's network there. */
export function sameEngine(a: Pick<NodeSpec, 'engine'>, b: Pick<NodeSpec, 'engine'>): boolean {
  return (a.engine ?? '') === (b.engine ?? '');
}
