import type { BinlogCoordinates } from '../flavors/dialect';
import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { InputError } from '../errors';
import { progressRenderer, Progress } from '../run/listr-renderer';
import { runSteps } from '../run/runner';
import { editRoles } from './role-edit';
import { resolveTopology, TopologySource } from '../topology/inline';
import { primaryOf } from '../topology/types';
import { FAILOVER_PHASES, FailCtx } from './failover-phases';
import type { ConnectionConfig } from '../replication/connection';

export interface FailoverOptions {
  /** The replica to promote; default: the one that holds everything the others hold. */
  to?: string;
  /** Fail over from a primary that still answers: it is made read-only and stopped first. */
  force?: boolean;
  /** Rewrite the topology file (comments kept) with the new roles. */
  write?: boolean;
  /** How long each replica may take to apply what it had received (default 120 s). */
  applyTimeoutSeconds?: number;
  progress?: Progress;
  docker?: DockerEngine;
  /** Abort (Ctrl-C): between phases; after the promotion the failover completes first. */
  signal?: AbortSignal;
}

export interface FailoverResult {
  oldPrimary: string;
  newPrimary: string;
  /** How the old primary was kept from taking writes: stopped with a read-only my.cnf, or its engine did not answer. */
  fenced: 'stopped' | 'engine-unreachable';
  /** The new primary's binary log coordinates when it became writable. */
  promotedAt: BinlogCoordinates;
  /** ms from the start of the failover to a writable new primary. */
  writableAfterMs: number;
  /** ms from the start to every other replica following the new primary, verified. */
  tookMs: number;
  repointed: string[];
  /** Ready for mysql2 (`createConnection(result.connection)`): root on the new primary, its CA to check it by. */
  connection: ConnectionConfig;
  /** The topology file's edit, as a line diff. */
  edit: string;
  written: boolean;
}

/**
 * Unplanned role change, for a primary that does not answer: the replica that holds the most
 * (or the one asked for) becomes the primary after applying all it received, the old primary
 * is fenced, the other replicas follow the new primary, a heartbeat proves it. The phases are
 * in failover-phases.ts. `replikit up` later brings the old primary back as a replica.
 */
export async function failover(topology: TopologySource, options: FailoverOptions = {}): Promise<FailoverResult> {
  const t = resolveTopology(topology);
  const oldP = primaryOf(t);
  if (options.to !== undefined && !t.nodes.some((n) => n.name === options.to)) {
    throw new InputError(`no node named '${options.to}' in ${t.file}`, `nodes are: ${t.nodes.map((n) => n.name).join(', ')}`);
  }
  const ctx: FailCtx = {
    t,
    engines: new TopologyEngines(t, options.docker),
    sessions: new Map(),
    oldP,
    to: options.to,
    force: Boolean(options.force),
    applySeconds: options.applyTimeoutSeconds ?? 120,
    signal: options.signal,
    candidates: [],
    held: new Map(),
    applied: new Map(),
    oldAnswered: false,
    writableAt: 0,
    startedAt: Date.now(),
    repointed: [],
  };
  const renderer = progressRenderer(options.progress ?? 'silent');
  let connection: ConnectionConfig | undefined;
  try {
    await runSteps(FAILOVER_PHASES, ctx, { events: renderer.events, signal: options.signal });
    const { node: _, ...root } = ctx.sessions.get(ctx.newP!.name)!.endpoint;
    connection = root;
  } finally {
    await renderer.finished();
    await Promise.all([...ctx.sessions.values()].map((s) => s.close()));
    await ctx.lock?.release();
  }
  const newP = ctx.newP!;
  const tookMs = Date.now() - ctx.startedAt;
  const { edit, written } = editRoles(t.file, oldP.name, newP.name, Boolean(options.write));
  return {
    oldPrimary: oldP.name,
    newPrimary: newP.name,
    fenced: ctx.fenced!,
    promotedAt: ctx.promotedAt!,
    writableAfterMs: ctx.writableAt - ctx.startedAt,
    tookMs,
    repointed: ctx.repointed,
    connection: connection!,
    edit,
    written,
  };
}
