import { escapeId } from 'mysql2';
import { readCoordinates, SYSTEM_SCHEMAS } from '../replication/link';
import type { SqlSession } from '../replication/session';
import { ChunkDifference, compareByChunks, primaryKey } from './chunks';

export interface TableComparison {
  table: string;
  source: string;
  replica: string;
  sourceChecksum: string | null;
  replicaChecksum: string | null;
  /** equal; different (source stable, replica caught up, still unequal); missing on the replica; or unsettled (kept changing under writes). */
  result: 'equal' | 'different' | 'missing' | 'unsettled';
  /** Tables with a primary key are compared in chunks: how many rows and chunks, and the first differing chunk. */
  rows?: number;
  chunks?: number;
  difference?: ChunkDifference;
  /** Every differing chunk (the first is `difference`). */
  differences?: ChunkDifference[];
}

/** Base tables of every replicated schema on a server; `id` is `schema`.`table`, quoted. */
export async function replicatedTables(s: SqlSession, ignoredSchemas: string[]): Promise<{ schema: string; table: string; id: string }[]> {
  const skip = [...SYSTEM_SCHEMAS, ...ignoredSchemas].map((n) => n.toLowerCase());
  const rows = await s.rows(
    "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY 1, 2",
  );
  return rows
    .filter((r) => !skip.includes(String(r.s).toLowerCase()))
    .map((r) => ({ schema: String(r.s), table: String(r.t), id: `${escapeId(String(r.s))}.${escapeId(String(r.t))}` }));
}

async function checksums(s: SqlSession, tables: string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (!tables.length) return out;
  // CHECKSUM TABLE reads each table without locking it; a missing table gives NULL.
  const rows = await s.rows(`CHECKSUM TABLE ${tables.join(', ')}`);
  tables.forEach((t, i) => out.set(t, rows[i]?.Checksum === null || rows[i]?.Checksum === undefined ? null : String(rows[i].Checksum)));
  return out;
}

/**
 * Compares every replicated table of a source with one of its replicas, without writing. Tables
 * with a primary key go chunk by chunk (verify/chunks.ts): large tables show progress and a
 * difference comes with its key range. Tables without one are compared whole with CHECKSUM
 * TABLE: the replica is first waited up to the source's position read after the source's
 * checksums; a table that differs while the source's checksum did not move is a real
 * difference; one that keeps changing under writes is retried and reported unsettled.
 */
export async function compareTables(
  source: SqlSession,
  replica: SqlSession,
  ignoredSchemas: string[],
  /** How long the replica may take to reach the source's position (a delayed replica: its delay more). */
  waitSeconds = 30,
  progress?: (table: string, rowsDone: number, total: number) => void,
): Promise<TableComparison[]> {
  const done: TableComparison[] = [];
  const whole: string[] = [];
  for (const t of await replicatedTables(source, ignoredSchemas)) {
    const key = await primaryKey(source, t.schema, t.table);
    if (!key.length) {
      whole.push(t.id);
      continue;
    }
    const missing = !(await replica.first('SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [
      t.schema,
      t.table,
    ]));
    const base = { table: t.id, source: source.node, replica: replica.node, sourceChecksum: null, replicaChecksum: null };
    if (missing) {
      done.push({ ...base, result: 'missing' });
      continue;
    }
    const r = await compareByChunks(source, replica, t.schema, t.table, key, {
      waitSeconds,
      progress: progress && ((n, total) => progress(t.id, n, total)),
    });
    done.push({
      ...base,
      result: r.result,
      rows: r.rows,
      chunks: r.chunks,
      ...(r.difference ? { difference: r.difference, differences: r.differences } : {}),
    });
  }
  return [...done, ...(await compareWhole(source, replica, whole, 5, waitSeconds))];
}

async function compareWhole(
  source: SqlSession,
  replica: SqlSession,
  tables: string[],
  attempts = 5,
  waitSeconds = 30,
): Promise<TableComparison[]> {
  let pending = tables;
  const done: TableComparison[] = [];
  for (let attempt = 1; pending.length && attempt <= attempts; attempt++) {
    const before = await checksums(source, pending);
    const at = await readCoordinates(source);
    const wait = replica.dialect.waitForCoordinates(at, waitSeconds);
    const reached = wait.reached((await replica.first(wait.sql))?.result);
    const mine = await checksums(replica, pending);
    const after = await checksums(source, pending);
    const next: string[] = [];
    for (const table of pending) {
      const entry = {
        table,
        source: source.node,
        replica: replica.node,
        sourceChecksum: before.get(table)!,
        replicaChecksum: mine.get(table)!,
      };
      const stable = before.get(table) === after.get(table);
      if (entry.sourceChecksum === entry.replicaChecksum) done.push({ ...entry, result: 'equal' });
      else if (stable && reached) done.push({ ...entry, result: entry.replicaChecksum === null ? 'missing' : 'different' });
      else if (attempt === attempts) done.push({ ...entry, result: 'unsettled' });
      else next.push(table);
    }
    pending = next;
  }
  return done;
}
