import { Listr, ListrRendererValue, ListrTaskWrapper } from 'listr2';
import { DockerEngine } from '../docker/engine';
import { containerName, LABEL, networkName, topologyLabels, volumeName } from '../docker/names';
import { DataDirSeed } from '../docker/seed';
import { TopologyLock } from '../docker/lock';
import { ImageFacts, imageFacts } from '../flavors/detect-image';
import { profileCnf } from '../render/mycnf';
import { waitForSql } from '../docker/wait-for-sql';
import { desiredState, nodeDialect, observe } from '../plan/observe';
import { Plan, reconcile, Desired } from '../plan/reconcile';
import { ensureReplicationUser } from '../replication/link';
import type { SqlSession } from '../replication/session';
import { linkReplica } from '../replication/link-replica';
import { runInitOnce } from '../replication/init-sql';
import { resolveTopology, TopologySource } from '../topology/inline';
import { ConnectionConfig, connectionConfig, connectionUri } from './connection';
import { levels, NodeSpec, primaryOf, Topology } from '../topology/types';
import { waitForHeartbeat, writeHeartbeat } from '../verify/heartbeat';
import { waitForThreads } from '../verify/threads';
import { listrOptions, Progress, rootEndpoint } from './context';
import { afterFailure, Created } from './rollback';
import { gatherPreflight } from '../preflight/gather';
import { preflightProblems } from '../preflight/problems';
import { PreflightError } from '../errors';

export interface UpOptions {
  /** Progress output; the library prints nothing unless asked ('auto': live tree on a TTY, lines otherwise). */
  progress?: Progress;
  signal?: AbortSignal;
  docker?: DockerEngine;
  /** How long a node may take to accept SQL connections. */
  startTimeoutMs?: number;
  /**
   * When `up` fails, keep what this run created for inspection. By default it removes the
   * containers, network and volumes it created (never anything that existed before it ran).
   */
  keepOnFailure?: boolean;
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
}

export interface UpResult {
  topology: string;
  /** False when the topology was already converged and nothing was touched. */
  changed: boolean;
  /** What this run did, one line each, in order. */
  changes: string[];
  nodes: NodeReport[];
  warnings: string[];
}

interface Ctx {
  t: Topology;
  docker: DockerEngine;
  desired: Desired;
  plan: Plan;
  sessions: Map<string, SqlSession>;
  changes: string[];
  lag: Map<string, number>;
  signal?: AbortSignal;
  startTimeoutMs: number;
  /** What this run created, so a failed run can take exactly that away again. */
  created: Created;
  /** Docker work still running when a sibling task fails; cleanup waits for it to settle. */
  inflight: Set<Promise<unknown>>;
  lock?: TopologyLock;
  /** Images preflight found missing (and pullable). */
  missingImages: string[];
  /** What each image runs and as whom, asked of the image itself. */
  imageFacts: Map<string, ImageFacts>;
  /** Nodes whose replication account got the topology's password in this run: their replicas need it too. */
  passwordChanged: Set<string>;
}

type Task = ListrTaskWrapper<Ctx, any, any>;

/**
 * Converges Docker and replication to the topology: observe → plan → execute, then verify.
 * Returns only when every replica answers queries and has received the heartbeat.
 */
