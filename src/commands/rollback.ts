import type { DockerEngine } from '../docker/engine';
import { ReplikitError } from '../errors';

/** Resources one `up` run created; nothing that existed before the run is ever listed. */
export interface Created {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * After a failed `up`: remove what this run created (default) or keep it for inspection, and
 * say which in the error, so the user knows what state they are left with and what to run next.
 */
export async function afterFailure(c: { docker: DockerEngine; created: Created }, error: unknown, keep: boolean): Promise<unknown> {
  const made = [...c.created.containers, ...c.created.networks, ...c.created.volumes];
  if (!made.length || !(error instanceof Error)) return error;
  let note: string;
  if (keep) {
    note = `kept what this run created for inspection (${made.join(', ')}): docker logs NAME; replikit down --volumes removes it, replikit up continues from it`;
  } else {
    const failed: string[] = [];
    const attempt = (what: string, fn: () => Promise<void>) => fn().catch((e) => failed.push(`${what}: ${(e as Error).message}`));
    await Promise.all(c.created.containers.map((n) => attempt(n, () => c.docker.remove(n))));
    // A seed copy still running when the run stopped holds its volumes; one helper may hold several.
    await attempt('seed copies', () => c.docker.removeSeedHelpersOf(...c.created.volumes));
    await Promise.all([
      ...c.created.networks.map((n) => attempt(n, () => c.docker.removeNetwork(n))),
      ...c.created.volumes.map((n) => attempt(n, () => c.docker.removeVolume(n))),
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
