import type { ListrTask, ListrTaskWrapper } from 'listr2';
import type { DockerEngine } from '../docker/engine';
import type { TopologyEngines } from '../docker/engines';
import { containerName, volumeName } from '../docker/names';
import { DataDirSeed } from '../docker/seed';
import { TopologyLock } from '../docker/lock';
import { caKeeperOf } from '../docker/ca-keeper';
import { ImageFacts, imageFacts } from '../flavors/detect-image';
import { topologyTls, TopologyTls } from '../tls/certificates';
import { profileCnf } from '../render/mycnf';
import { waitForSql } from '../replication/wait-for-sql';
import { beforeGtidSwitch, desiredState, nodeDialect, observe, observeServers, withRecordedServerIds } from '../plan/observe';
import { Desired, Observed, Plan, reconcile } from '../plan/reconcile';
import { describe, isContainerOperation, Operation, OperationKind } from '../plan/operations';
import { execute, ExecContext } from '../plan/execute';
import type { SqlSession } from '../replication/session';
import { ConnectionConfig, connectionUri } from './connection';
import { levels, NodeSpec, primaryOf, Topology } from '../topology/types';
import { waitForHeartbeat, writeHeartbeat } from '../verify/heartbeat';
import { openRunning, Progress, rootEndpoint } from './context';
import type { Created } from './rollback';
import { gatherPreflight } from '../preflight/gather';
import { preflightProblems } from '../preflight/problems';
import { PreflightError, ReplikitError } from '../errors';

/** What `up` (commands/up.ts) takes besides the topology; the steps below read it. */
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

type Task = ListrTaskWrapper<UpCtx, any, any>;
type Step = ListrTask<UpCtx, any, any>;

/** A step that runs the plan's operations of some kinds (or that `which` picks), all at once: they touch different nodes. */
function operations(title: string, which: OperationKind[] | ((o: Operation) => boolean)): Step {
  const picked = typeof which === 'function' ? which : (o: Operation) => which.includes(o.kind);
  const of = (c: UpCtx) => c.plan.operations.filter(picked);
  return {
    title,
    enabled: (c) => of(c).length > 0,
    task: (c, task) =>
      task.newListr(
        of(c).map((op) => ({ title: describe(op), task: (_: UpCtx, sub: Task) => c.run(op, (text) => (sub.output = text)) })),
        { concurrent: true },
      ),
  };
}

const CREATE_KINDS: OperationKind[] = ['create-container', 'recreate-container', 'write-config'];
const REPLICA_KINDS: OperationKind[] = ['connect-replica', 'change-source', 'readdress-source', 'update-credentials', 'position-by-gtid', 'start-replica'];
const onNodes = (kinds: OperationKind[], nodes: string[]) => (o: Operation) => kinds.includes(o.kind) && 'node' in o && nodes.includes(o.node);

