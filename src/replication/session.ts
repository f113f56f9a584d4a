import { createConnection, Connection, RowDataPacket } from 'mysql2/promise';
import { NodeError } from '../errors';
import type { Row } from '../flavors/dialect';
import type { ConnectionConfig } from '../commands/connection';
import { Dialect, dialectFor, parseServerVersion } from '../flavors';

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
      const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS version');
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
    try {
      const [rows] = await this.conn.query<RowDataPacket[]>(sql, values);
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
    try {
      return await work();
    } finally {
      await this.run(...w.restore);
    }
  }

  async close(): Promise<void> {
    await this.conn.end().catch(() => undefined);
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
