import * as fs from 'node:fs';
import { Listr, ListrRendererValue, ListrTaskWrapper } from 'listr2';
import type { BinlogCoordinates } from '../flavors/dialect';
import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { TopologyLock } from '../docker/lock';
import { InputError, NodeError, ReplikitError } from '../errors';
import { poll } from '../poll';
import { pointAt, readCoordinates, replicaStatus, sourceLink, waitUntilApplied } from '../replication/link';
import { sourceNode } from '../replication/address';
import { SqlSession } from '../replication/session';
import { lineDiff, switchoverEdit } from '../topology/edit';
import { loadTopology } from '../topology/load';
import { NodeSpec, primaryOf, Topology } from '../topology/types';
import { waitForHeartbeat, writeHeartbeat } from '../verify/heartbeat';
import { waitForThreads } from '../verify/threads';
import { listrOptions, Progress, rootEndpoint } from './context';

export interface SwitchoverOptions {
  progress?: Progress;
  docker?: DockerEngine;
  /** Rewrite the topology file (comments kept) instead of only returning the edit. */
  write?: boolean;
  /** How long the chosen replica may take to apply everything the old primary wrote. */
  catchUpTimeoutSeconds?: number;
  /** How long stopping writes may wait for statements that hold tables (lock_wait_timeout). */
  lockWaitSeconds?: number;
  /** Abort (Ctrl-C): before the promotion, nothing is switched and the old primary takes writes again; after it, the switch completes. */
  signal?: AbortSignal;
}

export interface SwitchoverResult {
  oldPrimary: string;
  newPrimary: string;
  /** The old primary's coordinates at the moment writes stopped. */
  stoppedAt: BinlogCoordinates;
  /** How long writes were refused, in ms (read_only on the old primary until the new one accepts writes). */
  writeDowntimeMs: number;
  repointed: string[];
  /** The topology file's edit, as a line diff. */
  edit: string;
  written: boolean;
}

interface Ctx {
  t: Topology;
  engines: TopologyEngines;
  sessions: Map<string, SqlSession>;
  oldP: NodeSpec;
  newP: NodeSpec;
  stoppedAt?: BinlogCoordinates;
  promotedAt?: BinlogCoordinates;
  readOnlyAt: number;
  writableAt: number;
  repointed: string[];
  lock?: TopologyLock;
  promoting?: boolean;
}
type Task = ListrTaskWrapper<Ctx, any, any>;

/**
 * Planned role change: stop writes on the old primary, wait until the chosen replica has applied
 * everything, promote it, repoint the old primary and its other replicas at it, verify with a
 * heartbeat. Nothing committed on the old primary is lost: every repointed node starts on the
 * new primary at exactly the point where the old one stopped.
 */
