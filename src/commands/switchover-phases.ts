import type { BinlogCoordinates } from '../flavors/dialect';
import type { TopologyEngines } from '../docker/engines';
import { TopologyLock } from '../docker/lock';
import { NodeError } from '../errors';
import { poll } from '../poll';
import { pointAt, readCoordinates, replicaStatus, sourceLink, waitUntilApplied } from '../replication/link';
import { sourceNode } from '../replication/address';
import { SqlSession } from '../replication/session';
import { takeSemiSyncRole } from '../replication/semi-sync';
import type { NodeSpec, Topology } from '../topology/types';
import { waitForHeartbeat, writeHeartbeat } from '../verify/heartbeat';
import { waitForThreads } from '../verify/threads';
import type { LineOut, Step } from '../run/runner';
import { rootEndpoint } from './context';

/** One switchover: who moves where, and what each phase found. */
export interface SwitchCtx {
  t: Topology;
  engines: TopologyEngines;
  sessions: Map<string, SqlSession>;
  oldP: NodeSpec;
  newP: NodeSpec;
  /** The old primary's other replicas: they follow the new one. */
  moving: NodeSpec[];
  /** How long the chosen replica may take to apply everything the old primary wrote, seconds. */
  catchUpSeconds: number;
  /** How long stopping writes may wait for statements that hold tables (lock_wait_timeout). */
  lockWaitSeconds: number;
  signal?: AbortSignal;
  lock?: TopologyLock;
  stoppedAt?: BinlogCoordinates;
  promotedAt?: BinlogCoordinates;
  readOnlyAt: number;
  writableAt: number;
  /** From the promotion on, the switch completes: a stop now would leave two writable primaries or none. */
  promoting: boolean;
  repointed: string[];
}

/**
 * A planned switchover as a table of named phases (as mariadb-operator's switchover.go), run by
 * the one runner: each phase one function, its SQL the dialect's. Nothing committed on the old
 * primary is lost: every repointed node starts on the new primary where the old one stopped.
 */
export const SWITCHOVER_PHASES: readonly Step<SwitchCtx>[] = [
  { title: 'Lock the topology and connect to every node', run: (c) => lockAndConnect(c) },
  { title: (c) => `Stop writes on ${c.oldP.name}`, run: (c, out) => stopWrites(c, out) },
  {
    title: (c) => `Wait until the replicas of ${c.oldP.name} have applied everything`,
    lines: (c) => awaited(c).map((n) => ({ title: n.name, run: (out) => waitApplied(c, n, out) })),
  },
  { title: (c) => `Promote ${c.newP.name}`, run: (c, out) => promote(c, out), pointOfNoReturn: true },
  {
    title: (c) => `Repoint ${[c.oldP, ...c.moving].map((n) => n.name).join(', ')} at ${c.newP.name}`,
    lines: (c) => [c.oldP, ...c.moving].map((n) => ({ title: n.name, run: () => repoint(c, n) })),
  },
  { title: (c) => `Verify: a heartbeat written on ${c.newP.name} reaches every replica`, run: (c) => verify(c) },
];

/** Not while an up (or another switchover) of this topology changes it; and only from the state the file describes. */
export async function lockAndConnect(c: SwitchCtx): Promise<void> {
  await c.engines.ping();
  c.lock = await TopologyLock.acquire(c.engines.of(c.t.nodes[0].name), c.t.name, c.t.nodes[0].image);
  await Promise.all(
    c.t.nodes.map(async (n) => c.sessions.set(n.name, await SqlSession.open(await rootEndpoint(c.engines.of(n.name), c.t, n)))),
  );
  // Writes stop only when every node to move replicates as the file says: the wait for the stop
  // point reads the old primary's coordinates on each of them.
  for (const n of [c.newP, ...c.moving]) {
    const status = await replicaStatus(session(c, n.name));
    if (!status || sourceNode(c.t, status) !== c.oldP.name) {
      throw new NodeError(
        n.name,
        `replicates from ${status?.sourceHost || 'nowhere'}, but the file says ${c.oldP.name}`,
        'run replikit up first (replikit plan shows what differs), then switch over',
      );
    }
  }
  await waitForThreads(session(c, c.newP.name), 10_000);
}

/**
 * The global read lock first: it waits for writes in flight and holds back every commit, so the
 * coordinates read after it are final; its wait is bounded by lock_wait_timeout. Taken after
 * read_only, it waited for a running write past that bound (seen on both flavours). read_only
 * then refuses the writes that were held, once the lock goes.
 */
