import * as fs from 'node:fs';
import { loadTopology, up } from '../../src';
import {
  caughtUp,
  cleanup,
  ENV,
  hostPort,
  IMAGES,
  requireEngine,
  simpleTopology,
  sql,
  startWriter,
  uniqueName,
  whileWriting,
} from './harness';

beforeAll(requireEngine);

/** User schemas on a server, sorted. */
async function schemas(port: number): Promise<string[]> {
  const rows = await sql(port, "SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'race%' ORDER BY 1");
  return rows.map((r) => String(r.s));
}

describe.each(IMAGES)('a replica joining while schemas are being created, on %s', (image) => {
  const name = uniqueName('race');
  afterAll(() => cleanup(name));

  it('ends with every schema the primary has, none lost between the listing and the snapshot', async () => {
    const t = simpleTopology(name, image, { replica1: undefined });
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    await sql(p, 'CREATE DATABASE race_0');
    await sql(p, 'CREATE TABLE race_0.t (id INT PRIMARY KEY)');
    let running = true;
    let n = 1;
    const creator = (async () => {
      while (running) {
        await sql(p, `CREATE DATABASE race_${n++}`);
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    try {
      fs.writeFileSync(t.file, `${fs.readFileSync(t.file, 'utf8')}  replica2:\n    role: replica\n`);
      await up(loadTopology(t.file, { env: ENV }), { progress: 'silent' });
    } finally {
      running = false;
      await creator;
    }
    const r = await hostPort(t, 'replica2');
    await caughtUp(p, r, image);
    const expected = await schemas(p);
    expect(expected.length).toBeGreaterThan(5);
    expect(await schemas(r)).toEqual(expected);
  });

  it('a join behind a long SELECT holds writes a second at a time at most, and completes once the SELECT ends', async () => {
    const other = `${name}s`;
    try {
      const t = simpleTopology(other, image, {});
      await up(t, { progress: 'silent' });
      const p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.report (id INT PRIMARY KEY)');
      await sql(p, 'INSERT INTO app.report VALUES (1)');
      await sql(p, 'CREATE TABLE app.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64))');
      // A report's SELECT holds its table for 15 s: the join's lock cannot be had until it ends.
      const report = sql(p, 'SELECT SLEEP(15) AS s FROM app.report');
      fs.writeFileSync(t.file, `${fs.readFileSync(t.file, 'utf8').trimEnd()}\n  replica1:\n    role: replica\n`);
      const writer = startWriter(p, 'app.events');
      const { committed } = await whileWriting(writer, async () => {
        await up(loadTopology(t.file, { env: ENV }), { progress: 'silent' });
        await report;
      });
      // Waiting the whole SELECT out, every write waited behind the lock (up to 30 s on MySQL).
      expect(writer.longestMs()).toBeLessThan(2500);
      expect(committed.length).toBeGreaterThan(50);
      const r = await hostPort(t, 'replica1');
      await caughtUp(p, r, image);
      expect((await sql(r, 'SELECT COUNT(*) AS n FROM app.events'))[0].n).toBe(committed.length);
    } finally {
      await cleanup(other);
    }
  });

  it('a replica joining a source whose dump is larger than its header starts at the snapshot, not at the start of the binary log', async () => {
    const other = `${name}b`;
    try {
      // A replica from the start: the heartbeat up writes is in the binary log before the data.
      const t = simpleTopology(other, image, { replica1: undefined });
      await up(t, { progress: 'silent' });
      const p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE bulk');
      await sql(p, 'CREATE TABLE bulk.t (id INT PRIMARY KEY, v CHAR(200))');
      // About 20 MiB: far past the first 64 KiB of the dump (MariaDB writes its GTID position at the end).
      const DIGITS =
        '(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
      await sql(
        p,
        `INSERT INTO bulk.t SELECT a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n, REPEAT('v', 200) FROM ${[...'abcde'].map((x) => `${DIGITS} ${x}`).join(', ')}`,
      );
      fs.writeFileSync(t.file, `${fs.readFileSync(t.file, 'utf8').trimEnd()}\n  replica2:\n    role: replica\n`);
      // Started at the beginning, the replica would apply the first heartbeat again: error 1062.
      const r = await up(loadTopology(t.file, { env: ENV }), { progress: 'silent' });
      expect(r.nodes.find((n) => n.name === 'replica2')!.heartbeatLagMs).toBeGreaterThanOrEqual(0);
      const port = await hostPort(t, 'replica2');
      await caughtUp(p, port, image);
      expect((await sql(port, 'SELECT COUNT(*) AS n FROM bulk.t'))[0].n).toBe(100000);
    } finally {
      await cleanup(other);
    }
  });
});
