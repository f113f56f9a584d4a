import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { containerName } from '../names';
import { replicaStatus } from '../replication/link';
import { SqlSession } from '../replication/session';
import { resolveTopology, TopologySource } from '../topology/inline';
import { likelyCause } from '../verify/causes';
import { compareTables, TableComparison } from '../verify/checksums';
import { rootEndpoint } from './context';

export interface VerifyOptions {
  docker?: DockerEngine;
  /** Largest Seconds_Behind_Master a replica may report and still pass. */
  maxLagSeconds?: number;
  /** Called as large tables are compared, chunk by chunk. */
  progress?: (line: string) => void;
}

export interface VerifyReport {
  topology: string;
  ok: boolean;
  /** Every reason `ok` is false, one line each, naming the node. */
  problems: string[];
  replicas: { node: string; source: string; io: string; sql: string; secondsBehind: number | null; tables: number; equalTables: number }[];
  tables: TableComparison[];
}

/**
 * A read-only check for CI: every node answers, every replica's threads run with lag under the
 * bound, and every replicated table on every replica has its source's checksum.
 */
export async function verify(topology: TopologySource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const t = resolveTopology(topology);
  const engines = new TopologyEngines(t, options.docker);
  const maxLag = options.maxLagSeconds ?? 10;
  await engines.ping();
  const problems: string[] = [];
  const ports = new Map((await engines.containers()).map((c) => [c.node, c.state === 'running' ? c.hostPort : undefined]));
  const sessions = new Map<string, SqlSession>();
  const report: VerifyReport = { topology: t.name, ok: false, problems, replicas: [], tables: [] };
  try {
    await Promise.all(
      t.nodes.map(async (n) => {
        const port = ports.get(n.name);
        if (!port)
          return problems.push(
            `${n.name}: container ${containerName(t, n.name)} is ${ports.has(n.name) ? 'not running' : 'missing'} (replikit up brings it back)`,
          );
        try {
          sessions.set(n.name, await SqlSession.open(await rootEndpoint(engines.of(n.name), t, n, port), 5000));
        } catch (e) {
          problems.push(`${n.name}: no SQL connection on port ${port}: ${(e as Error).message}`);
        }
      }),
    );
    for (const n of t.nodes.filter((x) => x.source)) {
      const replica = sessions.get(n.name);
      const source = sessions.get(n.source!);
      if (!replica || !source) continue;
      const r = await replicaStatus(replica);
      if (!r) {
        problems.push(`${n.name}: is not configured as a replica (replikit up connects it)`);
        continue;
      }
      const cause = likelyCause(r);
      if (r.ioRunning !== 'Yes' || r.sqlRunning !== 'Yes') {
        const error = r.lastIoError || r.lastSqlError;
        problems.push(
          `${n.name}: replication threads IO=${r.ioRunning} SQL=${r.sqlRunning}${error ? `: ${error}` : ''}${cause ? ` (likely cause: ${cause})` : ''}`,
        );
      } else if (r.secondsBehind !== null && r.secondsBehind - r.sqlDelay > maxLag) {
        // A delay on purpose is not lag: only what comes on top of it counts.
        problems.push(
          `${n.name}: ${r.secondsBehind} s behind ${n.source}${r.sqlDelay ? ` (${r.sqlDelay} s of it on purpose)` : ''}, more than the ${maxLag} s allowed`,
        );
      }
      const tables =
        r.sqlRunning === 'Yes'
          ? await compareTables(
              source,
              replica,
              t.replication.ignoreDatabases,
              30 + r.sqlDelay,
              options.progress && ((table, done, total) => options.progress!(`${n.name}: ${table} ${done}/${total} rows`)),
            )
          : [];
      for (const c of tables) {
        if (c.result === 'equal') continue;
        const d = c.difference;
        const more = (c.differences?.length ?? 1) - 1;
        if (d)
          problems.push(
            `${n.name}: table ${c.table} is ${c.result} where ${d.range} (${n.source} has ${d.sourceRows} rows there, ${n.name} ${d.replicaRows})${more ? `, and in ${more} more chunk(s)` : ''}`,
          );
        else
          problems.push(
            `${n.name}: table ${c.table} is ${c.result} (checksum ${c.replicaChecksum ?? 'none'}, ${n.source} has ${c.sourceChecksum ?? 'none'})`,
          );
      }
      report.tables.push(...tables);
      report.replicas.push({
        node: n.name,
        source: n.source!,
        io: r.ioRunning,
        sql: r.sqlRunning,
        secondsBehind: r.secondsBehind,
        tables: tables.length,
        equalTables: tables.filter((c) => c.result === 'equal').length,
      });
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
  report.ok = problems.length === 0;
  return report;
}
