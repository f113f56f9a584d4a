import type { DockerEngine } from '../docker/engine';
import type { Topology } from '../topology/types';
import { containerPlan } from '../docker/container-spec';
import { networkName, volumeName } from '../docker/names';
import { renderNode } from '../render/mycnf';
import { Dialect, dialectFor, guessImageVersion, ServerVersion } from '../flavors';
import type { Desired, Observed } from './reconcile';

/** What each image runs, as asked of the image (flavors/detect-image.ts). */
export type ImageVersions = ReadonlyMap<string, ServerVersion>;

/** The dialect a node's my.cnf is written in: its image's, or a guess from the image name. */
export function nodeDialect(image: string, versions: ImageVersions): Dialect {
  return dialectFor(versions.get(image) ?? guessImageVersion(image));
}

/** The topology as Docker resources: pure. */
export function desiredState(t: Topology, versions: ImageVersions = new Map()): Desired {
  return {
    network: networkName(t),
    images: [...new Set(t.nodes.map((n) => n.image))],
    nodes: t.nodes.map((n) => {
      const dialect = nodeDialect(n.image, versions);
      return { plan: containerPlan(t, n, renderNode(t, n, dialect), dialect), volume: volumeName(t, n.name) };
    }),
  };
}

/** One look at the engine: only resources carrying the topology's label, plus image presence. */
export async function observe(docker: DockerEngine, t: Topology, images: string[]): Promise<Observed> {
  const [containers, networks, volumes, present] = await Promise.all([
    docker.containers(t.name),
    docker.networks(t.name),
    docker.volumes(t.name),
    Promise.all(images.map(async (i) => ((await docker.hasImage(i)) ? i : undefined))),
  ]);
  return {
    network: networks.includes(networkName(t)),
    volumes,
    containers,
    images: present.filter((i): i is string => i !== undefined),
  };
}
