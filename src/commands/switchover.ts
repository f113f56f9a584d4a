import type { BinlogCoordinates } from '../flavors/dialect';
import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { InputError, ReplikitError } from '../errors';
import { progressRenderer, Progress } from '../run/listr-renderer';
import { runSteps } from '../run/runner';
import { editRoles } from './role-edit';
import { loadTopology } from '../topology/load';
import { primaryOf, Topology } from '../topology/types';
import { giveWritesBack, SWITCHOVER_PHASES, SwitchCtx } from './switchover-phases';

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

/**
 * Planned role change: stop writes on the old primary, wait until the chosen replica has applied
 * everything, promote it, repoint the old primary and its other replicas at it, verify with a
 * heartbeat (the phases are in switchover-phases.ts). Nothing committed on the old primary is
 * lost: every repointed node starts on the new primary at exactly the point where the old one stopped.
 */
export async function switchover(
  topology: Topology | string,
  newPrimary: string,
  options: SwitchoverOptions = {},
): Promise<SwitchoverResult> {
  const t = typeof topology === 'string' ? loadTopology(topology) : topology;
  const oldP = primaryOf(t);
  const newP = t.nodes.find((n) => n.name === newPrimary);
  if (!newP) throw new InputError(`no node named '${newPrimary}' in ${t.file}`, `nodes are: ${t.nodes.map((n) => n.name).join(', ')}`);
  if (newP.role === 'primary') throw new InputError(`'${newPrimary}' is already the primary`);
  if (newP.source !== oldP.name) {
    throw new InputError(
      `'${newPrimary}' replicates from '${newP.source}', not from the primary`,
      `switch over to a direct replica of '${oldP.name}'`,
    );
  }
  const ctx: SwitchCtx = {
    t,
    engines: new TopologyEngines(t, options.docker),
    sessions: new Map(),
    oldP,
    newP,
    moving: t.nodes.filter((n) => n.source === oldP.name && n.name !== newP.name),
    catchUpSeconds: options.catchUpTimeoutSeconds ?? 120,
    lockWaitSeconds: options.lockWaitSeconds ?? 10,
    signal: options.signal,
    readOnlyAt: 0,
    writableAt: 0,
    promoting: false,
    repointed: [],
  };
  const renderer = progressRenderer(options.progress ?? 'silent');
  try {
    await runSteps(SWITCHOVER_PHASES, ctx, { events: renderer.events, signal: options.signal });
  } catch (e) {
    await giveWritesBack(ctx);
    if (options.signal?.aborted && !ctx.promoting) {
      const why = options.signal.reason instanceof ReplikitError ? options.signal.reason.message : 'interrupted';
      throw new ReplikitError(`${why} before the promotion`, `nothing was switched; ${oldP.name} takes writes again`, { cause: e });
    }
    throw e;
  } finally {
    await renderer.finished();
    await Promise.all([...ctx.sessions.values()].map((s) => s.close()));
    await ctx.lock?.release();
  }

  const { edit, written } = editRoles(t.file, oldP.name, newP.name, Boolean(options.write));
  return {
    oldPrimary: oldP.name,
    newPrimary: newP.name,
    stoppedAt: ctx.stoppedAt!,
    writeDowntimeMs: ctx.writableAt - ctx.readOnlyAt,
    repointed: ctx.repointed,
    edit,
    written,
  };
}