export const UP_STEPS: Step[] = [
  { title: 'Connect to the Docker engine', task: (c) => c.engines.ping() },
  { title: 'Preflight: names, images, ports', task: preflight },
  operations('Pull images', ['pull-image']),
  {
    title: 'Ask each image which server it runs',
    task: async (c, task) => {
      await Promise.all(c.desired.images.map(async (image) => c.imageFacts.set(image, await imageFacts(c.engines.forImage(image)[0], image))));
      task.title = `Images: ${[...c.imageFacts].map(([image, { version: v }]) => `${image} runs ${v.flavor} ${v.major}.${v.minor}.${v.patch}`).join('; ')}`;
    },
  },
  {
    // A second up of the same topology would plan from a state this one is changing: it stops here.
    title: 'Lock the topology',
    task: async (c) => {
      c.lock = await TopologyLock.acquire(c.engines.of(c.t.nodes[0].name), c.t.name, c.t.nodes[0].image);
    },
  },
  { title: 'Plan: compare the topology with what runs', task: planAll },
  operations('Create the network and data volumes', ['create-network', 'create-volume']),
  {
    // Seeding writes into the volumes while the containers are being created: only start waits for both.
    title: 'Create containers and seed new data directories',
    enabled: (c) => c.plan.operations.some(onNodes(CREATE_KINDS, c.t.nodes.map((n) => n.name))) || c.plan.has('remove-orphan') || c.plan.has('remove-moved'),
    task: (c, task) =>
      task.newListr(
        [
          ...seedGroups(c).map(({ engine, image, volumes }) => ({
            title: `Seed ${volumes.length} data volume(s) of ${image}${c.engines.inUse().length > 1 ? ` on ${engine.describe()}` : ''}`,
            task: (_: UpCtx, sub: Task) => seed(c, engine, image, volumes, (l) => (sub.output = l)),
          })),
          ...c.plan.operations
            .filter((o) => [...CREATE_KINDS, 'remove-orphan', 'remove-moved'].includes(o.kind))
            .map((op) => ({ title: describe(op), task: () => c.run(op) })),
        ],
        { concurrent: true },
      ),
  },
  {
    // Each node is waited for as soon as it starts: one server's start-up overlaps the next one's start.
    title: 'Start the nodes and wait until each accepts SQL connections',
    task: (c, task) => {
      const inTurn = restartsInTurn(c);
      return task.newListr(
        c.t.nodes.map((n) => ({
          title: n.name,
          task: (_: UpCtx, sub: Task) =>
            inTurn(n.name, async () => {
              for (const op of c.plan.operations.filter(onNodes(['start-container', 'restart-container'], [n.name]))) await c.run(op);
              await connectNode(c, n, sub);
            }),
        })),
        { concurrent: true },
      );
    },
  },
  { title: 'Plan replication: ask every server', task: planServers },
  operations('Apply changed settings and certificates at run time', ['set-settings', 'renew-certificates']),
  operations('Replication account on every node', ['create-replication-user', 'set-replication-password']),
  operations('Turn GTIDs on', ['set-mode']),
  {
    // Sources before their replicas: a replica joins a source that already replicates.
    title: 'Connect each replica to its source',
    enabled: (c) => c.plan.operations.some((o) => REPLICA_KINDS.includes(o.kind)),
    task: (c, task) =>
      task.newListr(
        levels(c.t.nodes)
          .slice(1)
          .map((level, i) => operations(`Depth ${i + 1}: ${level.map((n) => n.name).join(', ')}`, onNodes(REPLICA_KINDS, level.map((n) => n.name)))),
      ),
  },
  operations('Delay replicas on purpose', ['set-delay']),
  operations('Run init SQL on the primary', ['run-init']),
  operations('Make replicas read-only and the primary writable', ['set-read-only']),
  {
    title: 'Verify: a heartbeat written on the primary reaches every replica',
    enabled: (c) => c.t.nodes.some((n) => n.role === 'replica'),
    skip: (c) => (c.changes.length === 0 ? 'nothing changed: every replica was asked and replicates, no heartbeat written' : false),
    task: verifyHeartbeat,
  },
];

/**
 * Running nodes this plan restarts go one at a time, each back and answering before the next:
 * replicas first, deepest first, the primary last; so a change to every node never takes the
 * whole topology down at once. Nodes started from stopped or new ones go at once.
 */
function restartsInTurn(c: UpCtx): (node: string, work: () => Promise<void>) => Promise<void> {
  const restarted = new Set(c.plan.of('restart-container').map((o) => o.node));
  const order = levels(c.t.nodes)
    .reverse()
    .flat()
    .map((n) => n.name)
    .filter((n) => restarted.has(n));
  // One gate a node, made before any task starts: tasks start in file order, turns go in this one.
  const gates = new Map(
    order.map((n) => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return [n, { promise, resolve }] as const;
    }),
  );
  return async (node, work) => {
    const at = order.indexOf(node);
    if (at < 0) return work();
    // A turn starts once the one before has ended, well or not (a failure fails the step anyway).
    if (at > 0) await gates.get(order[at - 1])!.promise;
    try {
      await work();
    } finally {
      gates.get(node)!.resolve();
    }
  };
}

