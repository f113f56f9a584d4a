import type { DockerEngine } from '../docker/engine';
import { containerName, volumeName } from '../names';
import { DataDirSeed } from '../docker/seed';
import { TopologyLock } from '../docker/lock';
import { caKeeperOf } from '../docker/ca-keeper';
import { imageFacts } from '../docker/detect-image';
import { topologyTls } from '../tls/certificates';
import { profileCnf } from '../render/mycnf';
import { waitForSql } from '../replication/wait-for-sql';
import { beforeGtidSwitch, desiredState, nodeDialect, observe, observeServers } from '../plan/observe';
import { planTopology } from '../plan/plan-topology';
import { Observed, Plan, reconcile } from '../plan/reconcile';
import { isContainerOperation } from '../plan/operations';
import { levels, NodeSpec, primaryOf } from '../topology/types';
import { Heartbeat, waitForHeartbeat, writeHeartbeat } from '../verify/heartbeat';
import type { LineOut } from '../run/runner';
import { openRunning, rootEndpoint } from './context';
import type { UpCtx } from './up-context';
import { gatherPreflight } from '../preflight/gather';
import { preflightProblems } from '../preflight/problems';
import { PreflightError, ReplikitError } from '../errors';

/**
 * The steps of `up` that are not operations of its plan: preflight, the image questions, the
 * lock, the two planning steps, waiting for each server and the heartbeat. up.ts binds them to
 * the step table (plan/steps.ts).
 */

/** Everything that would make the run fail half-way, found before anything is created. */
export async function preflight(c: UpCtx): Promise<void> {
  // The images' own answers are not known yet; names and images do not depend on them.
  const observed = await observe(c.engines, c.t, c.desired.images, undefined, { files: false });
  const problems = preflightProblems(c.t, await gatherPreflight(c.engines, c.t, observed));
  if (problems.length) throw new PreflightError(problems);
  // Only images are acted on before the real plan: every missing one is pullable, or preflight failed.
  c.plan = new Plan(reconcile(c.desired, observed).of('pull-image'));
}

export async function askImages(c: UpCtx, out: LineOut): Promise<void> {
  await Promise.all(c.desired.images.map(async (image) => c.imageFacts.set(image, await imageFacts(c.engines.forImage(image)[0], image))));
  out.title(
    `Images: ${[...c.imageFacts].map(([image, { version: v }]) => `${image} runs ${v.flavor} ${v.major}.${v.minor}.${v.patch}`).join('; ')}`,
  );
}

export async function lock(c: UpCtx): Promise<void> {
  c.lock = await TopologyLock.acquire(c.engines.of(c.t.nodes[0].name), c.t.name, c.t.nodes[0].image);
}

/**
 * Observed again under the lock, so the plan starts from what no other up is changing. Servers
 * that already run are asked too: a change `up` refuses stops it before anything is touched.
 */
export async function planContainers(c: UpCtx, out: LineOut): Promise<void> {
  c.tls = await topologyTls(c.t, c.engines.hostAddresses(), { keeper: caKeeperOf(c.engines, c.t) });
  c.sessions = await openRunning(c.engines, c.t);
  const planned = await planTopology(c.engines, c.t, {
    facts: c.imageFacts,
    tls: c.tls,
    sessions: c.sessions,
    removeOrphans: c.options.removeOrphans,
  });
  ({ t: c.t, observed: c.observed, desired: c.desired } = planned);
  let plan = planned.plan;
  refuse(plan);
  if (plan.has('set-mode')) {
    // The GTID lines reach the files only once the switch has run (set-mode writes them): a node
    // starting before it with gtid_mode=ON in its my.cnf cannot replicate from a source without.
    c.afterGtidSwitch = c.desired;
    c.desired = desiredState(beforeGtidSwitch(c.t), c.imageFacts, c.tls, await c.engines.remoteAddresses());
    plan = reconcile(c.desired, c.observed, { removeOrphans: c.options.removeOrphans });
  }
  // Servers this plan restarts are asked again once they are back.
  for (const node of [...plan.nodesStarted(), ...plan.of('restart-container').map((o) => o.node)]) {
    await c.sessions.get(node)?.close();
    c.sessions.delete(node);
  }
  c.plan = new Plan(plan.operations.filter(isContainerOperation), plan.orphans);
  // Each operation shows as its own step, with its cause: the plan is not printed twice.
  out.title(c.plan.empty ? 'Plan: containers are up to date' : `Plan: ${c.plan.operations.length} container operation(s)`);
  for (const o of plan.orphans)
    c.warnings.push(`container ${o} belongs to no node in the file; left alone (up --remove-orphans removes it)`);
}

