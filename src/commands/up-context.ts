import type { DockerEngine } from '../docker/engine';
import type { TopologyEngines } from '../docker/engines';
import type { TopologyLock } from '../docker/lock';
import type { ImageFacts } from '../docker/detect-image';
import type { TopologyTls } from '../tls/certificates';
import { desiredState } from '../plan/observe';
import type { Desired, Observed } from '../plan/reconcile';
import { describe, Operation } from '../plan/operations';
import { Plan } from '../plan/plan';
import { execute, ExecContext } from '../plan/execute';
import type { SqlSession } from '../replication/session';
import type { Progress } from '../run/listr-renderer';
import type { ConnectionConfig } from '../replication/connection';
import type { NodeSpec, Topology } from '../topology/types';
import type { Created } from '../plan/execute';

/** What `up` (commands/up.ts) takes besides the topology; its steps read it. */
export interface UpOptions {
  /** Progress output; the library prints nothing unless asked ('auto': live tree on a TTY, lines otherwise). */
  progress?: Progress;
  signal?: AbortSignal;
  /** The environment's engine (nodes without engine: run there); default: as the docker CLI picks it. */
  docker?: DockerEngine;
  /** How long a node may take to accept SQL connections. */
  startTimeoutMs?: number;
  /**
   * When `up` fails, keep what this run created for inspection. By default it removes the
   * containers, network and volumes it created (never anything that existed before it ran).
   */
  keepOnFailure?: boolean;
  /** Remove containers of this topology whose node is no longer in the file (compose's --remove-orphans). */
  removeOrphans?: boolean;
  /** How long a new replica's snapshot stream may send nothing before `up` gives up (default 120 000 ms). */
  snapshotStallMs?: number;
}

export interface NodeReport {
  name: string;
  role: NodeSpec['role'];
  source?: string;
  container: string;
  host: string;
  port: number;
  /** The account `connection` and `uri` use (root; its password is the topology's root_password). */
  user: string;
  /** Ready for mysql2: `createConnection(node.connection)`. */
  connection: ConnectionConfig;
  /** mysql://root:PASSWORD@host:port/ */
  uri: string;
  version: string;
  /** ms the heartbeat took to arrive; absent for the primary or when no heartbeat was written. */
  heartbeatLagMs?: number;
  /** The replica's delay on purpose (`delay:`), seconds; absent when it has none. */
  delaySeconds?: number;
  /** The engine it runs on (a name under the topology's `engines:`); absent: the environment's. */
  engine?: string;
}

/** One run of `up`: what it observed, planned and did. */
export class UpCtx implements ExecContext {
  desired: Desired;
  /** Containers first (planned before any server answers), then each server's operations. */
  plan = new Plan([]);
  sessions = new Map<string, SqlSession>();
  changes: string[] = [];
  lag = new Map<string, number>();
  created: Created = { containers: [], networks: [], volumes: [] };
  /** Docker work still running when a sibling task fails; cleanup waits for it to settle. */
  inflight = new Set<Promise<unknown>>();
  lock?: TopologyLock;
  /** What each image runs and as whom, asked of the image itself. */
  imageFacts = new Map<string, ImageFacts>();
  /** With a switch to GTIDs planned: the state after it, whose files set-mode writes once it has run. */
  afterGtidSwitch?: Desired;
  /** The look planAll took under the lock. */
  observed?: Observed;
  /** The topology's CA and node certificates; undefined with replication.tls: off. */
  tls?: TopologyTls;
  readonly signal?: AbortSignal;
  readonly snapshotStallMs?: number;
  readonly warnings: string[];
  /** Bound by up.ts to its phases (seeding, the wait for a server): what an executor may ask of the run. */
  reseed: (node: string) => Promise<void> = unbound;
  reconnect: (node: string) => Promise<SqlSession> = unbound;

  constructor(
    /** The file's topology; once observed, with each node's server_id as its data records it. */
    public t: Topology,
    readonly engines: TopologyEngines,
    readonly options: UpOptions,
  ) {
    this.desired = desiredState(t);
    this.signal = options.signal;
    this.snapshotStallMs = options.snapshotStallMs;
    this.warnings = [...t.warnings];
  }

  /** Runs one operation and records it in `changes`; Docker work is tracked for a clean rollback. */
  async run(op: Operation, progress: (text: string) => void = () => undefined): Promise<void> {
    const work = execute(this, op, progress);
    this.inflight.add(work);
    try {
      const detail = await work;
      if (op.kind !== 'pull-image') this.changes.push(detail ? `${describe(op)}; ${detail}` : describe(op));
    } finally {
      this.inflight.delete(work);
    }
    this.signal?.throwIfAborted();
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
    await this.lock?.release();
  }
}

function unbound(): never {
  throw new Error('up.ts binds this before any operation runs');
}