/** Everything that would make the run fail half-way, found before anything is created. */
async function preflight(c: UpCtx): Promise<void> {
  // The images' own answers are not known yet; names and images do not depend on them.
  const observed = await observe(c.engines, c.t, c.desired.images, undefined, { files: false });
  const problems = preflightProblems(c.t, await gatherPreflight(c.engines, c.t, observed));
  if (problems.length) throw new PreflightError(problems);
  // Only images are acted on before the real plan: every missing one is pullable, or preflight failed.
  c.plan = new Plan(reconcile(c.desired, observed).of('pull-image'));
}

/**
 * Observed again under the lock, so the plan starts from what no other up is changing. Servers
 * that already run are asked too: a change `up` refuses stops it before anything is touched.
 */
async function planAll(c: UpCtx, task: Task): Promise<void> {
  c.tls = await topologyTls(c.t, c.engines.hostAddresses(), { keeper: caKeeperOf(c.engines, c.t) });
  c.sessions = await openRunning(c.engines, c.t);
  c.observed = await observe(c.engines, c.t, c.desired.images, c.sessions);
  // Ids as the nodes' data records them: what is rendered from here on keeps them.
  c.t = withRecordedServerIds(c.t, c.observed);
  const remote = await c.engines.remoteAddresses();
  c.desired = desiredState(c.t, c.imageFacts, c.tls, remote);
  let plan = reconcile(c.desired, c.observed, { removeOrphans: c.options.removeOrphans });
  refuse(plan);
  if (plan.has('set-mode')) {
    // The GTID lines reach the files only once the switch has run (set-mode writes them): a node
    // starting before it with gtid_mode=ON in its my.cnf cannot replicate from a source without.
    c.afterGtidSwitch = c.desired;
    c.desired = desiredState(beforeGtidSwitch(c.t), c.imageFacts, c.tls, remote);
    plan = reconcile(c.desired, c.observed, { removeOrphans: c.options.removeOrphans });
  }
  // Servers this plan restarts are asked again once they are back.
  for (const node of [...plan.nodesStarted(), ...plan.of('restart-container').map((o) => o.node)]) {
    await c.sessions.get(node)?.close();
    c.sessions.delete(node);
  }
  c.plan = new Plan(plan.operations.filter(isContainerOperation), plan.orphans);
  // Each operation shows as its own step, with its cause: the plan is not printed twice.
  task.title = c.plan.empty ? 'Plan: containers are up to date' : `Plan: ${c.plan.operations.length} container operation(s)`;
  for (const o of plan.orphans) c.warnings.push(`container ${o} belongs to no node in the file; left alone (up --remove-orphans removes it)`);
}

/** Every server answers now: their replication, accounts and settings are planned from what they say. */
async function planServers(c: UpCtx, task: Task): Promise<void> {
  const plan = reconcile(c.afterGtidSwitch ?? c.desired, await observeAgain(c));
  refuse(plan);
  c.plan = new Plan(plan.operations.filter((o) => !isContainerOperation(o)));
  task.title = c.plan.empty ? 'Plan replication: every server is up to date' : `Plan replication: ${c.plan.operations.length} operation(s)`;
}

/**
 * When no container operation ran, the containers are as the lock-held look saw them and so are
 * the servers it asked: only servers it could not ask yet are asked now (a no-op up stays fast).
 */
async function observeAgain(c: UpCtx): Promise<Observed> {
  const before = c.observed;
  if (!before || !c.plan.empty) return observe(c.engines, c.t, c.desired.images, c.sessions);
  const unasked = new Map([...c.sessions].filter(([node]) => !before.servers.has(node)));
  return { ...before, servers: new Map([...before.servers, ...(await observeServers(c.t, unasked))]) };
}

function refuse(plan: Plan): void {
  if (plan.refused.length) {
    throw new ReplikitError(`up will not make ${plan.refused.length === 1 ? 'this change' : 'these changes'}:\n  ${plan.refused.join('\n  ')}`, 'nothing was changed; replikit plan shows the whole plan');
  }
}

