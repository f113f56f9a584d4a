import * as fs from 'node:fs';
// The library API, as CI jobs use it.
import { formatStatus, loadTopology, status, switchover, up } from '../../src';
import { dialectFor, guessImageVersion } from '../../src/flavors';
import {
  binlogPosition,
  caughtUp,
  checksum,
  dialectOf,
  pause,
  replicaStatusOf,
  whileWriting,
  cleanup,
  docker,
  ENV,
  hostPort,
  IMAGES,
  requireEngine,
  ROOT_PASSWORD,
  simpleTopology,
  sql,
  startWriter,
  topology,
  uniqueName,
  readOnlyGlobals,
} from './harness';

beforeAll(requireEngine);

/** Polls a replica until a query returns what the test expects (replication is asynchronous). */
async function eventually<T>(read: () => Promise<T>, expected: T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read().catch(() => undefined);
    if (JSON.stringify(last) === JSON.stringify(expected)) return last as T;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last as T;
}

/** Every suite runs on every image of the matrix: MariaDB 10.11, MariaDB 11.8, MySQL 9.7. */
describe.each(IMAGES)('on %s', (image) => {
  describe('a three-level chain', () => {
    const name = uniqueName('chain');
    afterAll(() => cleanup(name));

    it('carries a row written on the primary to the bottom, and status shows the tree', async () => {
      const t = simpleTopology(name, image, { relay: undefined, middle: 'relay', leaf: 'middle' });
      const result = await up(t, { progress: 'silent' });
      expect(result.nodes.map((n) => `${n.name}<-${n.source ?? ''}`)).toEqual([
        'primary<-',
        'relay<-primary',
        'middle<-relay',
        'leaf<-middle',
      ]);
      const p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(10))');
      await sql(p, "INSERT INTO app.t VALUES (1, 'deep')");
      const leaf = await hostPort(t, 'leaf');
      expect(await eventually(() => sql(leaf, 'SELECT v FROM app.t'), [{ v: 'deep' }])).toEqual([{ v: 'deep' }]);

      const s = await status(t, docker);
      expect(s.nodes.map((n) => [n.node, n.depth, n.source ?? '-'])).toEqual([
        ['primary', 0, '-'],
        ['relay', 1, 'primary'],
        ['middle', 2, 'relay'],
        ['leaf', 3, 'middle'],
      ]);
      expect(
        formatStatus(s)
          .split('\n')
          .map((l) => /^\s*(?:└ )?\S+/.exec(l)![0]),
      ).toEqual(['NODE', 'primary', '└ relay', '  └ middle', '    └ leaf']);
    });
  });

  describe("the manual procedure's own my.cnf settings", () => {
    const name = uniqueName('seedcnf');
    afterAll(() => cleanup(name));

    it('key for key come up replicating, the binary and relay logs named as the file says', async () => {
      // docs/manual-procedure.md, steps 2 and 5, as mysqld: settings of each node.
      const common =
        '      binlog-ignore-db: mysql\n      binlog_cache_size: 1M\n      binlog_format: mixed\n      expire_logs_days: 7\n      slave_skip_errors: 1062\n';
      const t = simpleTopology(name, image, { replica1: undefined }, '', {
        primary: `    mysqld:\n      server_id: 101\n      log-bin: mall-mysql-bin\n${common}`,
        replica1: `    mysqld:\n      server_id: 102\n      log-bin: mall-mysql-slave1-bin\n${common}      relay_log: mall-mysql-relay-bin\n      log_slave_updates: 1\n      read_only: 1\n`,
      });
      await up(t, { progress: 'silent' });
      const [p, r] = [await hostPort(t, 'primary'), await hostPort(t, 'replica1')];
      const names = async (port: number) =>
        (
          await sql(port, 'SELECT @@server_id AS id, @@log_bin_basename AS bin, @@relay_log_basename AS relay, @@binlog_format AS format')
        )[0];
      const [onP, onR] = [await names(p), await names(r)];
      expect([onP.id, String(onP.bin).split('/').pop(), onP.format]).toEqual([101, 'mall-mysql-bin', 'MIXED']);
      expect([onR.id, String(onR.bin).split('/').pop(), String(onR.relay).split('/').pop()]).toEqual([
        102,
        'mall-mysql-slave1-bin',
        'mall-mysql-relay-bin',
      ]);
      expect((await binlogPosition(image, p)).file).toMatch(/^mall-mysql-bin\.\d+$/);
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(10))');
      await sql(p, "INSERT INTO app.t VALUES (1, 'seed')");
      expect(await eventually(() => sql(r, 'SELECT v FROM app.t'), [{ v: 'seed' }])).toEqual([{ v: 'seed' }]);
      expect((await status(t, docker)).healthy).toBe(true);
    });
  });

  describe('one primary and eight replicas', () => {
    const name = uniqueName('many');
    afterAll(() => cleanup(name));

    it('come up in parallel and every replica receives the heartbeat', async () => {
      const replicas = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`replica${i + 1}`, undefined]));
      const result = await up(simpleTopology(name, image, replicas), { progress: 'silent', startTimeoutMs: 300_000 });
      const withHeartbeat = result.nodes.filter((n) => n.role === 'replica' && n.heartbeatLagMs !== undefined);
      expect(withHeartbeat).toHaveLength(8);
      expect(new Set(result.nodes.map((n) => n.port)).size).toBe(9);
      expect((await status(simpleTopology(name, image, replicas), docker)).healthy).toBe(true);
    }, 600_000);
  });

  describe('GTID mode', () => {
    const name = uniqueName('gtid');
    afterAll(() => cleanup(name));

    it('replicates by GTID, and a replica added later joins from a snapshot at its GTID position', async () => {
      const t = simpleTopology(name, image, { replica1: undefined }, 'replication:\n  mode: gtid\n');
      await up(t, { progress: 'silent' });
      const p = await hostPort(t, 'primary');
      const r1 = await hostPort(t, 'replica1');
      const d = await dialectOf(image);
      expect(d.usingGtid(await replicaStatusOf(image, r1))).toBe(true);
      for (const setting of Object.keys(d.gtidSettings())) {
        expect(String((await sql(r1, `SELECT @@GLOBAL.${setting} AS s`))[0].s)).toMatch(/^(1|ON)$/);
      }
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
      await sql(p, 'INSERT INTO app.t (v) VALUES (1), (2), (3)');

      const t2 = simpleTopology(name, image, { replica1: undefined, replica2: undefined }, 'replication:\n  mode: gtid\n');
      const result = await up(t2, { progress: 'silent' });
      expect(result.changes.join('\n')).toMatch(/connect-replica replica2: [^;]*; loaded a snapshot .*\(GTID \S+\)/);
      await sql(p, 'INSERT INTO app.t (v) VALUES (4)');
      const r2 = await hostPort(t2, 'replica2');
      await caughtUp(p, r2, image);
      expect(await checksum(r2, 'app.t')).toEqual(await checksum(p, 'app.t'));
      expect(d.usingGtid(await replicaStatusOf(image, r2))).toBe(true);
    });
  });

  describe('joining a primary that keeps writing', () => {
    const name = uniqueName('join');
    afterAll(() => cleanup(name));

    it('ends with exactly the primary rows on the newcomer: nothing lost, nothing twice', async () => {
      const t = simpleTopology(name, image, { replica1: undefined });
      await up(t, { progress: 'silent' });
      const p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(50)) ENGINE=InnoDB');
      const t2 = simpleTopology(name, image, { replica1: undefined, replica2: undefined });
      const { result, committed } = await whileWriting(startWriter(p, 'app.events'), async () => {
        await pause(1000);
        const r = await up(t2, { progress: 'silent' });
        await pause(1000);
        return r;
      });
      expect(result.changes.join('\n')).toMatch(
        /connect-replica replica2: [^;]*; loaded a snapshot of app, replikit \(\d+\.\d MiB\) from primary/,
      );
      expect(committed.length).toBeGreaterThan(50);

      const r2 = await hostPort(t2, 'replica2');
      await caughtUp(p, r2, image);
      const primary = await checksum(p, 'app.events');
      expect(primary.rows).toBe(committed.length);
      expect(await checksum(r2, 'app.events')).toEqual(primary);
      const [dupes] = await sql(r2, 'SELECT COUNT(*) - COUNT(DISTINCT payload) AS d FROM app.events');
      expect(Number(dupes.d)).toBe(0);
      // It joined as read-only as its my.cnf says (on MySQL, super_read_only was lifted for the load only).
      const ro = await readOnlyGlobals(image, r2, true);
      expect(ro.actual).toEqual(ro.expected);
    });
  });

  describe('switchover', () => {
    const name = uniqueName('switch');
    afterAll(() => cleanup(name));

    it('moves the primary role under a steady writer without losing a committed row', async () => {
      const t = simpleTopology(name, image, { replica1: undefined, replica2: undefined });
      await up(t, { progress: 'silent' });
      const [p, r1, r2] = await Promise.all(['primary', 'replica1', 'replica2'].map((n) => hostPort(t, n)));
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(50)) ENGINE=InnoDB');
      // An application account: read_only binds it, as it binds every account without admin rights.
      await sql(p, "CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'");
      await sql(p, "GRANT SELECT, INSERT ON app.* TO 'app'@'%'");
      await caughtUp(p, r1, image);

      const writer = startWriter(p, 'app.events', 'app', 'app-pw');
      const { result, committed } = await whileWriting(writer, async () => {
        await pause(1000);
        const r = await switchover(t, 'replica1', { progress: 'silent', write: true });
        writer.retarget(r1);
        await pause(1000);
        return r;
      });

      expect(result).toMatchObject({ oldPrimary: 'primary', newPrimary: 'replica1', written: true });
      expect(result.repointed.sort()).toEqual(['primary', 'replica2']);
      expect((await sql(r1, 'SELECT @@read_only AS ro'))[0].ro).toBe(0);
      expect((await sql(p, 'SELECT @@read_only AS ro'))[0].ro).toBe(1);

      const newPrimary = await checksum(r1, 'app.events');
      expect(newPrimary.rows).toBe(committed.length);
      const ids = (await sql(r1, 'SELECT id FROM app.events')).map((r) => Number(r.id));
      expect(new Set(ids)).toEqual(new Set(committed));
      for (const other of [p, r2]) {
        await caughtUp(r1, other, image);
        expect(await checksum(other, 'app.events')).toEqual(newPrimary);
      }

      // The file now says what runs; up converges to it and verifies.
      const edited = loadTopology(t.file, { env: ENV });
      expect(edited.nodes.map((n) => `${n.name}:${n.role}:${n.source ?? '-'}`).sort()).toEqual([
        'primary:replica:replica1',
        'replica1:primary:-',
        'replica2:replica:replica1',
      ]);
      const again = await up(edited, { progress: 'silent' });
      expect(
        again.nodes
          .filter((n) => n.heartbeatLagMs !== undefined)
          .map((n) => n.name)
          .sort(),
      ).toEqual(['primary', 'replica2']);
      expect((await status(edited, docker)).healthy).toBe(true);
    });
  });

  // Root is bound by read-only only where the server can bind it (MySQL's super_read_only); on
  // MariaDB root holds READ ONLY ADMIN, so an admin writer cannot be stopped (README says so).
  const bindsRoot = dialectFor(guessImageVersion(image)).adminWritable() !== undefined;
  describe('switchover under an admin (root) writer', () => {
    const name = uniqueName('switchroot');
    afterAll(() => cleanup(name));

    (bindsRoot ? it.skip : it)('(MariaDB) read-only replicas do not bind root, as README says', async () => {
      const t = simpleTopology(name, image, { replica1: undefined });
      await up(t, { progress: 'silent' });
      const r1 = await hostPort(t, 'replica1');
      expect((await sql(r1, 'SELECT @@read_only AS ro'))[0].ro).toBe(1);
      await sql(r1, 'CREATE DATABASE written_by_root_on_a_replica');
      expect(await sql(r1, "SHOW DATABASES LIKE 'written_by_root_on_a_replica'")).toHaveLength(1);
    });

    (bindsRoot ? it : it.skip)('(MySQL) loses no row the root account committed', async () => {
      const t = simpleTopology(name, image, { replica1: undefined });
      await up(t, { progress: 'silent' });
      const [p, r1] = await Promise.all(['primary', 'replica1'].map((n) => hostPort(t, n)));
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(50)) ENGINE=InnoDB');
      await caughtUp(p, r1, image);
      const writer = startWriter(p, 'app.events', 'root', ROOT_PASSWORD);
      const { committed } = await whileWriting(writer, async () => {
        await pause(1000);
        const r = await switchover(t, 'replica1', { progress: 'silent' });
        writer.retarget(r1);
        await pause(1000);
        return r;
      });
      expect(committed.length).toBeGreaterThan(50);
      const ids = (await sql(r1, 'SELECT id FROM app.events')).map((r) => Number(r.id));
      expect(new Set(ids)).toEqual(new Set(committed));
      await caughtUp(r1, p, image);
      expect(await checksum(p, 'app.events')).toEqual(await checksum(r1, 'app.events'));
    });
  });

  describe('seeding with init: files', () => {
    const name = uniqueName('seed');
    afterAll(() => cleanup(name));

    it('runs them once on the primary and replicates them to every replica', async () => {
      const yaml = fs
        .readFileSync(`${__dirname}/../../configs/seeded.yaml`, 'utf8')
        .replace('name: seeded', `name: ${name}`)
        .replace(/ port: \d+,?/g, '')
        .replace(/image: .*/, `image: ${image}`);
      const t = topology(yaml.replace(/seed\//g, ''), {
        'schema.sql': fs.readFileSync(`${__dirname}/../../configs/seed/schema.sql`, 'utf8'),
        'fixtures.sql': fs.readFileSync(`${__dirname}/../../configs/seed/fixtures.sql`, 'utf8'),
      });
      const first = await up(t, { progress: 'silent' });
      expect(first.changes.join('\n')).toMatch(/run-init primary: /);
      const r = await hostPort(t, 'replica1');
      const rows = await eventually(
        () => sql(r, 'SELECT name FROM shop.customers ORDER BY id'),
        [{ name: '张三' }, { name: 'Zoë' }, { name: '🙂' }],
      );
      expect(rows).toEqual([{ name: '张三' }, { name: 'Zoë' }, { name: '🙂' }]);
      const p = await hostPort(t, 'primary');
      const before = await binlogPosition(image, p);
      const again = await up(t, { progress: 'silent' });
      expect(again.changed).toBe(false);
      expect(await binlogPosition(image, p)).toEqual(before);
      expect((await sql(p, 'SELECT COUNT(*) AS n FROM shop.customers'))[0].n).toBe(3);
    });
  });

  describe('a primary volume kept from an earlier run', () => {
    const name = uniqueName('kept');
    afterAll(() => cleanup(name));

    it('gives a fresh replica the existing data before it replicates', async () => {
      const t = simpleTopology(name, image, { replica1: undefined });
      await up(t, { progress: 'silent' });
      let p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.kept (id INT PRIMARY KEY, v VARCHAR(10))');
      await sql(p, "INSERT INTO app.kept VALUES (1, 'old')");
      await docker.remove(`${name}-primary`);
      await docker.remove(`${name}-replica1`);
      await docker.removeVolume(`${name}-replica1-data`);

      const result = await up(t, { progress: 'silent' });
      expect(result.changes.join('\n')).toMatch(
        /connect-replica replica1: [^;]*; loaded a snapshot of app, replikit \(\d+\.\d MiB\) from primary/,
      );
      p = await hostPort(t, 'primary');
      const r = await hostPort(t, 'replica1');
      expect(await sql(r, 'SELECT v FROM app.kept')).toEqual([{ v: 'old' }]);
      await sql(p, "INSERT INTO app.kept VALUES (2, 'new')");
      await caughtUp(p, r, image);
      expect(await checksum(r, 'app.kept')).toEqual(await checksum(p, 'app.kept'));
    });
  });
});
