import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { ReplikitError } from '../errors';
import { replicaStatus } from '../replication/link';
import { sourceNode } from '../replication/address';
import { SqlSession } from '../replication/session';
import { resolveTopology, TopologySource } from '../topology/inline';
import { primaryOf, Topology } from '../topology/types';
import { afterRoleChange } from '../topology/roles';
import { poll } from '../poll';
import { rootEndpoint } from './context';
import { failover, FailoverResult } from './failover';

export interface WatchOptions {
  /** How long the primary must stay dead before the failover (grace; default 10 s). */
  failoverAfterMs?: number;
  /** After a failover, how long another automatic one is refused (anti-flapping; default 10 minutes). */
  blockMs?: number;
  /** How often the nodes are asked (default 1 s). */
  intervalMs?: number;
  /** Rewrite the topology file after a failover (default true: nobody is there to edit it). */
  write?: boolean;
  docker?: DockerEngine;
  /** Stops watching. */
  signal?: AbortSignal;
  /** Each event as it happens. */
  onEvent?: (e: WatchEvent) => void;
}

export type WatchEvent =
  | { event: 'watching'; at: string; topology: string; primary: string; failoverAfterMs: number }
  | { event: 'primary-unreachable'; at: string; primary: string; error: string }
  | { event: 'primary-back'; at: string; primary: string }
  | { event: 'primary-dead'; at: string; primary: string; replicasLostIt: string[] }
  | { event: 'failover'; at: string; from: string; to: string; writableAfterMs: number; tookMs: number; fenced: FailoverResult['fenced'] }
  | { event: 'failover-failed'; at: string; primary: string; error: string; hint?: string }
  | { event: 'failover-blocked'; at: string; primary: string; until: string };

/**
 * Watches the topology and fails over, automatically, when the primary is dead: it does not
 * answer **and** every replica of it that answers has lost it (its receiver is not running) —
 * one failed ping, or a primary merely slow or paused (its replicas still connected), is not a
 * death. The failover waits `failoverAfterMs` of that, then runs (failover.ts), and no other
 * automatic failover runs for `blockMs` after it. Resolves when `signal` aborts.
 */
export async function watch(topology: TopologySource, options: WatchOptions = {}): Promise<void> {
  const graceMs = options.failoverAfterMs ?? 10_000;
  const blockMs = options.blockMs ?? 10 * 60_000;
  const intervalMs = options.intervalMs ?? 1000;
  const emit = options.onEvent ?? (() => undefined);
  const now = () => new Date().toISOString();
  let t = resolveTopology(topology);
  const sessions = new Map<string, SqlSession>();
  let engines = new TopologyEngines(t, options.docker);
  let unreachableSince: number | undefined;
  let deadSince: number | undefined;
  let blockedUntil = 0;
  emit({ event: 'watching', at: now(), topology: t.name, primary: primaryOf(t).name, failoverAfterMs: graceMs });
  const tick = async (): Promise<undefined> => {
    const primary = primaryOf(t);
    const answer = await ask(engines, t, primary.name, sessions);
    if (answer === true) {
      if (unreachableSince !== undefined) emit({ event: 'primary-back', at: now(), primary: primary.name });
      unreachableSince = deadSince = undefined;
    } else {
      if (unreachableSince === undefined) emit({ event: 'primary-unreachable', at: now(), primary: primary.name, error: answer });
      unreachableSince ??= Date.now();
      const lost = await lostBy(engines, t, primary, sessions);
      if (lost.all) {
        if (deadSince === undefined) emit({ event: 'primary-dead', at: now(), primary: primary.name, replicasLostIt: lost.replicas });
        deadSince ??= Date.now();
      } else deadSince = undefined;
    }
    if (deadSince === undefined || Date.now() - deadSince < graceMs) return undefined;
    if (Date.now() < blockedUntil) {
      emit({ event: 'failover-blocked', at: now(), primary: primary.name, until: new Date(blockedUntil).toISOString() });
      deadSince = Date.now(); // said again after another grace period, not every tick
      return undefined;
    }
    closeAll(sessions);
    try {
      const r = await failover(t, { write: options.write ?? true, docker: options.docker, signal: options.signal });
      emit({
        event: 'failover',
        at: now(),
        from: r.oldPrimary,
        to: r.newPrimary,
        writableAfterMs: r.writableAfterMs,
        tookMs: r.tookMs,
        fenced: r.fenced,
      });
      // The roles as they are now (what the file says when it was written).
      t = afterRoleChange(t, r.oldPrimary, r.newPrimary);
      engines = new TopologyEngines(t, options.docker);
    } catch (e) {
      const hint = e instanceof ReplikitError && e.hint ? { hint: e.hint } : {};
      emit({ event: 'failover-failed', at: now(), primary: primary.name, error: (e as Error).message, ...hint });
    }
    blockedUntil = Date.now() + blockMs;
    unreachableSince = deadSince = undefined;
    return undefined;
  };
  try {
    // The one wait loop, without end: a tick a second until the signal stops it.
    await poll(tick, { timeoutMs: Infinity, intervalMs, signal: options.signal, onTimeout: () => new Error('never') }).catch((e) => {
      if (!options.signal?.aborted) throw e;
    });
  } finally {
    closeAll(sessions);
  }
}

/** true when the node's server answers a query; otherwise why not. */
async function ask(engines: TopologyEngines, t: Topology, node: string, sessions: Map<string, SqlSession>): Promise<true | string> {
  try {
    const s = sessions.get(node) ?? (await open(engines, t, node));
    sessions.set(node, s);
    await withinMs(s.first('SELECT 1 AS alive'), 2000);
    return true;
  } catch (e) {
    void sessions.get(node)?.close();
    sessions.delete(node);
    return (e as Error).message;
  }
}

/**
 * Whether every direct replica of the primary that answers has lost it: its receiver is not
 * running (reconnecting, or stopped on an error). A replica that does not answer says nothing.
 */
async function lostBy(engines: TopologyEngines, t: Topology, primary: Topology['nodes'][number], sessions: Map<string, SqlSession>) {
  const replicas = t.nodes.filter((n) => n.source === primary.name);
  const verdicts = await Promise.all(
    replicas.map(async (n) => {
      if ((await ask(engines, t, n.name, sessions)) !== true) return undefined;
      const status = await replicaStatus(sessions.get(n.name)!).catch(() => undefined);
      if (!status || sourceNode(t, status) !== primary.name) return undefined;
      return status.ioRunning !== 'Yes';
    }),
  );
  const heard = verdicts.filter((v) => v !== undefined);
  return { all: heard.length > 0 && heard.every(Boolean), replicas: replicas.filter((_, i) => verdicts[i]).map((n) => n.name) };
}

async function open(engines: TopologyEngines, t: Topology, node: string): Promise<SqlSession> {
  return SqlSession.open(
    await rootEndpoint(
      engines.of(node),
      t,
      t.nodes.find((n) => n.name === node)!,
    ),
    2000,
  );
}

function closeAll(sessions: Map<string, SqlSession>): void {
  for (const s of sessions.values()) void s.close();
  sessions.clear();
}

function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
