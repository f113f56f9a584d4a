import type { BinlogCoordinates } from '../flavors/dialect';
import type { DockerEngine } from '../docker/engine';
import { answersWithin, type TopologyEngines } from '../docker/engines';
import { imageFacts } from '../docker/detect-image';
import { caKeeperOf } from '../docker/ca-keeper';
import { TopologyLock } from '../docker/lock';
import { NodeError, ReplikitError } from '../errors';
import { containerName } from '../names';
import { desiredState } from '../plan/observe';
import { MYCNF_PATH } from '../render/mycnf';
import { poll } from '../poll';
import { heldGtids, pointAt, readCoordinates, replicaStatus, sourceLink } from '../replication/link';
import { sourceNode } from '../replication/address';
import { recordFailover } from '../replication/init-sql';
import { SqlSession } from '../replication/session';
import { takeSemiSyncRole } from '../replication/semi-sync';
import type { LineOut, Step } from '../run/runner';
import { topologyTls } from '../tls/certificates';
import { afterRoleChange } from '../topology/roles';
import type { NodeSpec, Topology } from '../topology/types';
import { waitForHeartbeat, writeHeartbeat } from '../verify/heartbeat';
import { waitForThreads } from '../verify/threads';
import { rootEndpoint } from './context';

/** One failover: the primary that is gone, the replicas that remain, and what each phase found. */
export interface FailCtx {
  t: Topology;
  engines: TopologyEngines;
  /** Sessions to every node but the old primary. */
  sessions: Map<string, SqlSession>;
  oldP: NodeSpec;
  /** The replica asked for (`failover NODE`); undefined: the one that holds the most. */
  to?: string;
  /** Fail over from a primary that still answers: it is fenced first. */
  force: boolean;
  /** How long each replica may take to apply what it had received, seconds. */
  applySeconds: number;
  signal?: AbortSignal;
  lock?: TopologyLock;
  /** The old primary's direct replicas that can take its place (answering, not delayed on purpose). */
  candidates: NodeSpec[];
  /** Each candidate's GTID position once it applied everything it had received. */
  held: Map<string, string>;
  /** Each candidate's position in the old primary's binary log once it applied everything. */
  applied: Map<string, Pick<BinlogCoordinates, 'file' | 'position'>>;
  newP?: NodeSpec;
  /** The old primary answered (with `force`): it was made read-only before anything else. */
  oldAnswered: boolean;
  /** How the old primary was fenced: its container stopped and given a read-only my.cnf, or not reachable. */
  fenced?: 'stopped' | 'engine-unreachable';
  promotedAt?: BinlogCoordinates;
  /** The new primary's GTID position when it was promoted: what the old primary holds beyond it never reached it. */
  promotedGtids?: string;
  writableAt: number;
  startedAt: number;
  repointed: string[];
}

/**
 * An unplanned failover as a table of phases on the one runner (switchover's sibling): look at
 * what is left, let the old primary's replicas apply what they received, pick the one that
 * holds the most, fence the old primary, promote, repoint the others, verify.
 */
export const FAILOVER_PHASES: readonly Step<FailCtx>[] = [
  { title: (c) => `Lock the topology and look at every node but ${c.oldP.name}`, run: (c, out) => lockAndLook(c, out) },
  {
    title: (c) => `Let the replicas of ${c.oldP.name} apply what they received`,
    lines: (c) => c.candidates.map((n) => ({ title: n.name, run: (out) => applyReceived(c, n, out) })),
  },
  { title: 'Pick the replica that holds the most', run: (c, out) => pick(c, out) },
  { title: (c) => `Fence ${c.oldP.name}`, run: (c, out) => fence(c, out) },
  { title: (c) => `Promote ${c.newP!.name}`, run: (c, out) => promote(c, out), pointOfNoReturn: true },
  {
    title: (c) => `Repoint the replicas of ${c.oldP.name} at ${c.newP!.name}`,
    lines: (c) => moving(c).map((n) => ({ title: n.name, run: () => repoint(c, n) })),
  },
  { title: (c) => `Verify: a heartbeat written on ${c.newP!.name} reaches every replica`, run: (c) => verify(c) },
];

/** The nodes that replicated from the old primary and follow the new one. */
export const moving = (c: FailCtx): NodeSpec[] => c.t.nodes.filter((n) => n.source === c.oldP.name && n !== c.newP);

/**
 * The lock, a session to every node that remains, and the old primary asked for a few seconds:
 * one that answers is not failed over from (switchover is the way), unless forced, and then it
 * is made read-only before anything else.
 */