export async function up(topology: TopologySource, options: UpOptions = {}): Promise<UpResult> {
  const t = resolveTopology(topology);
  const ctx: Ctx = {
    t,
    docker: options.docker ?? new DockerEngine(),
    desired: desiredState(t),
    plan: new Plan([], []),
    sessions: new Map(),
    changes: [],
    lag: new Map(),
    signal: options.signal,
    startTimeoutMs: options.startTimeoutMs ?? 180_000,
    created: { containers: [], networks: [], volumes: [] },
    inflight: new Set(),
    missingImages: [],
    imageFacts: new Map(),
    passwordChanged: new Set(),
  };
  const replicas = t.nodes.filter((n) => n.role === 'replica');
  try {
    await new Listr<Ctx, ListrRendererValue, ListrRendererValue>(
      [
        { title: 'Connect to the Docker engine', task: (c) => c.docker.ping() },
        { title: 'Preflight: names, images, ports', task: preflightTask },
        {
          title: 'Pull images',
          enabled: (c) => c.missingImages.length > 0,
          task: (c, task) =>
            task.newListr(
              c.missingImages.map((image) => ({ title: `Pull ${image}`, task: (_: Ctx, sub: Task) => c.docker.pull(image, (l) => (sub.output = l)) })),
              { concurrent: true },
            ),
        },
        {
          title: 'Ask each image which server it runs',
          task: async (c, task) => {
            await Promise.all(c.desired.images.map(async (image) => c.imageFacts.set(image, await imageFacts(c.docker, image))));
            task.title = `Images: ${[...c.imageFacts].map(([image, { version: v }]) => `${image} runs ${v.flavor} ${v.major}.${v.minor}.${v.patch}`).join('; ')}`;
          },
        },
        {
          // A second up of the same topology would plan from a state this one is changing: it stops here.
          title: 'Lock the topology',
          task: async (c) => {
            c.lock = await TopologyLock.acquire(c.docker, c.t.name, c.t.nodes[0].image);
          },
        },
        { title: 'Plan: compare the topology with what runs', task: planTask },
        { title: 'Create network and data volumes', enabled: (c) => c.plan.has('create-network') || c.plan.has('create-volume'), task: networkAndVolumes },
        {
          // Seeding writes into the volumes while the containers are being created: only start waits for both.
          title: 'Create containers and seed new data directories',
          enabled: (c) => c.plan.nodesTouched().size > 0,
          task: (c, task) =>
            task.newListr(
              [
                ...[...seedGroups(c)].map(([image, volumes]) => {
                  const dialect = nodeDialect(image, c.imageFacts);
                  return {
                    title: `Seed ${volumes.length} data volume(s) of ${image}`,
                    task: (_: Ctx, sub: Task) =>
                      track(c, new DataDirSeed(c.docker).copyInto(image, dialect, profileCnf(c.t.profile, dialect), volumes, (l) => (sub.output = l))),
                  };
                }),
                {
                  title: `Create ${[...c.plan.nodesTouched()].join(', ')}`,
                  task: () => Promise.all([...c.plan.nodesTouched()].map((n) => track(c, createNode(c, n)))),
                },
              ],
              { concurrent: true },
            ),
        },
        {
          // Each node is waited for as soon as it starts: one server's start-up overlaps the next one's start.
          title: 'Start the nodes and wait until each accepts SQL connections',
          task: (c, task) =>
            task.newListr(
              t.nodes.map((n) => ({
                title: n.name,
                task: async (_: Ctx, sub: Task) => {
                  if (c.plan.nodesTouched().has(n.name)) await c.docker.start(containerName(c.t, n.name));
                  await connectNode(c, n, sub);
                },
              })),
              { concurrent: true },
            ),
        },
        {
          title: 'Create the replication user on every node',
          task: (c, task) =>
            task.newListr(
              t.nodes.map((n) => ({
                title: n.name,
                task: async (_: Ctx, sub: Task) => {
                  const user = t.credentials.replicationUser;
                  const done = await ensureReplicationUser(c.sessions.get(n.name)!, user, t.credentials.replicationPassword);
                  const what = { created: `created ${user}@%`, repaired: `set ${user}@%'s password to the topology's`, present: `already has ${user}@%` }[done];
                  sub.title = `${n.name}: ${what}`;
                  if (done !== 'present') c.changes.push(`${n.name}: ${what}`);
                  if (done === 'repaired') c.passwordChanged.add(n.name);
                },
              })),
              { concurrent: true },
            ),
        },
        {
          title: 'Connect each replica to its source',
          enabled: () => replicas.length > 0,
          task: (c, task) =>
            task.newListr(
              levels(t.nodes)
                .slice(1)
                .map((level, i) => ({
                  title: `Depth ${i + 1}: ${level.map((n) => n.name).join(', ')}`,
                  task: (_: Ctx, lt: Task) =>
                    lt.newListr(level.map((n) => ({ title: `${n.name} ← ${n.source}`, task: (_c: Ctx, sub: Task) => connectReplica(c, n, sub) })), { concurrent: true }),
                })),
            ),
        },
        { title: 'Run init SQL on the primary', enabled: () => t.init.length > 0, task: runInit },
        { title: 'Make replicas read-only and the primary writable', task: setReadOnly },
        {
          title: 'Verify: a heartbeat written on the primary reaches every replica',
          enabled: () => replicas.length > 0,
          skip: (c) => (c.plan.empty && c.changes.length === 0 ? 'nothing changed: replication threads checked, no heartbeat written' : false),
          task: verifyHeartbeat,
        },
      ],
      listrOptions(options.progress ?? 'silent'),
    ).run(ctx);
    return await report(ctx);
  } catch (e) {
    // Removing a volume while a sibling task still copies into it would fail, or let Docker make it anew.
    await Promise.allSettled([...ctx.inflight]);
    throw await afterFailure(ctx, e, options.keepOnFailure ?? false);
  } finally {
    await Promise.all([...ctx.sessions.values()].map((s) => s.close()));
    await ctx.lock?.release();
  }
}

