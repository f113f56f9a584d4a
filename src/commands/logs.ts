import { DockerEngine } from '../docker/engine';
import { nodeContainer } from './node-container';

/** A node's server log (the container's output), followed with `follow` until Ctrl-C or the container stops. */
export async function logs(topology: string, node: string, o: { follow?: boolean; tail?: number; docker?: DockerEngine } = {}): Promise<void> {
  const docker = o.docker ?? new DockerEngine();
  const c = await nodeContainer(docker, topology, node);
  await docker.streamLogs(c.name, { follow: Boolean(o.follow), tail: o.tail }, process.stdout, process.stderr);
}