export async function switchover(topology: Topology | string, newPrimary: string, options: SwitchoverOptions = {}): Promise<SwitchoverResult> {
  const t = typeof topology === 'string' ? loadTopology(topology) : topology;
  const oldP = primaryOf(t);
  const newP = t.nodes.find((n) => n.name === newPrimary);
  if (!newP) throw new InputError(`no node named '${newPrimary}' in ${t.file}`, `nodes are: ${t.nodes.map((n) => n.name).join(', ')}`);
  if (newP.role === 'primary') throw new InputError(`'${newPrimary}' is already the primary`);
  if (newP.source !== oldP.name) {
    throw new InputError(`'${newPrimary}' replicates from '${newP.source}', not from the primary`, `switch over to a direct replica of '${oldP.name}'`);
  }
  const ctx: Ctx = { t, engines: new TopologyEngines(t, options.docker), sessions: new Map(), oldP, newP, readOnlyAt: 0, writableAt: 0, repointed: [] };
  const moving = t.nodes.filter((n) => n.source === oldP.name && n.name !== newP.name);
  const timeout = options.catchUpTimeoutSeconds ?? 120;
  const lockWait = options.lockWaitSeconds ?? 10;

  try {
    await new Listr<Ctx, ListrRendererValue, ListrRendererValue>(
      [
        {
          title: 'Lock the topology and connect to every node',
          task: async (c) => {
            await c.engines.ping();
            // Not while an up (or another switchover) of this topology changes it.
            c.lock = await TopologyLock.acquire(c.engines.of(t.nodes[0].name), t.name, t.nodes[0].image);
            await Promise.all(
              t.nodes.map(async (n) => c.sessions.set(n.name, await SqlSession.open(await rootEndpoint(c.engines.of(n.name), t, n)))),
            );
            // Writes stop only when every node to move replicates as the file says: the wait
            // below reads the old primary's coordinates on each of them.
            for (const n of [newP, ...moving]) {
              const status = await replicaStatus(c.sessions.get(n.name)!);
              if (!status || sourceNode(t, status) !== oldP.name) {
                throw new NodeError(n.name, `replicates from ${status?.sourceHost || 'nowhere'}, but the file says ${oldP.name}`, 'run replikit up first (replikit plan shows what differs), then switch over');
              }
            }
            await waitForThreads(c.sessions.get(newP.name)!, 10_000);
          },
        },
        {
          title: `Stop writes on ${oldP.name}`,
          task: async (c, task) => {
            const old = c.sessions.get(oldP.name)!;
            // The global read lock first: it waits for writes in flight and holds back every
            // commit, so the coordinates below are final; its wait is bounded by lock_wait_timeout.
            // Taken after read_only, it waited for a running write past that bound (seen on both
            // flavours). read_only then refuses the writes that were held, once the lock goes.
            await old.run(`SET SESSION lock_wait_timeout = ${lockWait}`);
            try {
              await old.run('FLUSH TABLES WITH READ LOCK');
            } catch (e) {
              // Only the statement's first word: its text can hold secrets (IDENTIFIED BY, values).
              const blockers = await old.rows(
                "SELECT ID AS id, USER AS user, TIME AS seconds, SUBSTRING_INDEX(TRIM(INFO), ' ', 1) AS verb FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' AND INFO IS NOT NULL ORDER BY TIME DESC LIMIT 3",
              );
              throw new NodeError(
                oldP.name,
                `writes could not be stopped within ${lockWait} s: ${blockers.map((b) => `connection ${b.id} (${b.user}, ${b.seconds} s): ${String(b.verb).toUpperCase()} …`).join('; ') || 'a statement held a table'}`,
                `${oldP.name} takes writes again; nothing was switched. Let that statement finish (or KILL it), then run switchover again`,
                e,
              );
            }
            c.readOnlyAt = Date.now();
            await old.run(...old.dialect.readOnly());
            c.stoppedAt = await readCoordinates(old);
            task.title = `Stop writes on ${oldP.name}: read-only at ${c.stoppedAt.file}:${c.stoppedAt.position}`;
          },
        },
        {
          title: `Wait until the replicas of ${oldP.name} have applied everything`,
          task: (c, task) =>
            task.newListr(
              // By GTID a replica delayed on purpose goes on from the new primary with what it has
              // applied, its delay kept: only by file and offset must it reach the stop point first.
              [newP, ...moving.filter((n) => c.sessions.get(n.name)!.dialect.linkMode(t.replication.mode) === 'position' || !n.delaySeconds)].map((n) => ({
                title: n.name,
                task: async (_: Ctx, sub: Task) => {
                  const s = c.sessions.get(n.name)!;
                  // One-second server-side waits, so that Ctrl-C is heard between them.
                  // A delay on purpose adds to the bound: the replica applies that much later by design.
                  await poll(async () => ((await waitUntilApplied(s, c.stoppedAt!, 1)) ? true : undefined), {
                    timeoutMs: (timeout + n.delaySeconds) * 1000,
                    intervalMs: 50,
                    signal: options.signal,
                    onTimeout: () => new NodeError(n.name, `did not apply ${c.stoppedAt!.file}:${c.stoppedAt!.position} within ${timeout + n.delaySeconds} s`, `nothing was switched and ${oldP.name} takes writes again; check replikit status`),
                  });
                  sub.title = `${n.name}: applied up to ${c.stoppedAt!.file}:${c.stoppedAt!.position}`;
                },
              })),
              { concurrent: true },
            ),
        },
        {
          title: `Promote ${newP.name}`,
          task: async (c, task) => {
            const s = c.sessions.get(newP.name)!;
            // From here on the switch completes: a Ctrl-C now would leave two writable primaries or none.
            c.promoting = true;
            await s.run(s.dialect.stopReplica());
            c.promotedAt = await readCoordinates(s);
            await s.run(s.dialect.resetReplica(), ...s.dialect.readWrite());
            c.writableAt = Date.now();
            task.title = `Promote ${newP.name}: writable at ${c.promotedAt.file}:${c.promotedAt.position}`;
          },
        },
        {
          title: `Repoint ${[oldP, ...moving].map((n) => n.name).join(', ')} at ${newP.name}`,
          task: (c, task) =>
            task.newListr(
              [oldP, ...moving].map((n) => ({
                title: n.name,
                task: async () => {
                  const s = c.sessions.get(n.name)!;
                  const link = sourceLink(c.t, n.name, newP.name, s.dialect);
                  if (n === oldP) {
                    await s.run('UNLOCK TABLES');
                    // The old primary's own writes are in its binlog, not in its replica GTID state.
                    if (link.mode === 'gtid') await s.run(...s.dialect.adoptSnapshot(c.stoppedAt!));
                  }
                  await pointAt(s, link, link.mode === 'position' ? c.promotedAt : undefined);
                  await s.run(...s.dialect.readOnly());
                  await waitForThreads(s, 60_000);
                  c.repointed.push(n.name);
                },
              })),
              { concurrent: true },
            ),
        },
        {
          title: `Verify: a heartbeat written on ${newP.name} reaches every replica`,
          task: async (c) => {
            const hb = await writeHeartbeat(c.sessions.get(newP.name)!, newP.serverId);
            await Promise.all(t.nodes.filter((n) => n !== newP).map((n) => waitForHeartbeat(c.sessions.get(n.name)!, hb)));
          },
        },
      ],
      listrOptions(options.progress ?? 'silent'),
    ).run(ctx);
  } catch (e) {
    // Stopped before the promotion (Ctrl-C, a replica too slow): the old primary takes writes again.
    const old = ctx.sessions.get(oldP.name);
    if (ctx.readOnlyAt && !ctx.promoting && old) await old.run('UNLOCK TABLES', ...old.dialect.readWrite());
    if (options.signal?.aborted && !ctx.promoting) {
      const why = options.signal.reason instanceof ReplikitError ? options.signal.reason.message : 'interrupted';
      throw new ReplikitError(`${why} before the promotion`, `nothing was switched; ${oldP.name} takes writes again`, { cause: e });
    }
    throw e;
  } finally {
    await Promise.all([...ctx.sessions.values()].map((s) => s.close()));
    await ctx.lock?.release();
  }

  const before = fs.readFileSync(t.file, 'utf8');
  const after = switchoverEdit(before, oldP.name, newP.name);
  if (options.write) fs.writeFileSync(t.file, after);
  return {
    oldPrimary: oldP.name,
    newPrimary: newP.name,
    stoppedAt: ctx.stoppedAt!,
    writeDowntimeMs: ctx.writableAt - ctx.readOnlyAt,
    repointed: ctx.repointed,
    edit: lineDiff(before, after),
    written: Boolean(options.write),
  };
}
