import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { sourceNode } from '../replication/address';
import { containerName } from '../names';
import { replicaStatus } from '../replication/link';
import { SqlSession } from '../replication/session';
import { resolveTopology, TopologySource } from '../topology/inline';
import { levels, NodeSpec } from '../topology/types';
import { rootEndpoint } from './context';
import { likelyCause } from '../verify/causes';

export interface NodeStatus {
  node: string;
  role: NodeSpec['role'];
  depth: number;
  container: string;
  state: string;
  /** On a swarm: the swarm node (host name) its task runs on. */
  swarmNode?: string;
  address?: string;
  version?: string;
  source?: string;
  io?: string;
  sql?: string;
  secondsBehind?: number | null;
  /** Its delay on purpose (delay:), seconds: secondsBehind includes it. */
  delaySeconds?: number;
  lastError?: string;
  /** What the last error most likely means, and what to do. */
  cause?: string;
}

export interface StatusReport {
  topology: string;
  nodes: NodeStatus[];
  /** True when every container runs and every replica's threads run. */
  healthy: boolean;
}

/** Observes without changing anything: containers, server versions and replication threads. */
export async function status(topology: TopologySource, docker?: DockerEngine): Promise<StatusReport> {
  const t = resolveTopology(topology);
  const engines = new TopologyEngines(t, docker);
  await engines.ping();
  const depth = new Map(levels(t.nodes).flatMap((level, d) => level.map((n) => [n.name, d] as const)));
  // One listing gives every container's state and published port.
  const observed = new Map((await engines.containers()).map((c) => [c.name, c]));
  const nodes = await Promise.all(
    t.nodes.map(async (n): Promise<NodeStatus> => {
      const container = containerName(t, n.name);
      const c = observed.get(container);
      const base: NodeStatus = {
        node: n.name,
        role: n.role,
        depth: depth.get(n.name)!,
        container,
        state: c?.state ?? 'missing',
        ...(c?.swarmNode ? { swarmNode: c.swarmNode } : {}),
      };
      if (c?.state !== 'running' || !c.hostPort) return base;
      let session: SqlSession | undefined;
      try {
        const endpoint = await rootEndpoint(engines.of(n.name), t, n, c.hostPort);
        base.address = `${endpoint.host}:${endpoint.port}`;
        session = await SqlSession.open(endpoint, 3000);
        base.version = session.version;
        if (n.role === 'replica' || n.source) {
          const r = await replicaStatus(session);
          if (!r) return { ...base, io: 'not configured', sql: 'not configured' };
          return {
            ...base,
            source: sourceNode(t, r) ?? r.sourceHost,
            io: r.ioRunning,
            sql: r.sqlRunning,
            secondsBehind: r.secondsBehind,
            ...(r.sqlDelay ? { delaySeconds: r.sqlDelay } : {}),
            lastError: r.lastIoError || r.lastSqlError || '',
            ...(likelyCause(r) ? { cause: likelyCause(r) } : {}),
          };
        }
        return base;
      } catch (e) {
        return { ...base, lastError: `no SQL connection: ${(e as Error).message}` };
      } finally {
        await session?.close();
      }
    }),
  );
  const healthy = nodes.every((n) => n.state === 'running' && n.version && (n.role === 'primary' || (n.io === 'Yes' && n.sql === 'Yes')));
  return { topology: t.name, nodes, healthy };
}

/** A plain table; replicas are indented under their sources so chains read as a tree. */
export function formatStatus(r: StatusReport): string {
  // On a swarm, where each node's task runs.
  const swarm = r.nodes.some((n) => n.swarmNode);
  const header = [
    'NODE',
    'ROLE',
    'STATE',
    ...(swarm ? ['SWARM NODE'] : []),
    'ADDRESS',
    'VERSION',
    'SOURCE',
    'IO',
    'SQL',
    'BEHIND',
    'LAST ERROR',
  ];
  const rows = r.nodes.map((n) => [
    `${n.depth ? `${'  '.repeat(n.depth - 1)}└ ` : ''}${n.node}`,
    n.role,
    n.state,
    ...(swarm ? [n.swarmNode ?? '-'] : []),
    n.address ?? '-',
    n.version ?? '-',
    n.source ?? '-',
    n.io ?? '-',
    n.sql ?? '-',
    `${n.secondsBehind === undefined || n.secondsBehind === null ? '-' : `${n.secondsBehind}s`}${n.delaySeconds ? ` (delay ${n.delaySeconds}s)` : ''}`,
    n.lastError || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const table = [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
  const causes = r.nodes.filter((n) => n.cause).map((n) => `${n.node}: likely cause: ${n.cause}`);
  return [...table, ...causes].join('\n');
}
