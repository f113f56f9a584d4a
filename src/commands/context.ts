import { ListrRendererValue, PRESET_TIMESTAMP } from 'listr2';
import type { DockerEngine } from '../docker/engine';
import { containerName } from '../docker/names';
import type { Endpoint } from '../replication/session';
import type { NodeSpec, Topology } from '../topology/types';

/** How progress is shown: a live tree in a terminal, timestamped lines otherwise, nothing for --json. */
export type Progress = 'auto' | 'plain' | 'silent';

export function listrOptions(progress: Progress) {
  const plain = progress === 'plain' || !process.stdout.isTTY || Boolean(process.env.CI);
  return {
    renderer: (progress === 'silent' ? 'silent' : plain ? 'simple' : 'default') as ListrRendererValue,
    rendererOptions: { timestamp: PRESET_TIMESTAMP, collapseSubtasks: false },
    exitOnError: true,
    // listr2 would exit the process with 127 on Ctrl-C; the CLI aborts the run and cleans up instead.
    registerSignalListeners: false,
    collectErrors: false as const,
  };
}

/** Root endpoint of a node's published port on the engine's host. */
export async function rootEndpoint(docker: DockerEngine, t: Topology, node: NodeSpec): Promise<Endpoint> {
  return {
    node: node.name,
    host: docker.publishedHost(),
    port: await docker.hostPort(containerName(t, node.name)),
    user: 'root',
    password: t.credentials.rootPassword,
  };
}

/** Nodes grouped by depth: the primary, its replicas, their replicas, … */
export function levels(t: Topology): NodeSpec[][] {
  const depth = new Map<string, number>();
  for (const n of t.nodes) depth.set(n.name, n.source === undefined ? 0 : depth.get(n.source)! + 1);
  const out: NodeSpec[][] = [];
  for (const n of t.nodes) (out[depth.get(n.name)!] ??= []).push(n);
  return out;
}
