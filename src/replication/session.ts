import { createConnection, Connection, RowDataPacket } from 'mysql2/promise';
import { NodeError, ReplikitError } from '../errors';
import type { Row } from '../flavors/dialect';
import type { ConnectionConfig } from './connection';
import { Dialect, dialectFor, parseServerVersion } from '../flavors';
import { debug, redactSql } from '../debug';

/** How long making a server read-only for root again may take after the work failed. */
const RESTORE_MS = 5000;
/** How long a session's goodbye may take before the connection is cut. */
const CLOSE_MS = 2000;
/**
 * The bound on any one statement: longer than every wait replikit asks a server for (each at most
 * a few minutes), so only a server that stopped answering (frozen, paused, cut off) reaches it.
 */
export const QUERY_TIMEOUT_MS = 10 * 60 * 1000;

/** A connection to one node: the same shape programs get (ConnectionConfig), named after its node. */
export interface Endpoint extends ConnectionConfig {
  node: string;
}

/**
 * A SQL connection to one node with the dialect its server speaks. Errors name the node and the
 * statement's first words, never the statement itself (it may hold a password).
 */
export class SqlSession {
  private constructor(
    readonly node: string,
    private readonly conn: Connection,
    readonly dialect: Dialect,
    readonly endpoint: Endpoint,
  ) {}

  static async open(endpoint: Endpoint, connectTimeoutMs = 5000): Promise<SqlSession> {
    const conn = await createConnection({
      host: endpoint.host,
      port: endpoint.port,
      user: endpoint.user,
      password: endpoint.password,
      charset: endpoint.charset,
      ...(endpoint.ssl ? { ssl: endpoint.ssl } : {}),
      connectTimeout: connectTimeoutMs,
      multipleStatements: false,
    });
    try {
      const [rows] = await conn.query<RowDataPacket[]>({ sql: 'SELECT VERSION() AS version', timeout: connectTimeoutMs });
      return new SqlSession(endpoint.node, conn, dialectFor(parseServerVersion(String(rows[0].version))), endpoint);
    } catch (e) {
      await conn.end().catch(() => undefined);
      throw e;
    }
  }

  get version(): string {
    return this.dialect.version.text;
  }

  async rows(sql: string, values?: unknown[]): Promise<Row[]> {
    debug('replikit:sql', () => `${this.node}: ${redactSql(sql)}${values?.length ? ` (${values.length} value(s))` : ''}`);
    try {
      const [rows] = await this.conn.query<RowDataPacket[]>({ sql, values, timeout: QUERY_TIMEOUT_MS });
      return rows as Row[];
    } catch (e) {
      throw new NodeError(this.node, `${firstWords(sql)} failed`, undefined, redacted(e, sql));
    }
  }

  async run(...statements: string[]): Promise<void> {
    for (const sql of statements) await this.rows(sql);
  }

  async first(sql: string, values?: unknown[]): Promise<Row | undefined> {
    return (await this.rows(sql, values))[0];
  }

  /** Runs statements with binary logging off: local bookkeeping that must not reach replicas. */
  async runUnlogged(...statements: string[]): Promise<void> {
    await this.run('SET SESSION sql_log_bin=0');
    try {
      await this.run(...statements);
    } finally {
      await this.run('SET SESSION sql_log_bin=1');
    }
  }

  /**
   * Runs root's own work (accounts, a snapshot load) on a server that may be read-only even for
   * root (MySQL's super_read_only), then makes it read-only again. Ordinary accounts stay
   * refused throughout: read_only itself stays on.
   */
  async asAdmin<T>(work: () => Promise<T>): Promise<T> {
    const w = this.dialect.adminWritable();
    if (!w || Number((await this.first(w.check))?.ro) !== 1) return work();
    await this.run(...w.lift);
    let result: T;
    try {
      result = await work();
    } catch (e) {
      // The server may be why the work failed (gone, frozen): the restore gets a few seconds,
      // and the work's error stands, saying whether the restore was done.
      const restored = await this.runWithin(RESTORE_MS, ...w.restore).then(
        () => undefined,
        (r: Error) => r,
      );
      if (restored && e instanceof ReplikitError)
        e.hint = `${e.hint ? `${e.hint}; ` : ''}${w.restore.join('; ')} could not be run again (${restored.message}): replikit up sets it`;
      throw e;
    }
    await this.run(...w.restore);
    return result;
  }

  /** Statements with a bound on each: for a server that may not answer. */
  private async runWithin(ms: number, ...statements: string[]): Promise<void> {
    for (const sql of statements) {
      debug('replikit:sql', () => `${this.node}: ${redactSql(sql)}`);
      await this.conn.query({ sql, timeout: ms }).catch((e: unknown) => {
        throw new NodeError(this.node, `${firstWords(sql)} failed`, undefined, redacted(e, sql));
      });
    }
  }

  async close(): Promise<void> {
    // end() waits for the server's goodbye: one that does not answer (frozen, gone) is cut off.
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<void>((resolve) => {
      timer = setTimeout(() => resolve(this.conn.destroy()), CLOSE_MS);
    });
    await Promise.race([this.conn.end().catch(() => undefined), cutOff]);
    clearTimeout(timer);
  }
}

/**
 * A server error about a statement that carries a password may quote it ("near '…' at line 1"):
 * such quotes are cut, so no password reaches a message or a log.
 */
function redacted(e: unknown, sql: string): unknown {
  if (!(e instanceof Error) || !/PASSWORD|IDENTIFIED/i.test(sql)) return e;
  const safe = new Error(e.message.replace(/near '[\s\S]*' at line/, 'near (statement hidden: it holds a password) at line'));
  (safe as { code?: unknown }).code = (e as { code?: unknown }).code;
  return safe;
}

function firstWords(sql: string): string {
  return sql.split(/\s+/).slice(0, 3).join(' ');
}
