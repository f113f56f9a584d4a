import * as fs from 'node:fs';
import { loadTopology, up } from '../../src';
import { cleanup, docker, ENV, hostPort, IMAGES, leftovers, requireEngine, simpleTopology, sql, uniqueName } from './harness';

beforeAll(requireEngine);

const DIGITS =
  '(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';

describe.each(IMAGES)('a snapshot stream that stops, on %s', (image) => {
  const name = uniqueName('stall');
  afterAll(() => cleanup(name));

  // The first case's topology (its primary holds 100 MiB of rows), reused by the second.
  let topologyFile = '';

  it('fails the join after snapshotStallMs of silence, says so, and removes the new replica', async () => {
    const t = simpleTopology(name, image, {});
    topologyFile = t.file;
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    // About 100 MiB of rows: far more than the pipes between the two containers hold.
    await sql(p, 'CREATE DATABASE big');
    await sql(p, 'CREATE TABLE big.rows (id INT PRIMARY KEY, payload CHAR(100))');
    await sql(
      p,
      `INSERT INTO big.rows SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n + 100000 * f.n, REPEAT('x', 100) FROM ${[...'abcdef'].map((x) => `${DIGITS} ${x}`).join(', ')}`,
    );

    fs.writeFileSync(t.file, `${fs.readFileSync(t.file, 'utf8').trimEnd()}\n  replica1:\n    role: replica\n`);
    const joining = up(loadTopology(t.file, { env: ENV }), { progress: 'silent', snapshotStallMs: 3000 }).then(
      () => undefined,
      (e: Error) => e,
    );
    // The dump is running once its SELECT shows on the primary: then the replica stops taking it
    // (a frozen container), and the stream backs up to the dump.
    const replica = `${name}-replica1`;
    let dumping = false;
    for (let i = 0; i < 1200 && !dumping; i++) {
      const rows = await sql(
        p,
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT /*!40001 SQL_NO_CACHE */%'",
      );
      dumping = Number(rows[0].n) > 0;
      if (!dumping) await new Promise((r) => setTimeout(r, 50));
    }
    expect(dumping).toBe(true);
    await docker.docker.getContainer(replica).pause();
    const pausedAt = Date.now();
    const error = await joining;
    const tookMs = Date.now() - pausedAt;
    await docker.docker
      .getContainer(replica)
      .unpause()
      .catch(() => undefined); // removed by the rollback already
    expect(error?.message).toMatch(/^primary: the snapshot stream sent nothing for 3 s \(after [\d.]+ MiB\)$/);
    // 3 s of silence, noticed within a second, and the rollback.
    expect(tookMs).toBeLessThan(20_000);
    expect((await leftovers(name)).containers).toEqual([`${name}-primary`]);
    expect(await sql(p, 'SELECT COUNT(*) AS n FROM big.rows')).toEqual([{ n: 1000000 }]);
  });

  it("a load that fails at once (max_allowed_packet) fails the join at once with the client's own error, and removes the new replica", async () => {
    const file = topologyFile;
    const p = await hostPort(loadTopology(file, { env: ENV }), 'primary');
    // Dumped before big.rows: one row larger than the new replica takes in one packet.
    await sql(p, 'CREATE TABLE big.a_first (id INT PRIMARY KEY, payload LONGTEXT)');
    await sql(p, "INSERT INTO big.a_first VALUES (1, REPEAT('y', 3 * 1024 * 1024))");
    fs.writeFileSync(
      file,
      fs
        .readFileSync(file, 'utf8')
        .replace('  replica1:\n    role: replica\n', '  replica1:\n    role: replica\n    mysqld:\n      max_allowed_packet: 1M\n'),
    );
    const started = Date.now();
    const error = await up(loadTopology(file, { env: ENV }), { progress: 'silent' }).then(
      () => undefined,
      (e: Error & { hint?: string }) => e,
    );
    // Before, the dump waited on the full pipe until the 120 s stall bound, without this error.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(error?.message).toMatch(/^replica1: loading the snapshot failed \(exit \d+\): .*(max_allowed_packet|gone away)/s);
    expect((await leftovers(name)).containers).toEqual([`${name}-primary`]);
  });
});
