import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { sourceNode } from '../replication/address';
import { containerName } from '../names';
import { heldGtids, replicaStatus } from '../replication/link';
import { SqlSession } from '../replication/session';
import { resolveTopology, TopologySource } from '../topology/inline';
import { levels, NodeSpec } from '../topology/types';
import type { Dialect } from '../flavors/dialect';
import { FailoverRecord, lastFailover, promotedAtFor } from '../replication/init-sql';
import { rootEndpoint } from './context';
import type { ConnectionConfig } from '../replication/connection';
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
  /**
   * With replication.semi_sync: whether this node's side of it is on now. A primary's 'OFF' means
   * it fell back to asynchronous (no replica acknowledged within the timeout).
   */
  semiSync?: 'ON' | 'OFF';
  /** Transactions this replica holds that its source lacks (written on it, not replicated): never healthy. */
  errant?: { gtids: string; count: number };
}

export interface StatusReport {
  topology: string;
  nodes: NodeStatus[];
  /** True when every container runs and every replica's threads run, none holds errant transactions, and one node at most takes writes. */
  healthy: boolean;
  /**
   * The node that is the primary now, as the servers say it (replicates from nowhere, takes
   * writes), with a mysql2-ready connection: after a failover, the new one. Absent when none is.
   */
  primary?: { node: string; connection: ConnectionConfig };
  /** More than one node replicates from nowhere and takes writes: split brain, never healthy. */
  writablePrimaries?: string[];
}

/** Observes without changing anything: containers, server versions and replication threads. */
export async function status(topology: TopologySource, docker?: DockerEngine): Promise<StatusReport> {
  const t = resolveTopology(topology);
  const engines = new TopologyEngines(t, docker);
  await engines.ping();
  const depth = new Map(levels(t.nodes).flatMap((level, d) => level.map((n) => [n.name, d] as const)));
  // One listing gives every container's state and published port.
  const observed = new Map((await engines.containers()).map((c) => [c.name, c]));
  // What each server holds, for the errant check once every node has answered.
  const held = new Map<string, { gtids: string; dialect: Dialect; failover?: FailoverRecord }>();
  const writable: { node: string; connection: ConnectionConfig }[] = [];
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
        const gtids = await heldGtids(session);
        // A primary promoted by a failover recorded where it stood: what its predecessor holds beyond that is errant.
        const failover = n.role === 'primary' ? await lastFailover(session) : undefined;
        held.set(n.name, { gtids, dialect: session.dialect, ...(failover ? { failover } : {}) });
        if (t.replication.semiSync) base.semiSync = await semiSyncSide(session, n.role);
        const r = await replicaStatus(session);
        // The primary as the servers say it: one that replicates from nowhere and takes writes (after a failover, not the file's).
        if (!r?.sourceHost && Number((await session.first('SELECT @@GLOBAL.read_only AS ro'))?.ro) === 0) {
          const { node: _, ...connection } = endpoint;
          writable.push({ node: n.name, connection });
        }
        if (n.role === 'replica' || n.source) {
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
  // A replica that holds what its source lacks has diverged (orchestrator's errant GTID check).
  for (const n of nodes) {
    const spec = t.nodes.find((x) => x.name === n.node)!;
    const mine = held.get(n.node);
    // Its source as the file says: a former primary back after a failover replicates from nowhere yet.
    const theirs = spec.source && held.get(spec.source);
    if (spec.role !== 'replica' || !mine || !theirs) continue;
    const gap = mine.dialect.gtidsMissing(mine.gtids, theirs.gtids, promotedAtFor(n.node, theirs));
    if (gap.count) n.errant = { gtids: gap.text, count: gap.count };
  }
  const healthy =
    writable.length <= 1 &&
    nodes.every((n) => n.state === 'running' && n.version && !n.errant && (n.role === 'primary' || (n.io === 'Yes' && n.sql === 'Yes')));
  return {
    topology: t.name,
    nodes,
    healthy,
    ...(writable.length === 1 ? { primary: writable[0] } : {}),
    ...(writable.length > 1 ? { writablePrimaries: writable.map((w) => w.node) } : {}),
  };
}

/** This node's side of semi-sync now: the source side on the primary, the replica side on replicas. */
async function semiSyncSide(s: SqlSession, role: NodeSpec['role']): Promise<'ON' | 'OFF'> {
  const rows = await s.rows(s.dialect.semiSyncStatus());
  const side = rows.find((r) =>
    (role === 'primary' ? /_(source|master)_status$/i : /_(replica|slave)_status$/i).test(String(r.Variable_name)),
  );
  return String(side?.Value).toUpperCase() === 'ON' ? 'ON' : 'OFF';
}

/** A plain table; replicas are indented under their sources so chains read as a tree. */
export function formatStatus(r: StatusReport): string {
  // On a swarm, where each node's task runs.
  const swarm = r.nodes.some((n) => n.swarmNode);
  // With replication.semi_sync: each node's side of it now.
  const semi = r.nodes.some((n) => n.semiSync);
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
    ...(semi ? ['SEMI-SYNC'] : []),
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
    ...(semi ? [n.semiSync ?? '-'] : []),
    n.lastError || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const table = [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
  const causes = r.nodes.filter((n) => n.cause).map((n) => `${n.node}: likely cause: ${n.cause}`);
  const notes = r.nodes.flatMap((n) => [
    ...(n.errant
      ? [
          `${n.node}: errant: holds ${n.errant.gtids} (${n.errant.count} transaction(s)) that its source lacks: written on it, not replicated`,
        ]
      : []),
    ...(n.semiSync === 'OFF' && n.role === 'primary'
      ? [
          `${n.node}: semi-sync has fallen back to asynchronous: no replica acknowledged within the timeout; commits are not lossless until one catches up`,
        ]
      : []),
  ]);
  const split = r.writablePrimaries ? [`more than one node takes writes: ${r.writablePrimaries.join(', ')} (split brain)`] : [];
  return [...table, ...causes, ...notes, ...split].join('\n');
}
