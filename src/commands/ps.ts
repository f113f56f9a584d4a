import { DockerEngine } from '../docker/engine';

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
export async function ps(topology: string, docker = new DockerEngine(), roles: Record<string, string> = {}): Promise<PsRow[]> {
  await docker.ping();
  const host = docker.publishedHost();
  return (await docker.containers(topology))
    .filter((c) => c.node !== '')
    .map((c) => ({ node: c.node, role: roles[c.node] ?? '-', container: c.name, state: c.state, ...(c.hostPort ? { address: `${host}:${c.hostPort}` } : {}) }))
    .sort((a, b) => a.node.localeCompare(b.node));
}

export function formatPs(rows: PsRow[]): string {
  const table = [['NODE', 'ROLE', 'STATE', 'ADDRESS', 'CONTAINER'], ...rows.map((r) => [r.node, r.role, r.state, r.address ?? '-', r.container])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