export async function lockAndLook(c: FailCtx, out: LineOut): Promise<void> {
  const old = await answers(c.engines.of(c.oldP.name), c.t, c.oldP);
  if (old && !c.force) {
    await old.close();
    throw new ReplikitError(
      `${c.oldP.name} answers: it is not failed over from`,
      `replikit switchover NODE moves the primary without losing a write; failover --force fences ${c.oldP.name} first`,
    );
  }
  if (old) {
    // Fenced now: from here on it refuses writes, whatever a client does.
    await old.run(...old.dialect.readOnly()).finally(() => old.close());
    c.oldAnswered = true;
  }
  const lockEngine = (await answersWithin(c.engines.of(c.t.nodes[0].name), 3000)) ? c.t.nodes[0] : c.t.nodes.find((n) => n !== c.oldP)!;
  c.lock = await TopologyLock.acquire(c.engines.of(lockEngine.name), c.t.name, lockEngine.image);
  const rest = c.t.nodes.filter((n) => n !== c.oldP);
  await Promise.all(
    rest.map(async (n) => {
      const s = await answers(c.engines.of(n.name), c.t, n);
      if (!s)
        throw new NodeError(
          n.name,
          'does not answer either',
          `bring it back first (replikit status, replikit logs ${n.name}), then fail over`,
        );
      c.sessions.set(n.name, s);
    }),
  );
  for (const n of rest.filter((x) => x.source === c.oldP.name)) {
    const status = await replicaStatus(c.sessions.get(n.name)!);
    if (!status || sourceNode(c.t, status) !== c.oldP.name) {
      throw new NodeError(
        n.name,
        `replicates from ${status?.sourceHost || 'nowhere'}, but the file says ${c.oldP.name}`,
        'run replikit status; fail over to a replica of the primary',
      );
    }
  }
  // A replica delayed on purpose stays behind by design: it follows the new primary, it does not become it.
  c.candidates = rest.filter((n) => n.source === c.oldP.name && !n.delaySeconds);
  if (!c.candidates.length)
    throw new ReplikitError(`${c.oldP.name} has no replica that can take its place`, 'a replica delayed on purpose is never promoted');
  out.title(
    `${c.oldP.name} ${old ? 'answers: made read-only (--force)' : 'does not answer'}; ${rest.map((n) => n.name).join(', ')} answer`,
  );
}

/** Waits until a replica has applied every event it received: its applier stands where its receiver stopped. */
export async function applyReceived(c: FailCtx, n: NodeSpec, out: LineOut): Promise<void> {
  const s = c.sessions.get(n.name)!;
  const done = await poll(
    async () => {
      const r = await replicaStatus(s);
      if (!r) throw new NodeError(n.name, 'is no longer a replica', 'run replikit status');
      if (r.sqlRunning !== 'Yes' && r.lastSqlError)
        throw new NodeError(n.name, `its applier stopped: ${r.lastSqlError}`, 'see replikit status');
      return r.relaySourceLogFile === r.sourceLogFile && r.execSourceLogPos === r.readSourceLogPos ? r : undefined;
    },
    {
      timeoutMs: c.applySeconds * 1000,
      intervalMs: 50,
      signal: c.signal,
      onTimeout: () =>
        new NodeError(
          n.name,
          `did not apply what it had received within ${c.applySeconds} s`,
          'nothing was changed; see replikit status, then fail over again',
        ),
    },
  );
  c.applied.set(n.name, { file: done.sourceLogFile, position: done.execSourceLogPos });
  c.held.set(n.name, await heldGtids(s));
  out.title(`${n.name}: applied up to ${done.sourceLogFile}:${done.execSourceLogPos}`);
}

/**
 * The new primary: the replica asked for, or the one that holds everything the others hold.
 * Two that each hold something the other lacks are refused, naming it: promoting either would
 * lose the other's. By file and offset, every replica must stand at the same point (then the
 * new primary's own coordinates are exact for all); otherwise GTIDs are the way.
 */
export async function pick(c: FailCtx, out: LineOut): Promise<void> {
  const lacks = (a: NodeSpec, b: NodeSpec) =>
    c.sessions.get(b.name)!.dialect.gtidsMissing(c.held.get(a.name) ?? '', c.held.get(b.name) ?? '');
  const covers = (n: NodeSpec) => c.candidates.every((o) => o === n || lacks(o, n).count === 0);
  const asked = c.to === undefined ? undefined : c.candidates.find((n) => n.name === c.to);
  if (c.to !== undefined && !asked) {
    throw new ReplikitError(
      `${c.to} cannot take ${c.oldP.name}'s place`,
      `fail over to a direct replica of ${c.oldP.name} that is not delayed on purpose: ${c.candidates.map((n) => n.name).join(', ')}`,
    );
  }
  const chosen = asked ?? c.candidates.find(covers);
  if (!chosen || !covers(chosen)) {
    const gaps = c.candidates.flatMap((a) =>
      c.candidates
        .filter((b) => b !== a)
        .flatMap((b) => {
          const gap = lacks(a, b);
          return gap.count ? [`${a.name} holds ${gap.text} (${gap.count} transaction(s)) that ${b.name} lacks`] : [];
        }),
    );
    throw new ReplikitError(
      `no replica holds everything the others hold: ${gaps.join('; ')}`,
      `nothing was changed. Promoting one would lose the others' transactions: fail over to the one whose are to be kept (replikit failover NODE), and rebuild the others`,
    );
  }
  const s = c.sessions.get(chosen.name)!;
  if (s.dialect.linkMode(c.t.replication.mode) === 'position') {
    const at = c.applied.get(chosen.name)!;
    const apart = c.candidates.filter((n) => ['file', 'position'].some((k) => c.applied.get(n.name)![k as 'file'] !== at[k as 'file']));
    const behind = moving({ ...c, newP: chosen }).filter((n) => !c.candidates.includes(n));
    if (apart.length || behind.length) {
      throw new ReplikitError(
        `by file and offset the replicas of ${c.oldP.name} cannot follow ${chosen.name} exactly: ${[...apart, ...behind].map((n) => n.name).join(', ')} ${apart.length + behind.length === 1 ? 'stands' : 'stand'} elsewhere in ${c.oldP.name}'s log`,
        'nothing was changed; with replication.mode: gtid each replica follows the new primary from where it stands (replikit up turns GTIDs on in place)',
      );
    }
  }
  c.newP = chosen;
  out.title(`Pick ${chosen.name}: ${asked ? 'asked for' : 'it holds the most'} (${c.held.get(chosen.name) || 'no GTID yet'})`);
}

