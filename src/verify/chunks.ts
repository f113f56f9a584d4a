import { escapeId } from 'mysql2';
import { readCoordinates } from '../replication/link';
import type { SqlSession } from '../replication/session';

/** Rows per chunk: small enough that one chunk's checksum takes milliseconds, large enough to be few. */
export const CHUNK_ROWS = 10_000;

export interface ChunkDifference {
  /** The first differing chunk's key range, as a WHERE clause on the primary key. */
  range: string;
  sourceRows: number;
  replicaRows: number;
}

export interface ChunkedResult {
  result: 'equal' | 'different' | 'unsettled';
  rows: number;
  chunks: number;
  /** The first differing (or unsettled) chunk. */
  difference?: ChunkDifference;
  /** Every differing chunk, in key order. */
  differences: ChunkDifference[];
}

/** The table's primary key columns in key order; empty when it has none. */
export async function primaryKey(s: SqlSession, schema: string, table: string): Promise<string[]> {
  const rows = await s.rows(
    "SELECT COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
    [schema, table],
  );
  return rows.map((r) => String(r.c));
}

async function columns(s: SqlSession, schema: string, table: string): Promise<string[]> {
  const rows = await s.rows(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [schema, table],
  );
  return rows.map((r) => String(r.c));
}

/** `(a, b) > (1, 'x')` with the values escaped; `undefined` bound: no condition on that side. */
function bound(key: string[], op: '>' | '<=', values: unknown[] | undefined): { sql: string; values: unknown[] } | undefined {
  if (!values) return undefined;
  const cols = key.map((k) => escapeId(k));
  return key.length === 1
    ? { sql: `${cols[0]} ${op} ?`, values }
    : { sql: `(${cols.join(', ')}) ${op} (${key.map(() => '?').join(', ')})`, values };
}

/**
 * Compares one table by primary-key chunks, the way pt-table-checksum does: each chunk's row
 * count and the XOR of every row's CRC32 (NULLs told apart from empty strings), on the source,
 * then on the replica once it has applied the source's position, then on the source again: a
 * chunk that differs while the source's did not move is a real difference. Every differing
 * chunk is reported with its key range. Rows the replica has beyond the source's last key fall
 * into the last, open-ended chunk.
 */
export async function compareByChunks(
  source: SqlSession,
  replica: SqlSession,
  schema: string,
  table: string,
  key: string[],
  o: { attempts?: number; waitSeconds?: number; chunkRows?: number; progress?: (rowsDone: number, total: number) => void } = {},
): Promise<ChunkedResult> {
  const name = `${escapeId(schema)}.${escapeId(table)}`;
  const cols = await columns(source, schema, table);
  const crc = `COUNT(*) AS n, COALESCE(BIT_XOR(CRC32(CONCAT_WS('#', ${cols.map((c) => escapeId(c)).join(', ')}, CONCAT(${cols.map((c) => `ISNULL(${escapeId(c)})`).join(', ')})))), 0) AS c`;
  const keyList = key.map((k) => escapeId(k)).join(', ');
  const total = Number((await source.first(`SELECT COUNT(*) AS n FROM ${name}`))?.n ?? 0);
  const size = o.chunkRows ?? CHUNK_ROWS;
  let lower: unknown[] | undefined;
  let rows = 0;
  let chunks = 0;
  let different = false;
  const differences: ChunkDifference[] = [];
  for (;;) {
    const from = bound(key, '>', lower);
    // The chunk's last key: size rows on from the lower bound; none left means the last chunk, open-ended.
    const edge = await source.first(
      `SELECT ${keyList} FROM ${name}${from ? ` WHERE ${from.sql}` : ''} ORDER BY ${keyList} LIMIT 1 OFFSET ${size - 1}`,
      from?.values,
    );
    const upper = edge ? key.map((k) => edge[k]) : undefined;
    const to = bound(key, '<=', upper);
    const where = [from, to].filter((b): b is NonNullable<typeof b> => Boolean(b));
    const clause = where.length ? ` WHERE ${where.map((b) => b.sql).join(' AND ')}` : '';
    const values = where.flatMap((b) => b.values);
    const sum = (s: SqlSession) => s.first(`SELECT ${crc} FROM ${name}${clause}`, values).then((r) => `${r?.n}:${r?.c}`);
    let verdict: 'equal' | 'different' | 'unsettled' = 'unsettled';
    let mine = '';
    let theirs = '';
    for (let attempt = 1; attempt <= (o.attempts ?? 5) && verdict === 'unsettled'; attempt++) {
      theirs = await sum(source);
      const at = await readCoordinates(source);
      const wait = replica.dialect.waitForCoordinates(at, o.waitSeconds ?? 30);
      const reached = wait.reached((await replica.first(wait.sql))?.result);
      mine = await sum(replica);
      const stable = theirs === (await sum(source));
      if (mine === theirs) verdict = 'equal';
      else if (stable && reached) verdict = 'different';
    }
    chunks++;
    rows += Number(theirs.split(':')[0]);
    o.progress?.(rows, total);
    if (verdict !== 'equal') {
      const shown = [...values];
      const range = clause ? clause.slice(' WHERE '.length).replace(/\?/g, () => JSON.stringify(shown.shift())) : 'the whole table';
      differences.push({ range, sourceRows: Number(theirs.split(':')[0]), replicaRows: Number(mine.split(':')[0]) });
      if (verdict === 'different') different = true;
    }
    if (!upper) break;
    lower = upper;
  }
  const result = different ? 'different' : differences.length ? 'unsettled' : 'equal';
  return { result, rows, chunks, ...(differences.length ? { difference: differences[0] } : {}), differences };
}
