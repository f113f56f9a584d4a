import * as fs from 'node:fs';
import { DockerEngine } from '../docker/engine';
import { LABEL } from '../names';
import { cacheFile } from '../docker/detect-image';

export interface PruneResult {
  /** Seed data directories (one per image and profile) that were removed. */
  volumes: string[];
  /** The cache of what each image runs, when there was one. */
  files: string[];
}

/**
 * Removes what replikit keeps across topologies to be fast: the seed data directories (volumes
 * labelled io.replikit.seed) and the cache of each image's server version. No topology's
 * containers or data are touched; a seed still being copied into a new node is left for later.
 */
export async function prune(docker = new DockerEngine()): Promise<PruneResult> {
  await docker.ping();
  const volumes: string[] = [];
  for (const v of await docker.volumesLabelled(LABEL.seed)) {
    // In use (a copy or a build running): the engine refuses, and the seed stays.
    if (
      await docker.removeVolume(v).then(
        () => true,
        () => false,
      )
    )
      volumes.push(v);
  }
  const cache = cacheFile();
  const files = fs.existsSync(cache) ? [cache] : [];
  fs.rmSync(cache, { force: true });
  return { volumes, files };
}
