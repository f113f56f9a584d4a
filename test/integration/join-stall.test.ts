import * as fs from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { loadTopology, up } from '../../src';
import { cleanup, ENV, hostPort, IMAGES, leftovers, requireEngine, ROOT_PASSWORD, simpleTopology, sql, uniqueName } from './harness';

beforeAll(requireEngine);

// A table write-locked on the source holds MariaDB's dump at its FLUSH TABLES WITH READ LOCK.
// (On MySQL replikit itself takes that lock before listing the schemas, and waits for it with
// lock_wait_timeout instead: this stall cannot be made the same way there.)
describe.each(IMAGES.filter((i) => /mariadb/.test(i)))('a snapshot stream that stops, on %s', (image) => {
  const name = uniqueName('stall');
  afterAll(() => cleanup(name));

  it('fails the join after the stall time with the cause, instead of hanging, and removes the new node', async () => {
    const t = simpleTopology(name, image, {});
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    await sql(p, 'CREATE DATABASE app');
    await sql(p, 'CREATE TABLE app.t (id INT PRIMARY KEY)');
    const holder = await createConnection({ host: '127.0.0.1', port: p, user: 'root', password: ROOT_PASSWORD });
    await holder.query('LOCK TABLES app.t WRITE');
    try {
      fs.writeFileSync(t.file, `${fs.readFileSync(t.file, 'utf8')}  replica1:\n    role: replica\n`);
      const started = Date.now();
      const error = await up(loadTopology(t.file, { env: ENV }), { progress: 'silent', snapshotStallMs: 3000 }).catch((e) => e);
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(String(error.message)).toMatch(/^primary: the snapshot stream sent nothing for 3 s/);
      expect(error.hint).toMatch(/a lock on the source may hold the dump/);
    } finally {
      await holder.end();
    }
    expect((await leftovers(name)).containers).toEqual([`${name}-primary`]);
  });
});
