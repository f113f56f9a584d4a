import type { DockerEngine, ObservedContainer } from '../docker/engine';
import { InputError, ReplikitError } from '../errors';

/** The running container of one node of a topology, by its label; a clear error otherwise. */
export async function nodeContainer(docker: DockerEngine, topology: string, node: string): Promise<ObservedContainer> {
  await docker.ping();
  const all = await docker.containers(topology);
  const c = all.find((x) => x.node === node);
  if (!c) {
    const known = all.map((x) => x.node).sort();
    throw new InputError(
      `topology ${topology} has no container for node '${node}'`,
      known.length ? `nodes with a container: ${known.join(', ')}` : `nothing of ${topology} runs: replikit up first`,
    );
  }
  if (c.state !== 'running') throw new ReplikitError(`node ${node} (${c.name}) is ${c.state}, not running`, 'replikit up starts it');
  return c;
}