/**
 * The old primary never takes writes again by surprise: its container is stopped and its my.cnf
 * made the one of a replica (read-only from its first connection on, replicating from nobody
 * until `up` decides). Where its engine does not answer, that is said: it must not be started
 * again before `replikit up`.
 */
export async function fence(c: FailCtx, out: LineOut): Promise<void> {
  const engine = c.engines.of(c.oldP.name);
  if (!(await answersWithin(engine, 3000))) {
    c.fenced = 'engine-unreachable';
    out.title(`Fence ${c.oldP.name}: its engine does not answer (${engine.describe()}); run replikit up before it starts again`);
    return;
  }
  const after = afterRoleChange(c.t, c.oldP.name, c.newP!.name);
  const tls = await topologyTls(after, c.engines.hostAddresses(), { keepNewCa: false, keeper: caKeeperOf(c.engines, c.t) });
  const facts = new Map([[c.oldP.image, await imageFacts(engine, c.oldP.image)]]);
  const desired = desiredState(after, facts, tls, await c.engines.remoteAddresses()).nodes.find((d) => d.spec.name === c.oldP.name)!;
  const name = containerName(c.t, c.oldP.name);
  await engine.stop(name);
  if (await engine.inspect(name))
    await engine.putFiles(
      name,
      desired.plan.files.filter((f) => f.path === MYCNF_PATH),
    );
  c.fenced = 'stopped';
  out.title(`Fence ${c.oldP.name}: stopped, and read-only when it starts again`);
}

export async function promote(c: FailCtx, out: LineOut): Promise<void> {
  const s = c.sessions.get(c.newP!.name)!;
  await s.run(s.dialect.stopReplica());
  c.promotedAt = await readCoordinates(s);
  c.promotedGtids = await heldGtids(s);
  await s.run(s.dialect.resetReplica(), ...s.dialect.readWrite());
  c.writableAt = Date.now();
  // Where the new primary stood: what the old one holds beyond it never reached it (errant, when
  // it returns). Written before semi-sync's source side is on: no replica follows it yet to acknowledge.
  await recordFailover(s, { from: c.oldP.name, to: c.newP!.name, at: c.promotedGtids, when: new Date(c.writableAt).toISOString() });
  await takeSemiSyncRole(s, c.t, 'primary');
  out.title(`Promote ${c.newP!.name}: writable at ${c.promotedAt.file}:${c.promotedAt.position} after ${c.writableAt - c.startedAt} ms`);
}

export async function repoint(c: FailCtx, n: NodeSpec): Promise<void> {
  const s = c.sessions.get(n.name)!;
  const link = sourceLink(afterRoleChange(c.t, c.oldP.name, c.newP!.name), n.name, c.newP!.name, s.dialect);
  // By file and offset every replica stood where the new primary stood (pick checked it).
  await pointAt(s, link, link.mode === 'position' ? c.promotedAt : undefined);
  await waitForThreads(s, 60_000, c.signal);
  c.repointed.push(n.name);
}

export async function verify(c: FailCtx): Promise<void> {
  const hb = await writeHeartbeat(c.sessions.get(c.newP!.name)!, c.newP!.serverId);
  await Promise.all(
    c.t.nodes
      .filter((n) => n !== c.newP && n !== c.oldP)
      .map((n) => waitForHeartbeat(c.sessions.get(n.name)!, hb, 60_000 + n.delaySeconds * 1000, c.signal)),
  );
}

/** A root session to the node when its server answers within a few seconds; undefined otherwise. */
async function answers(engine: DockerEngine, t: Topology, n: NodeSpec): Promise<SqlSession | undefined> {
  try {
    return await SqlSession.open(await rootEndpoint(engine, t, n), 3000);
  } catch {
    return undefined;
  }
}
