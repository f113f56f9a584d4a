import type { DockerEngine } from '../docker/engine';
import type { Topology } from '../topology/types';
import { containerPlan } from '../docker/container-spec';
import { networkName, volumeName } from '../docker/names';
import { renderNode } from '../render/mycnf';
import { Dialect, dialectFor, guessImageVersion } from '../flavors';
import type { ImageFacts } from '../flavors/detect-image';
import type { Desired, Observed } from './reconcile';

/** What each image runs and as whom, as asked of the image (flavors/detect-image.ts). */
export type ImageFactsByImage = ReadonlyMap<string, ImageFacts>;

/** The dialect a node's my.cnf is written in: its image's, or a guess from the image name. */
export function nodeDialect(image: string, facts: ImageFactsByImage): Dialect {
  return dialectFor(facts.get(image)?.version ?? guessImageVersion(image));
}

/** The topology as Docker resources: pure. */
export function desiredState(t: Topology, facts: ImageFactsByImage = new Map()): Desired {
  return {
    network: networkName(t),
    images: [...new Set(t.nodes.map((n) => n.image))],
    nodes: t.nodes.map((n) => {
      const dialect = nodeDialect(n.image, facts);
      return { plan: containerPlan(t, n, renderNode(t, n, dialect), dialect, facts.get(n.image)?.user), volume: volumeName(t, n.name) };
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
