import * as fs from 'node:fs';
import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { placementOf, TopologyRef } from './node-container';
import { lockName } from '../docker/lock';
import { caKeeperName } from '../docker/ca-keeper';
import { tlsStateDir } from '../tls/state';

export interface DownResult {
  containers: string[];
  networks: string[];
  volumes: string[];
  /** With volumes: the topology's CA folder, when there was one (tls/certificates.ts). */
  removedFiles?: string[];
}

/** A topology name, a loaded topology, or what `up` returned. */
export type DownTarget = TopologyRef;

/**
 * Removes what carries the topology's label: containers and network, and with `volumes` the
 * data, a lock left by a killed up, and the topology's CA on this machine: nothing of it is
 * left. Anything without the label is never touched.
 */
export async function down(target: DownTarget, options: { volumes?: boolean; docker?: DockerEngine } = {}): Promise<DownResult> {
  // A loaded topology (or its placement, or up's result) says which engines its nodes run on; a name alone: the environment's.
  const placement = placementOf(target);
  const topologyName = placement.name;
  const engines = new TopologyEngines(placement, options.docker);
  await engines.ping();
  const result: DownResult = { containers: [], networks: [], volumes: [] };
  // Everything labelled on each engine, whether or not the file still places a node there.
  for (const docker of await engines.answering()) {
    const containers = (await docker.containers(topologyName)).map((c) => c.name);
    await Promise.all(containers.map((c) => docker.remove(c)));
    const networks = await docker.networks(topologyName);
    for (const n of networks) await docker.removeNetwork(n);
    const volumes = options.volumes ? await docker.volumes(topologyName) : [];
    for (const v of volumes) {
      await docker.removeSeedHelpersOf(v); // left running by an up killed while copying the seed
      await docker.removeVolume(v);
    }
    if (options.volumes) await Promise.all([docker.remove(lockName(topologyName)), docker.remove(caKeeperName(topologyName))]);
    result.containers.push(...containers);
    result.networks.push(...networks);
    result.volumes.push(...volumes);
  }
  const { containers, networks, volumes } = result;
  if (!options.volumes) return { containers, networks, volumes };
  const dir = tlsStateDir(topologyName);
  const removedFiles = fs.existsSync(dir) ? [dir] : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { containers, networks, volumes, removedFiles };
}
