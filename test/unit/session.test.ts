import { QUERY_TIMEOUT_MS, SqlSession } from '../../src/replication/session';
import { MariaDbDialect } from '../../src/flavors/mariadb';
import { parseServerVersion } from '../../src/flavors';

/** A session over a fake connection that fails like a server would, quoting the statement. */
function failingSession(serverMessage: string): SqlSession {
  const conn = {
    query: async () => Promise.reject(Object.assign(new Error(serverMessage), { code: 'ER_PARSE_ERROR' })),
    end: async () => undefined,
  };
  const Ctor = SqlSession as unknown as new (...a: unknown[]) => SqlSession;
  return new Ctor('replica1', conn, new MariaDbDialect(parseServerVersion('10.11.6-MariaDB')), {});
}

describe('SQL errors', () => {
  it('name the node and the statement, and never quote a password', async () => {
    const s = failingSession(
      "You have an error in your SQL syntax; check the manual near 'MASTER_PASSWORD='s3cret', MASTER_X=1' at line 1",
    );
    const err = await s.run("CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='s3cret', MASTER_X=1").catch((e: Error) => e);
    expect((err as Error).message).toBe(
      'replica1: CHANGE MASTER TO failed: You have an error in your SQL syntax; check the manual near (statement hidden: it holds a password) at line 1',
    );
    expect(JSON.stringify(err) + String((err as Error).cause)).not.toContain('s3cret');
  });

  it('keep the server message of statements without secrets', async () => {
    const s = failingSession("Table 'app.t' doesn't exist");
    await expect(s.run('SELECT * FROM app.t')).rejects.toThrow("replica1: SELECT * FROM failed: Table 'app.t' doesn't exist");
  });
});

describe('bounds', () => {
  it('every statement carries a timeout, so a server that stops answering fails the run instead of hanging it', async () => {
    const asked: unknown[] = [];
    const conn = { query: async (o: unknown) => (asked.push(o), [[{ x: 1 }]]), end: async () => undefined };
    const Ctor = SqlSession as unknown as new (...a: unknown[]) => SqlSession;
    const s = new Ctor('primary', conn, new MariaDbDialect(parseServerVersion('10.11.6-MariaDB')), {});
    await s.rows('SELECT 1');
    await s.first('SELECT ?', [2]);
    await s.run('SET GLOBAL read_only=ON', 'SET GLOBAL read_only=OFF');
    expect(asked).toEqual([
      { sql: 'SELECT 1', values: undefined, timeout: QUERY_TIMEOUT_MS },
      { sql: 'SELECT ?', values: [2], timeout: QUERY_TIMEOUT_MS },
      { sql: 'SET GLOBAL read_only=ON', values: undefined, timeout: QUERY_TIMEOUT_MS },
      { sql: 'SET GLOBAL read_only=OFF', values: undefined, timeout: QUERY_TIMEOUT_MS },
    ]);
    // Longer than any wait replikit asks a server for (catch-up and switchover bounds are minutes).
    expect(QUERY_TIMEOUT_MS).toBeGreaterThanOrEqual(5 * 60 * 1000);
  });
});
