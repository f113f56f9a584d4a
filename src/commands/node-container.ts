import type { DockerEngine, ObservedContainer } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { InputError, ReplikitError } from '../errors';
import type { Placement } from '../topology/types';

/** A topology's name alone (its nodes then on the environment's engine), or where its nodes run. */
export type TopologyRef = string | Placement;

export function placementOf(ref: TopologyRef): Placement {
  return typeof ref === 'string' ? { name: ref, engines: {}, nodes: [] } : ref;
}

/** The running container of one node of a topology, by its label, and its engine; a clear error otherwise. */
export async function nodeContainer(ref: TopologyRef, node: string, main?: DockerEngine): Promise<ObservedContainer & { engine: DockerEngine }> {
  const placement = placementOf(ref);
  const engines = new TopologyEngines(placement, main);
  await engines.ping();
  const all = await engines.containers();
  const c = all.find((x) => x.node === node);
  if (!c) {
    const known = all.map((x) => x.node).sort();
    throw new InputError(
      `topology ${placement.name} has no container for node '${node}'`,
      known.length ? `nodes with a container: ${known.join(', ')}` : `nothing of ${placement.name} runs: replikit up first`,
    );
  }
  if (c.state !== 'running') throw new ReplikitError(`node ${node} (${c.name}) is ${c.state}, not running`, 'replikit up starts it');
  return { ...c, engine: (await engines.holding(c.name))! };
}