/**
 * Volumes of containers about to be (re)created or started, by engine and image (each engine
 * keeps its own seed): every node starts from a seed copy, and an earlier up may have stopped
 * before filling them. The copy skips a volume that already holds a data directory, so kept
 * data is never touched.
 */
function seedGroups(c: UpCtx): { engine: DockerEngine; image: string; volumes: string[] }[] {
  const groups: { engine: DockerEngine; image: string; volumes: string[] }[] = [];
  const started = c.plan.nodesStarted();
  for (const n of c.t.nodes.filter((x) => started.has(x.name))) {
    const engine = c.engines.of(n.name);
    const group = groups.find((g) => g.engine === engine && g.image === n.image) ?? groups[groups.push({ engine, image: n.image, volumes: [] }) - 1];
    group.volumes.push(volumeName(c.t, n.name));
  }
  return groups;
}

function seed(c: UpCtx, engine: DockerEngine, image: string, volumes: string[], progress: (line: string) => void): Promise<void> {
  const dialect = nodeDialect(image, c.imageFacts);
  const work = new DataDirSeed(engine).copyInto(image, dialect, profileCnf(c.t.profile, dialect), volumes, progress);
  c.inflight.add(work);
  return work.finally(() => c.inflight.delete(work));
}

async function connectNode(c: UpCtx, n: NodeSpec, task: Task): Promise<void> {
  const endpoint = await rootEndpoint(c.engines.of(n.name), c.t, n);
  const session =
    c.sessions.get(n.name) ??
    (await waitForSql(c.engines.of(n.name), containerName(c.t, n.name), endpoint, {
      timeoutMs: c.options.startTimeoutMs ?? 180_000,
      signal: c.signal,
      onWaiting: (elapsed, error, logLine) => (task.output = `${n.name}: waiting for the server: ${(elapsed / 1000).toFixed(1)} s (${logLine ? `its log: ${logLine}` : error})`),
    }));
  c.sessions.set(n.name, session);
  task.title = `${n.name}: ${session.version} on ${endpoint.host}:${endpoint.port}`;
}

async function verifyHeartbeat(c: UpCtx, task: Task) {
  const primary = primaryOf(c.t);
  // Every replica's threads were confirmed running when it was connected; now prove data flows.
  const hb = await writeHeartbeat(c.sessions.get(primary.name)!, primary.serverId);
  return task.newListr(
    c.t.nodes
      .filter((n) => n.role === 'replica')
      .map((n) => ({
        title: n.name,
        task: async (_: UpCtx, sub: Task) => {
          // A replica delayed on purpose receives the heartbeat that much later.
          const lag = await waitForHeartbeat(c.sessions.get(n.name)!, hb, 60_000 + n.delaySeconds * 1000, c.signal);
          c.lag.set(n.name, lag);
          sub.title = `${n.name}: heartbeat arrived after ${lag} ms`;
        },
      })),
    { concurrent: true },
  );
}

export async function report(c: UpCtx) {
  const nodes: NodeReport[] = c.t.nodes.map((n) => {
    const s = c.sessions.get(n.name)!;
    const { node: _, ...root } = s.endpoint;
    // Clients get the topology's CA: they can check the server's certificate (its SAN has this address).
    const connection: ConnectionConfig = c.tls ? { ...root, ssl: { ca: c.tls.ca } } : root;
    return {
      name: n.name,
      role: n.role,
      ...(n.source ? { source: n.source } : {}),
      container: containerName(c.t, n.name),
      host: s.endpoint.host,
      port: s.endpoint.port,
      user: s.endpoint.user,
      connection,
      uri: connectionUri(connection),
      version: s.version,
      ...(c.lag.has(n.name) ? { heartbeatLagMs: c.lag.get(n.name) } : {}),
      ...(n.delaySeconds ? { delaySeconds: n.delaySeconds } : {}),
      ...(n.engine ? { engine: n.engine } : {}),
    };
  });
  const engines = Object.keys(c.t.engines).length ? { engines: c.t.engines } : {};
  return { topology: c.t.name, changed: c.changes.length > 0, changes: c.changes, nodes, ...engines, warnings: c.warnings };
}
