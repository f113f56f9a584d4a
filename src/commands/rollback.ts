import type { TopologyEngines } from '../docker/engines';
import { volumeName } from '../names';
import type { Topology } from '../topology/types';
import type { Created } from '../plan/execute';
import { ReplikitError } from '../errors';

/**
 * After a failed `up`: remove what this run created (default) or keep it for inspection, and
 * say which in the error, so the user knows what state they are left with and what to run next.
 */
export async function afterFailure(
  c: { t: Topology; engines: TopologyEngines; created: Created },
  error: unknown,
  keep: boolean,
): Promise<unknown> {
  const made = [...new Set([...c.created.containers, ...c.created.networks.map((n) => n.name), ...c.created.volumes])];
  const volumeEngine = (v: string) => c.engines.of(c.t.nodes.find((n) => volumeName(c.t, n.name) === v)?.name ?? '');
  if (!made.length || !(error instanceof Error)) return error;
  let note: string;
  if (keep) {
    note = `kept what this run created for inspection (${made.join(', ')}): docker logs NAME; replikit down --volumes removes it, replikit up continues from it`;
  } else {
    const failed: string[] = [];
    const attempt = (what: string, fn: () => Promise<void>) => fn().catch((e) => failed.push(`${what}: ${(e as Error).message}`));
    await Promise.all(c.created.containers.map((n) => attempt(n, async () => (await c.engines.holding(n))?.remove(n))));
    // A seed copy still running when the run stopped holds its volumes; one helper may hold several.
    for (const e of c.engines.inUse()) await attempt('seed copies', () => e.removeSeedHelpersOf(...c.created.volumes));
    await Promise.all([
      ...c.created.networks.map((n) => attempt(n.name, () => n.on.removeNetwork(n.name))),
      ...c.created.volumes.map((n) => attempt(n, () => volumeEngine(n).removeVolume(n))),
    ]);
    note = failed.length
      ? `tried to remove what this run created, but could not remove ${failed.join('; ')}: replikit down --volumes cleans up`
      : `removed what this run created (${made.join(', ')}); run with --keep-on-failure to keep it for inspection`;
  }
  if (error instanceof ReplikitError) {
    error.hint = error.hint ? `${error.hint}\n  ${note}` : note;
    return error;
  }
  return new ReplikitError(error.message, note, { cause: error });
}
