import type { DockerEngine } from '../docker/engine';
import { nodeContainer, TopologyRef } from './node-container';

/** A node's server log (the container's output), followed with `follow` until Ctrl-C or the container stops. */
export async function logs(
  topology: TopologyRef,
  node: string,
  o: { follow?: boolean; tail?: number; docker?: DockerEngine } = {},
): Promise<void> {
  const c = await nodeContainer(topology, node, o.docker);
  await c.engine.streamLogs(c.name, { follow: Boolean(o.follow), tail: o.tail }, process.stdout, process.stderr);
}
