import { Listr, ListrRendererValue } from 'listr2';
import { TopologyEngines } from '../docker/engines';
import { resolveTopology, TopologySource } from '../topology/inline';
import { listrOptions } from './context';
import { afterFailure } from './rollback';
import { NodeReport, report, UpCtx, UpOptions, UP_STEPS } from './up-steps';

export type { NodeReport, UpOptions } from './up-steps';

export interface UpResult {
  topology: string;
  /** False when the topology was already converged and nothing was touched. */
  changed: boolean;
  /** What this run did, one operation a line, in order: `kind target: cause`, then what came of it. */
  changes: string[];
  nodes: NodeReport[];
  /** The topology's `engines:`, when it names any: with each node's `engine`, where `down` finds them. */
  engines?: Record<string, string>;
  warnings: string[];
}

/**
 * Converges Docker and replication to the topology: preflight → lock → observe → plan → execute
 * (containers, then each server) → verify. Returns only when every replica answers queries and
 * has received the heartbeat. The steps are in up-steps.ts; each operation's code in plan/execute.ts.
 */
export async function up(topology: TopologySource, options: UpOptions = {}): Promise<UpResult> {
  const t = resolveTopology(topology);
  const ctx = new UpCtx(t, new TopologyEngines(t, options.docker), options);
  try {
    await new Listr<UpCtx, ListrRendererValue, ListrRendererValue>(UP_STEPS, listrOptions(options.progress ?? 'silent')).run(ctx);
    return await report(ctx);
  } catch (e) {
    // Removing a volume while a sibling task still copies into it would fail, or let Docker make it anew.
    await Promise.allSettled([...ctx.inflight]);
    throw await afterFailure(ctx, e, options.keepOnFailure ?? false);
  } finally {
    await ctx.close();
  }
}