export async function stopWrites(c: SwitchCtx, out: LineOut): Promise<void> {
  const old = session(c, c.oldP.name);
  try {
    await old.run(...old.dialect.lockWrites(c.lockWaitSeconds));
  } catch (e) {
    const blockers = await old.rows(old.dialect.busyStatements());
    throw new NodeError(
      c.oldP.name,
      `writes could not be stopped within ${c.lockWaitSeconds} s: ${blockers.map((b) => `connection ${b.id} (${b.user}, ${b.seconds} s): ${String(b.verb).toUpperCase()} …`).join('; ') || 'a statement held a table'}`,
      `${c.oldP.name} takes writes again; nothing was switched. Let that statement finish (or KILL it), then run switchover again`,
      e,
    );
  }
  c.readOnlyAt = Date.now();
  await old.run(...old.dialect.readOnly());
  c.stoppedAt = await readCoordinates(old);
  out.title(`Stop writes on ${c.oldP.name}: read-only at ${c.stoppedAt.file}:${c.stoppedAt.position}`);
}

/**
 * The nodes that must reach the stop point before the promotion: the new primary, and every
 * other moving replica; by GTID a replica delayed on purpose goes on from the new primary with
 * what it has applied, its delay kept: only by file and offset must it reach the stop point first.
 */
export function awaited(c: SwitchCtx): NodeSpec[] {
  return [c.newP, ...c.moving.filter((n) => session(c, n.name).dialect.linkMode(c.t.replication.mode) === 'position' || !n.delaySeconds)];
}

export async function waitApplied(c: SwitchCtx, n: NodeSpec, out: LineOut): Promise<void> {
  const s = session(c, n.name);
  const at = c.stoppedAt!;
  // One-second server-side waits, so that Ctrl-C is heard between them. A delay on purpose adds
  // to the bound: the replica applies that much later by design.
  const bound = c.catchUpSeconds + n.delaySeconds;
  await poll(async () => ((await waitUntilApplied(s, at, 1)) ? true : undefined), {
    timeoutMs: bound * 1000,
    intervalMs: 50,
    signal: c.signal,
    onTimeout: () =>
      new NodeError(
        n.name,
        `did not apply ${at.file}:${at.position} within ${bound} s`,
        `nothing was switched and ${c.oldP.name} takes writes again; check replikit status`,
      ),
  });
  out.title(`${n.name}: applied up to ${at.file}:${at.position}`);
}

export async function promote(c: SwitchCtx, out: LineOut): Promise<void> {
  const s = session(c, c.newP.name);
  c.promoting = true;
  await s.run(s.dialect.stopReplica());
  c.promotedAt = await readCoordinates(s);
  await s.run(s.dialect.resetReplica(), ...s.dialect.readWrite());
  await takeSemiSyncRole(s, c.t, 'primary');
  c.writableAt = Date.now();
  out.title(`Promote ${c.newP.name}: writable at ${c.promotedAt.file}:${c.promotedAt.position}`);
}

export async function repoint(c: SwitchCtx, n: NodeSpec): Promise<void> {
  const s = session(c, n.name);
  const link = sourceLink(c.t, n.name, c.newP.name, s.dialect);
  if (n === c.oldP) {
    await s.run(...s.dialect.unlockWrites());
    // The old primary's own writes are in its binlog, not in its replica GTID state.
    if (link.mode === 'gtid') await s.run(...s.dialect.adoptSnapshot(c.stoppedAt!));
    await takeSemiSyncRole(s, c.t, 'replica');
  }
  await pointAt(s, link, link.mode === 'position' ? c.promotedAt : undefined);
  await s.run(...s.dialect.readOnly());
  await waitForThreads(s, 60_000);
  c.repointed.push(n.name);
}

export async function verify(c: SwitchCtx): Promise<void> {
  const hb = await writeHeartbeat(session(c, c.newP.name), c.newP.serverId);
  await Promise.all(c.t.nodes.filter((n) => n !== c.newP).map((n) => waitForHeartbeat(session(c, n.name), hb)));
}

/** Stopped before the promotion (Ctrl-C, a replica too slow): the old primary takes writes again. */
export async function giveWritesBack(c: SwitchCtx): Promise<void> {
  const old = c.sessions.get(c.oldP.name);
  if (c.readOnlyAt && !c.promoting && old) await old.run(...old.dialect.unlockWrites(), ...old.dialect.readWrite());
}

function session(c: SwitchCtx, node: string): SqlSession {
  const s = c.sessions.get(node);
  if (!s) throw new Error(`no SQL session to ${node}`); // the first phase connects every node
  return s;
}
