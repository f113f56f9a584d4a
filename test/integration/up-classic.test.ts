import { guessImageVersion, parseServerVersion } from '../../src/flavors';
import * as path from 'node:path';
// The library API, as CI jobs use it.
import { down, loadTopology, status, up } from '../../src';
import {
  binlogPosition,
  cleanup,
  docker,
  ENV,
  IMAGES,
  leftovers,
  REPL_PASSWORD,
  requireEngine,
  ROOT_PASSWORD,
  sql,
  topology,
} from './harness';
import * as fs from 'node:fs';

const CLASSIC = path.join(__dirname, '..', '..', 'configs', 'classic.yaml');

/**
 * The classic two-node example of the manual procedure, as shipped in configs/, on each real
 * server version: replication verified by SQL, idempotent up, a replica that joins later with
 * the data, secrets kept out of docker inspect, and down --volumes leaving nothing.
 */
describe.each(IMAGES)('classic topology on %s', (image) => {
  const t = loadTopology(CLASSIC, { env: { ...ENV, REPLIKIT_IMAGE: image } });
  beforeAll(requireEngine);
  beforeAll(() => cleanup(t.name));
  afterAll(() => cleanup(t.name));

  it('comes up verified and replicates a Chinese row intact', async () => {
    const result = await up(t, { progress: 'silent' });
    expect(result.changed).toBe(true);
    expect(result.nodes.map((n) => [n.name, n.role, n.port])).toEqual([
      ['primary', 'primary', 3307],
      ['replica1', 'replica', 3308],
    ]);
    expect(result.nodes[1].heartbeatLagMs).toBeGreaterThanOrEqual(0);

    await sql(3307, 'CREATE DATABASE shop');
    await sql(3307, 'CREATE TABLE shop.users (id INT PRIMARY KEY, name VARCHAR(20)) DEFAULT CHARSET=utf8mb4');
    await sql(3307, "INSERT INTO shop.users VALUES (2, '张三'), (3, '🙂')");
    let rows: { id: number; name: string }[] = [];
    for (let i = 0; i < 50 && rows.length < 2; i++) {
      rows = await sql<{ id: number; name: string }>(3308, 'SELECT id, name FROM shop.users ORDER BY id').catch(() => []);
      if (rows.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([
      { id: 2, name: '张三' },
      { id: 3, name: '🙂' },
    ]);
    const [hex] = await sql(3308, 'SELECT HEX(name) AS h FROM shop.users WHERE id = 2');
    expect(hex.h).toBe('E5BCA0E4B889');
  });

  it('has replicas that refuse application writes, with server ids from the file', async () => {
    const [r] = await sql(3308, 'SELECT @@server_id AS id, @@read_only AS ro');
    expect(r).toEqual({ id: 102, ro: 1 });
    const [p] = await sql(3307, 'SELECT @@server_id AS id, @@read_only AS ro');
    expect(p).toEqual({ id: 101, ro: 0 });
  });

  it('reports both threads running in status, as JSON-ready data', async () => {
    const s = await status(t, docker);
    expect(s.healthy).toBe(true);
    const replica = s.nodes.find((n) => n.node === 'replica1')!;
    expect(replica).toMatchObject({ role: 'replica', state: 'running', source: 'primary', io: 'Yes', sql: 'Yes', lastError: '' });
    // MySQL counts from the event's timestamp in whole seconds: 1 just after the heartbeat is usual.
    expect(replica.secondsBehind).toBeLessThanOrEqual(1);
    // The version the server reports, of the flavour the image was found to run.
    expect(parseServerVersion(replica.version!).flavor).toBe(guessImageVersion(image).flavor);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('changes nothing when run again', async () => {
    const before = await Promise.all(['primary', 'replica1'].map((n) => docker.inspect(`classic-${n}`)));
    const [beats] = await sql(3307, 'SELECT COUNT(*) AS n FROM replikit.heartbeat');
    const binlog = await binlogPosition(image, 3307);
    const again = await up(t, { progress: 'silent' });
    expect(again.changed).toBe(false);
    expect(again.changes).toEqual([]);
    const after = await Promise.all(['primary', 'replica1'].map((n) => docker.inspect(`classic-${n}`)));
    expect(after.map((c) => [c!.Id, c!.State.StartedAt])).toEqual(before.map((c) => [c!.Id, c!.State.StartedAt]));
    const [beatsAfter] = await sql(3307, 'SELECT COUNT(*) AS n FROM replikit.heartbeat');
    expect(beatsAfter.n).toBe(beats.n);
    // Not a single event written to the primary's binary log.
    const binlogAfter = await binlogPosition(image, 3307);
    expect(binlogAfter).toEqual(binlog);
  });

  it('keeps passwords out of docker inspect and binds no host path', async () => {
    for (const c of await docker.containers('classic')) {
      const info = await docker.inspect(c.name);
      const text = JSON.stringify(info);
      expect(text).not.toContain(ROOT_PASSWORD);
      expect(text).not.toContain(JSON.stringify(ROOT_PASSWORD).slice(1, -1));
      expect(text).not.toContain(JSON.stringify(REPL_PASSWORD).slice(1, -1));
      expect(info!.HostConfig.Binds ?? []).toEqual([]);
      expect(info!.Mounts.every((m) => m.Type === 'volume')).toBe(true);
      expect(info!.HostConfig.Privileged).toBe(false);
      expect(info!.HostConfig.PortBindings['3306/tcp'][0].HostIp).toBe('127.0.0.1');
    }
  });

  it('adds a replica from the edited file without touching the others, and it gets the existing data', async () => {
    const grown = fs.readFileSync(CLASSIC, 'utf8') + '  replica2:\n    role: replica\n    port: 3309\n';
    const t2 = topology(grown.replace(/image: .*/, `image: ${image}`));
    const before = await docker.inspect('classic-replica1');
    const result = await up(t2, { progress: 'silent' });
    expect(result.changes.join('\n')).toMatch(
      /connect-replica replica2: [^;]*; loaded a snapshot of replikit, shop \(\d+\.\d MiB\) from primary/,
    );
    expect(result.changes.join('\n')).not.toMatch(/replica1/);
    expect((await docker.inspect('classic-replica1'))!.State.StartedAt).toBe(before!.State.StartedAt);
    const rows = await sql(3309, 'SELECT id, name FROM shop.users ORDER BY id');
    expect(rows).toEqual([
      { id: 2, name: '张三' },
      { id: 3, name: '🙂' },
    ]);
    await sql(3307, "INSERT INTO shop.users VALUES (4, '李四')");
    await new Promise((r) => setTimeout(r, 500));
    expect(await sql(3309, 'SELECT name FROM shop.users WHERE id = 4')).toEqual([{ name: '李四' }]);
  });

  it('down --volumes leaves no container, network or volume behind', async () => {
    const removed = await down('classic', { volumes: true, docker });
    expect(removed.containers.sort()).toEqual(['classic-primary', 'classic-replica1', 'classic-replica2']);
    expect(removed.volumes.sort()).toEqual(['classic-primary-data', 'classic-replica1-data', 'classic-replica2-data']);
    expect(await leftovers('classic')).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
