import type { DockerEngine, ObservedContainer } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { InputError, ReplikitError } from '../errors';
import { checkedTopologyName } from '../topology/name';
import type { Placement } from '../topology/types';
import type { UpResult } from './up';
import { resolveTopology, type TopologyInput } from '../topology/inline';

/**
 * A topology by its name alone (its nodes then on the environment's engine), or by something
 * that says where its nodes run: its placement, the loaded topology, or what `up` returned.
 */
export type TopologyRef =
  string | { name: string } | { topology: string } | Placement | Pick<UpResult, 'topology' | 'nodes' | 'engines'> | TopologyInput;

/** Which engines to look on for a topology. */
export function placementOf(ref: TopologyRef): Placement {
  // An object in code, as up took it: the same object is the same topology (its made-up name is kept).
  if (isInput(ref)) return placementOf(resolveTopology(ref));
  if (typeof ref === 'string') return { name: checkedTopologyName(ref), engines: {}, nodes: [] };
  const name = checkedTopologyName('topology' in ref ? ref.topology : ref.name!);
  if (!('nodes' in ref)) return { name, engines: {}, nodes: [] };
  const engines = ('engines' in ref && ref.engines) || {};
  return { name, engines, nodes: ref.nodes.map((n) => ({ name: n.name, ...(n.engine ? { engine: n.engine } : {}) })) };
}

/** A topology written in code: its nodes a map by name, not a list. */
function isInput(ref: TopologyRef): ref is TopologyInput {
  return typeof ref === 'object' && 'nodes' in ref && !Array.isArray(ref.nodes);
}

/** The running container of one node of a topology, by its label, and its engine; a clear error otherwise. */
export async function nodeContainer(
  ref: TopologyRef,
  node: string,
  main?: DockerEngine,
): Promise<ObservedContainer & { engine: DockerEngine }> {
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
