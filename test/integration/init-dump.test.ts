import * as fs from 'node:fs';
import * as path from 'node:path';
import { up } from '../../src';
import { cleanup, hostPort, IMAGES, requireEngine, sql, topology, uniqueName, caughtUp } from './harness';

beforeAll(requireEngine);

const DUMP = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'dump-with-routines.sql'), 'utf8');

const withInit = (name: string, image: string, files: string[]) => `version: 1
name: ${name}
image: ${image}
credentials:
  root_password: \${MYSQL_ROOT_PASSWORD}
  replication_password: \${MYSQL_REPLICATION_PASSWORD}
init: [${files.join(', ')}]
nodes:
  primary:
    role: primary
  replica1:
    role: replica
`;

describe.each(IMAGES)("init: files run by the server's own client, on %s", (image) => {
  const name = uniqueName('dump');
  const broken = uniqueName('dumpbad');
  afterAll(async () => {
    await cleanup(name);
    await cleanup(broken);
  });

  it('loads a real dump (executable comments, partitions, a trigger, a procedure) and replicates all of it', async () => {
    const t = topology(withInit(name, image, ['dump.sql']), { 'dump.sql': DUMP });
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    const r = await hostPort(t, 'replica1');
    await caughtUp(p, r, image);
    for (const port of [p, r]) {
      expect(await sql(port, 'SELECT total FROM dumped.orders ORDER BY total')).toEqual([{ total: 5 }, { total: 10 }]);
      expect(await sql(port, 'SELECT note FROM dumped.audit ORDER BY id')).toEqual([{ note: 'order 5' }, { note: 'order 10' }]);
      const parts = await sql(
        port,
        "SELECT PARTITION_NAME AS p FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = 'dumped' AND TABLE_NAME = 'orders' ORDER BY PARTITION_ORDINAL_POSITION",
      );
      expect(parts.map((x) => x.p)).toEqual(['p2025', 'pmax']);
      const routines = await sql(port, "SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'dumped'");
      expect(routines).toEqual([{ n: 'add_order' }]);
      const triggers = await sql(port, "SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'dumped'");
      expect(triggers).toEqual([{ n: 'orders_audit' }]);
    }
  });

  it('a failing file is reported with its file and line, and runs again on the next up', async () => {
    const t = topology(withInit(broken, image, ['bad.sql']), { 'bad.sql': 'CREATE DATABASE ok_so_far;\n\nSELEC oops;\n' });
    const error = await up(t, { progress: 'silent' }).catch((e) => e);
    expect(String(error.message)).toMatch(
      new RegExp(`^init SQL failed: ${t.file.replace('replikit.yaml', 'bad.sql').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: error 1064: `),
    );
    expect(error.hint).toMatch(/run again on the next up/);
  });
});