/** Everything that would make the run fail half-way, found before anything is created. */
async function preflightTask(c: Ctx): Promise<void> {
  // The images' own answers are not known yet; names and images do not depend on them.
  const observed = await observe(c.docker, c.t, c.desired.images);
  const facts = await gatherPreflight(c.docker, c.t, observed);
  const problems = preflightProblems(c.t, facts);
  if (problems.length) throw new PreflightError(problems);
  c.missingImages = facts.missingImages.map((i) => i.image); // all pullable, or preflight failed
}

/** Observed again under the lock, so the plan starts from what no other up is changing. */
async function planTask(c: Ctx, task: Task): Promise<void> {
  c.desired = desiredState(c.t, c.imageFacts);
  const observed = await observe(c.docker, c.t, c.desired.images);
  c.plan = reconcile(c.desired, observed);
  task.title = c.plan.empty ? 'Plan: containers are up to date' : `Plan: ${c.plan.operations.length} operation(s)`;
  task.output = c.plan.toString();
  for (const o of c.plan.operations) if (o.kind !== 'pull-image') c.changes.push(`${o.kind} ${o.name}: ${o.cause}`);
}

async function networkAndVolumes(c: Ctx): Promise<void> {
  if (c.plan.has('create-network') && (await c.docker.ensureNetwork(networkName(c.t), topologyLabels(c.t)))) c.created.networks.push(networkName(c.t));
  await Promise.all(
    c.plan.operations.flatMap((o) => {
      if (o.kind !== 'create-volume') return [];
      return [c.docker.ensureVolume(o.name, { ...topologyLabels(c.t), [LABEL.node]: o.node }).then((made) => made && c.created.volumes.push(o.name))];
    }),
  );
}

/** Registers Docker work that must finish before a failed run cleans up. */
function track<T>(c: Ctx, work: Promise<T>): Promise<T> {
  c.inflight.add(work);
  return work.finally(() => c.inflight.delete(work));
}

/**
 * Volumes of containers about to be (re)created or started, by image: every node starts from a
 * seed copy, and an earlier up may have stopped before filling them. The copy skips a volume that
 * already holds a data directory, so kept data is never touched.
 */
function seedGroups(c: Ctx): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const n of c.t.nodes) {
    const volume = volumeName(c.t, n.name);
    if (!c.plan.nodesTouched().has(n.name)) continue;
    groups.set(n.image, [...(groups.get(n.image) ?? []), volume]);
  }
  return groups;
}

/** Creates (or recreates) a node's container with its files in, not yet started. */
async function createNode(c: Ctx, node: string): Promise<void> {
  const { plan } = c.desired.nodes.find((n) => n.plan.node === node)!;
  if (c.plan.has('recreate-container', node)) await c.docker.remove(plan.name);
  if (c.plan.has('create-container', node)) c.created.containers.push(plan.name);
  if (c.plan.has('recreate-container', node) || c.plan.has('create-container', node)) await c.docker.create(plan);
  c.signal?.throwIfAborted();
}

