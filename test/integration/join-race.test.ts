import * as fs from 'node:fs';
import { loadTopology, up } from '../../src';
import { caughtUp, cleanup, ENV, hostPort, IMAGES, requireEngine, simpleTopology, sql, uniqueName } from './harness';

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
});
