import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { placementOf, TopologyRef } from './node-container';

export interface PsRow {
  node: string;
  role: string;
  container: string;
  state: string;
  address?: string;
}

/**
 * The topology's containers as Docker sees them, without connecting to any server: fast, and it
 * needs no password (only the topology's name). Roles are the file's: a switchover keeps the containers.
 */
export async function ps(topology: TopologyRef, docker?: DockerEngine, roles: Record<string, string> = {}): Promise<PsRow[]> {
  const placement = placementOf(topology);
  const engines = new TopologyEngines(placement, docker);
  await engines.ping();
  const rows = await Promise.all(
    engines.inUse().map(async (e) =>
      (await e.containers(placement.name))
        .filter((c) => c.node !== '')
        .map((c) => ({
          node: c.node,
          role: roles[c.node] ?? '-',
          container: c.name,
          state: c.state,
          ...(c.hostPort ? { address: `${e.publishedHost()}:${c.hostPort}` } : {}),
        })),
    ),
  );
  return rows.flat().sort((a, b) => a.node.localeCompare(b.node));
}

export function formatPs(rows: PsRow[]): string {
  const table = [
    ['NODE', 'ROLE', 'STATE', 'ADDRESS', 'CONTAINER'],
    ...rows.map((r) => [r.node, r.role, r.state, r.address ?? '-', r.container]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
