import { debug, redactSql } from '../../src/debug';
import { FakeServer, fakeSession } from './fakes';

/** DEBUG=replikit:* shows each statement and Engine API call, never a password. */
describe('debug logging', () => {
  const written: string[] = [];
  let write: typeof process.stderr.write;
  beforeEach(() => {
    written.length = 0;
    write = process.stderr.write;
    process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = write;
    delete process.env.DEBUG;
  });

  it('is silent without DEBUG, and follows its names, wildcards and exclusions', () => {
    const say = () => ['replikit:sql', 'replikit:engine'].forEach((ns) => debug(ns as 'replikit:sql', () => 'x'));
    say();
    process.env.DEBUG = 'replikit:*,-replikit:engine';
    say();
    process.env.DEBUG = 'other,replikit:engine';
    say();
    expect(written.map((l) => l.replace(/^\S+ /, ''))).toEqual(['replikit:sql x\n', 'replikit:engine x\n']);
  });

  it('logs every statement a session runs, with every password redacted', async () => {
    process.env.DEBUG = 'replikit:*';
    const s = fakeSession('replica1', new FakeServer());
    await s.run(
      "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY 's3cr''et' REQUIRE SSL",
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='h', SOURCE_USER='repl', SOURCE_PASSWORD='s3cret', SOURCE_PORT=3306",
      "ALTER USER 'root'@'%' IDENTIFIED WITH caching_sha2_password BY 's3cret'",
      "SET PASSWORD FOR 'x'@'%' = PASSWORD('s3cret')",
    );
    expect(written.join('')).not.toMatch(/s3cr/);
    expect(written.map((l) => l.replace(/^\S+ /, '').trimEnd())).toEqual([
      "replikit:sql replica1: CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '***' REQUIRE SSL",
      "replikit:sql replica1: CHANGE REPLICATION SOURCE TO SOURCE_HOST='h', SOURCE_USER='repl', SOURCE_PASSWORD='***', SOURCE_PORT=3306",
      "replikit:sql replica1: ALTER USER 'root'@'%' IDENTIFIED WITH caching_sha2_password BY '***'",
      "replikit:sql replica1: SET PASSWORD FOR 'x'@'%' = PASSWORD('***')",
    ]);
  });

  it('redacts a password that holds an escaped quote or a backslash', () => {
    expect(redactSql("IDENTIFIED BY 'a\\'b\\\\' REQUIRE SSL")).toBe("IDENTIFIED BY '***' REQUIRE SSL");
    expect(redactSql("MASTER_PASSWORD = 'x', MASTER_PORT=1")).toBe("MASTER_PASSWORD = '***', MASTER_PORT=1");
  });
});