async function connectNode(c: Ctx, n: NodeSpec, task: Task): Promise<void> {
  const endpoint = await rootEndpoint(c.docker, c.t, n);
  const session = await waitForSql(c.docker, containerName(c.t, n.name), endpoint, {
    timeoutMs: c.startTimeoutMs,
    signal: c.signal,
    onWaiting: (elapsed, error, logLine) => (task.output = `${n.name}: waiting for the server: ${(elapsed / 1000).toFixed(1)} s (${logLine ? `its log: ${logLine}` : error})`),
  });
  c.sessions.set(n.name, session);
  task.title = `${n.name}: ${session.version} on ${endpoint.host}:${endpoint.port}`;
}

async function connectReplica(c: Ctx, n: NodeSpec, task: Task): Promise<void> {
  const replica = c.sessions.get(n.name)!;
  const change = await linkReplica({
    docker: c.docker,
    replica: { name: n.name, container: containerName(c.t, n.name), session: replica },
    source: { name: n.source!, container: containerName(c.t, n.source!), session: c.sessions.get(n.source!)! },
    credentials: c.t.credentials,
    passwordChanged: c.passwordChanged.has(n.source!),
    mode: c.t.replication.mode,
    progress: (text) => (task.output = text),
  });
  if (!change) {
    task.title = `${n.name} ← ${n.source}: already replicating`;
    return;
  }
  c.changes.push(change);
  const status = await waitForThreads(replica, 60_000, c.signal);
  task.title = `${n.name} ← ${n.source}: IO and SQL threads running (${status.secondsBehind ?? '?'} s behind)`;
}

/** read_only (and super_read_only where it exists) on replicas; the primary writable, e.g. after an interrupted switchover. */
async function setReadOnly(c: Ctx): Promise<void> {
  await Promise.all(
    c.t.nodes.map(async (n) => {
      const s = c.sessions.get(n.name)!;
      if (n.role === 'replica') return s.run(...s.dialect.readOnly());
      const row = await s.first('SELECT @@GLOBAL.read_only AS ro');
      if (Number(row?.ro) === 0) return;
      await s.run(...s.dialect.readWrite());
      c.changes.push(`${n.name}: made writable (it was read-only)`);
    }),
  );
}

async function runInit(c: Ctx, task: Task): Promise<void> {
  const ran = await runInitOnce(c.sessions.get(primaryOf(c.t).name)!, c.t.init, (file) => (task.output = `running ${file}`));
  if (ran) c.changes.push(`primary: ran init SQL ${c.t.init.join(', ')}`);
  else task.skip('init SQL already ran on this primary');
}

async function verifyHeartbeat(c: Ctx, task: Task) {
  const primary = primaryOf(c.t);
  // Every replica's threads were confirmed running when it was connected; now prove data flows.
  const hb = await writeHeartbeat(c.sessions.get(primary.name)!, primary.serverId);
  return task.newListr(
    c.t.nodes
      .filter((n) => n.role === 'replica')
      .map((n) => ({
        title: n.name,
        task: async (_: Ctx, sub: Task) => {
          const lag = await waitForHeartbeat(c.sessions.get(n.name)!, hb, 60_000, c.signal);
          c.lag.set(n.name, lag);
          sub.title = `${n.name}: heartbeat arrived after ${lag} ms`;
        },
      })),
    { concurrent: true },
  );
}

async function report(c: Ctx): Promise<UpResult> {
  const nodes: NodeReport[] = [];
  for (const n of c.t.nodes) {
    const s = c.sessions.get(n.name)!;
    const connection = connectionConfig(s.endpoint.host, s.endpoint.port, s.endpoint.user, s.endpoint.password);
    nodes.push({
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
    });
  }
  return { topology: c.t.name, changed: !c.plan.empty || c.changes.length > 0, changes: c.changes, nodes, warnings: c.t.warnings };
}