/** Every server answers now: their replication, accounts and settings are planned from what they say. */
export async function planServers(c: UpCtx, out: LineOut): Promise<void> {
  const plan = reconcile(c.afterGtidSwitch ?? c.desired, await observeAgain(c));
  refuse(plan);
  c.plan = new Plan(plan.operations.filter((o) => !isContainerOperation(o)));
  out.title(c.plan.empty ? 'Plan replication: every server is up to date' : `Plan replication: ${c.plan.operations.length} operation(s)`);
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
    throw new ReplikitError(
      `up will not make ${plan.refused.length === 1 ? 'this change' : 'these changes'}:\n  ${plan.refused.join('\n  ')}`,
      'nothing was changed; replikit plan shows the whole plan',
    );
  }
}

export interface SeedGroup {
  engine: DockerEngine;
  image: string;
  volumes: string[];
}

/**
 * Volumes of containers about to be (re)created or started, by engine and image (each engine
 * keeps its own seed): every node starts from a seed copy, and an earlier up may have stopped
 * before filling them. The copy skips a volume that already holds a data directory, so kept
 * data is never touched.
 */
export function seedGroups(c: UpCtx): SeedGroup[] {
  const groups: SeedGroup[] = [];
  const started = c.plan.nodesStarted();
  for (const n of c.t.nodes.filter((x) => started.has(x.name))) {
    const engine = c.engines.of(n.name);
    const group =
      groups.find((g) => g.engine === engine && g.image === n.image) ?? groups[groups.push({ engine, image: n.image, volumes: [] }) - 1];
    group.volumes.push(volumeName(c.t, n.name));
  }
  return groups;
}

export function seed(c: UpCtx, { engine, image, volumes }: SeedGroup, progress: (line: string) => void): Promise<void> {
  const dialect = nodeDialect(image, c.imageFacts);
  const work = new DataDirSeed(engine).copyInto(image, dialect, profileCnf(c.t.profile, dialect), volumes, progress);
  c.inflight.add(work);
  return work.finally(() => c.inflight.delete(work));
}

/**
 * Running nodes this plan restarts go one at a time, each back and answering before the next:
 * replicas first, deepest first, the primary last; so a change to every node never takes the
 * whole topology down at once. Nodes started from stopped or new ones go at once.
 */
export function restartsInTurn(c: UpCtx): (node: string, work: () => Promise<void>) => Promise<void> {
  const restarted = new Set(c.plan.of('restart-container').map((o) => o.node));
  const order = levels(c.t.nodes)
    .reverse()
    .flat()
    .map((n) => n.name)
    .filter((n) => restarted.has(n));
  // One gate a node, made before any line starts: lines start in file order, turns go in this one.
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

/** Waits until the node's server accepts SQL connections and keeps the session. */
export async function connectNode(c: UpCtx, n: NodeSpec, out: LineOut): Promise<void> {
  const endpoint = await rootEndpoint(c.engines.of(n.name), c.t, n);
  const session =
    c.sessions.get(n.name) ??
    (await waitForSql(c.engines.of(n.name), containerName(c.t, n.name), endpoint, {
      timeoutMs: c.options.startTimeoutMs ?? 180_000,
      signal: c.signal,
      onWaiting: (elapsed, error, logLine) =>
        out.output(`${n.name}: waiting for the server: ${(elapsed / 1000).toFixed(1)} s (${logLine ? `its log: ${logLine}` : error})`),
    }));
  c.sessions.set(n.name, session);
  out.title(`${n.name}: ${session.version} on ${endpoint.host}:${endpoint.port}`);
}

/** One heartbeat on the primary, written when the first replica asks for it; each replica waits for it. */
export function heartbeatOnce(c: UpCtx): () => Promise<Heartbeat> {
  let written: Promise<Heartbeat> | undefined;
  return () => {
    const primary = primaryOf(c.t);
    written ??= writeHeartbeat(c.sessions.get(primary.name)!, primary.serverId);
    return written;
  };
}

export async function awaitHeartbeat(c: UpCtx, n: NodeSpec, heartbeat: () => Promise<Heartbeat>, out: LineOut): Promise<void> {
  // Every replica's threads were confirmed running when it was connected; now prove data flows.
  // A replica delayed on purpose receives the heartbeat that much later.
  const lag = await waitForHeartbeat(c.sessions.get(n.name)!, await heartbeat(), 60_000 + n.delaySeconds * 1000, c.signal);
  c.lag.set(n.name, lag);
  out.title(`${n.name}: heartbeat arrived after ${lag} ms`);
}
