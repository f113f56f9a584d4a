import { createConnection } from 'mysql2/promise';
import { up, verify } from '../../src';
import { caughtUp, cleanup, dialectOf, hostPort, IMAGES, requireEngine, ROOT_PASSWORD, simpleTopology, sql, uniqueName } from './harness';

beforeAll(requireEngine);

const DIGITS =
  '(SELECT 0 AS n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';

describe.each(IMAGES)('verify by primary-key chunks, on %s', (image) => {
  const name = uniqueName('chunk');
  const t = simpleTopology(name, image, { replica1: undefined });
  afterAll(() => cleanup(name));

  /** A statement run on the replica alone, as a careless admin would: not binlogged, read-only lifted. */
  async function onReplicaOnly(statement: string) {
    const d = await dialectOf(image);
    const conn = await createConnection({ host: '127.0.0.1', port: await hostPort(t, 'replica1'), user: 'root', password: ROOT_PASSWORD });
    try {
      const w = d.adminWritable();
      if (w) for (const s of w.lift) await conn.query(s);
      await conn.query('SET SESSION sql_log_bin = 0');
      await conn.query(statement);
      if (w) for (const s of w.restore) await conn.query(s);
    } finally {
      await conn.end();
    }
  }

  it("finds a changed, a deleted and an extra row on the replica, each with its chunk's key range; a table without a key whole", async () => {
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    await sql(p, 'CREATE DATABASE app');
    await sql(p, 'CREATE TABLE app.items (id INT PRIMARY KEY, v VARCHAR(20) NULL)');
    await sql(
      p,
      `INSERT INTO app.items (id, v) SELECT 1 + a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n, CONCAT('v', a.n) FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} d, ${DIGITS} e WHERE e.n < 3`,
    );
    await sql(p, 'CREATE TABLE app.nokey (v INT)');
    await sql(p, 'INSERT INTO app.nokey VALUES (1), (2), (3)');
    await caughtUp(p, await hostPort(t, 'replica1'), image);

    const clean = await verify(t);
    expect(clean.problems).toEqual([]);
    const items = clean.tables.find((x) => x.table === '`app`.`items`')!;
    expect([items.result, items.rows, items.chunks]).toEqual(['equal', 30000, 4]);
    expect(clean.tables.find((x) => x.table === '`app`.`nokey`')!.result).toBe('equal');

    const cases: [string, string, string, string][] = [
      [
        'changed',
        "UPDATE app.items SET v = 'changed' WHERE id = 12345",
        "UPDATE app.items SET v = 'v4' WHERE id = 12345",
        '`id` > 10000 AND `id` <= 20000 (primary has 10000 rows there, replica1 10000)',
      ],
      [
        'deleted',
        'DELETE FROM app.items WHERE id = 25000',
        "INSERT INTO app.items VALUES (25000, 'v9')",
        '`id` > 20000 AND `id` <= 30000 (primary has 10000 rows there, replica1 9999)',
      ],
      [
        'extra',
        "INSERT INTO app.items VALUES (30001, 'extra')",
        'DELETE FROM app.items WHERE id = 30001',
        '`id` > 30000 (primary has 0 rows there, replica1 1)',
      ],
      ['no key', 'DELETE FROM app.nokey WHERE v = 2', 'INSERT INTO app.nokey VALUES (2)', ''],
    ];
    for (const [what, diverge, restore, range] of cases) {
      await onReplicaOnly(diverge);
      const v = await verify(t);
      if (range) expect([what, v.problems]).toEqual([what, [`replica1: table \`app\`.\`items\` is different where ${range}`]]);
      else
        expect([what, v.problems]).toEqual([
          what,
          [expect.stringMatching(/^replica1: table `app`.`nokey` is different \(checksum \d+, primary has \d+\)$/)],
        ]);
      await onReplicaOnly(restore);
      expect([what, (await verify(t)).problems]).toEqual([what, []]);
    }
  });
});
