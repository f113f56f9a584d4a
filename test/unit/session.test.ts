import { SqlSession } from '../../src/replication/session';
import { MariaDbDialect } from '../../src/flavors/mariadb';
import { parseServerVersion } from '../../src/flavors';

/** A session over a fake connection that fails like a server would, quoting the statement. */
function failingSession(serverMessage: string): SqlSession {
  const conn = { query: async () => Promise.reject(Object.assign(new Error(serverMessage), { code: 'ER_PARSE_ERROR' })), end: async () => undefined };
  const Ctor = SqlSession as unknown as new (...a: unknown[]) => SqlSession;
  return new Ctor('replica1', conn, new MariaDbDialect(parseServerVersion('10.11.6-MariaDB')), {});
}

describe('SQL errors', () => {
  it('name the node and the statement, and never quote a password', async () => {
    const s = failingSession("You have an error in your SQL syntax; check the manual near 'MASTER_PASSWORD='s3cret', MASTER_X=1' at line 1");
    const err = await s.run("CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='s3cret', MASTER_X=1").catch((e: Error) => e);
    expect((err as Error).message).toBe('replica1: CHANGE MASTER TO failed: You have an error in your SQL syntax; check the manual near (statement hidden: it holds a password) at line 1');
    expect(JSON.stringify(err) + String((err as Error).cause)).not.toContain('s3cret');
  });

  it('keep the server message of statements without secrets', async () => {
    const s = failingSession("Table 'app.t' doesn't exist");
    await expect(s.run('SELECT * FROM app.t')).rejects.toThrow("replica1: SELECT * FROM failed: Table 'app.t' doesn't exist");
  });
});
