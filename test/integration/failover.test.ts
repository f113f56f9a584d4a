import * as fs from 'node:fs';
import { down, failover, loadTopology, plan, status, up, verify, watch, WatchEvent } from '../../src';
import { containerName } from '../../src/names';
import type { Topology } from '../../src/topology/types';
import {
  cleanup,
  docker,
  ENV,
  hostPort,
  IMAGES,
  pause,
  replicaStatusOf,
  requireEngine,
  simpleTopology,
  sql,
  startWriter,
  uniqueName,
} from './harness';

beforeAll(requireEngine);

const GTID = 'replication:\n  mode: gtid\n';
/** A primary that dies: SIGKILL, and kept down (its restart policy may have started it again already). */
async function kill(t: { name: string }, node: string): Promise<void> {
  const c = docker.docker.getContainer(containerName(t, node));
  await c.kill({ signal: 'SIGKILL' });
  await c.stop({ t: 1 }).catch(() => undefined);
}
/** Whether the primary's commits wait for a replica (semi-sync's source side is on and has not fallen back). */
const semiSyncOn = async (port: number) =>
  String(
    (await sql(port, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_source_status', 'Rpl_semi_sync_master_status')"))[0]?.Value,
  );
/** The topology up, with a table app.t on its primary; resolves the primary's port. */
async function upWithTable(t: Topology): Promise<number> {
  await up(t, { progress: 'silent' });
  const p = await hostPort(t, 'primary');
  await sql(p, 'CREATE DATABASE app');
  await sql(p, 'CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(50))');
  return p;
}
const rows = async (port: number) => (await sql(port, 'SELECT id FROM app.t ORDER BY id')).map((r) => Number(r.id));

describe.each(IMAGES)('failover, on %s', (image) => {
  const name = uniqueName('fo');
  afterAll(() => Promise.all(['', 'e', 'f', 's', 'c', 'd'].map((s) => cleanup(`${name}${s}`))));

  it('the primary killed under a writer: the replica that holds the most takes over, the other follows, up brings the old one back read-only', async () => {
    const t = simpleTopology(name, image, { replica1: undefined, replica2: undefined }, GTID);
    const p = await upWithTable(t);
    const writer = startWriter(p, 'app.t');
    await pause(1500);
    await kill(t, 'primary');
    const acked = await writer.stop();
    expect(acked.length).toBeGreaterThan(20);

    const r = await failover(t, { write: true, progress: 'silent' });
    expect([r.oldPrimary, r.fenced]).toEqual(['primary', 'stopped']);
    expect(['replica1', 'replica2']).toContain(r.newPrimary);
    const other = r.newPrimary === 'replica1' ? 'replica2' : 'replica1';
    expect(r.repointed).toEqual([other]);
    const after = loadTopology(t.file, { env: ENV });
    expect(after.nodes.find((n) => n.role === 'primary')!.name).toBe(r.newPrimary);

    const np = await hostPort(t, r.newPrimary);
    await sql(np, "INSERT INTO app.t (payload) VALUES ('after the failover')");
    expect((await replicaStatusOf(image, await hostPort(t, other))).sourceHost).toBe(containerName(t, r.newPrimary));
    // Without semi-sync, what was acknowledged but not yet shipped is lost; the new primary holds
    // nothing else than acknowledged rows, the insert in flight when the primary died, and its own.
    const kept = await rows(np);
    const lost = acked.filter((id) => !kept.includes(id));
    expect(kept.filter((id) => !acked.includes(id)).length).toBeLessThanOrEqual(2);

    // The old primary comes back. Stopped, its server is asked once up has started it.
    expect((await plan(after)).toString()).toMatch(/start-container primary: container is exited/);
    const back = await up(after, { progress: 'silent' });
    // In place when it holds nothing the new primary lacks; rebuilt, its data kept, when it holds
    // what never shipped (an acknowledged row lost, or the commit in flight when it died).
    const how = back.changes.find((c) => /^(rejoin|rebuild)-replica primary/.test(c));
    expect(how).toMatch(lost.length ? /^rebuild-replica/ : /^(rejoin|rebuild)-replica/);
    const op = await hostPort(after, 'primary');
    expect((await replicaStatusOf(image, op)).sourceHost).toBe(containerName(t, r.newPrimary));
    const [ro] = await sql(op, 'SELECT @@GLOBAL.read_only AS ro');
    expect(ro.ro).toBe(1);
    expect((await verify(after)).ok).toBe(true);
    expect((await plan(after)).empty).toBe(true);
  });

  it('semi-sync (lossless): the primary killed mid-write loses no acknowledged row; the new primary is semi-synchronous at once', async () => {
    const t = simpleTopology(`${name}s`, image, { replica1: undefined, replica2: undefined }, `${GTID}  semi_sync: true\n`);
    const p = await upWithTable(t);
    expect(await semiSyncOn(p)).toBe('ON');
    const writer = startWriter(p, 'app.t');
    await pause(1500);
    await kill(t, 'primary');
    const acked = await writer.stop();
    expect(acked.length).toBeGreaterThan(20);

    const r = await failover(t, { write: true, progress: 'silent' });
    const np = await hostPort(t, r.newPrimary);
    const kept = await rows(np);
    expect(acked.filter((id) => !kept.includes(id))).toEqual([]);
    expect(await semiSyncOn(np)).toBe('ON');
    const st = await status(loadTopology(t.file, { env: ENV }));
    expect(st.nodes.filter((n) => n.node !== 'primary').map((n) => n.semiSync)).toEqual(['ON', 'ON']);
    // The other replica acknowledges the new primary's commits: one returns at once, not after the timeout.
    const started = Date.now();
    await sql(np, "INSERT INTO app.t (payload) VALUES ('acknowledged')");
    expect(Date.now() - started).toBeLessThan(5000);
    // The edited file validates, and up brings the old primary back read-only as a replica; every node agrees.
    const after = loadTopology(t.file, { env: ENV });
    await up(after, { progress: 'silent' });
    const op = await hostPort(after, 'primary');
    expect((await replicaStatusOf(image, op)).sourceHost).toBe(containerName(t, r.newPrimary));
    expect((await sql(op, 'SELECT @@GLOBAL.read_only AS ro'))[0].ro).toBe(1);
    expect((await verify(after)).ok).toBe(true);
  });

  it('two replicas that each hold a transaction the other lacks: refused, naming both; nothing is changed', async () => {
    const t = simpleTopology(`${name}d`, image, { replica1: undefined, replica2: undefined }, GTID);
    await upWithTable(t);
    // One write on each replica directly, as root (on MySQL past super_read_only): they diverge.
    for (const node of ['replica1', 'replica2']) {
      const port = await hostPort(t, node);
      const lift = image.includes('mysql') ? ['SET GLOBAL super_read_only = OFF'] : [];
      for (const q of [
        ...lift,
        `INSERT INTO app.t (payload) VALUES ('only on ${node}')`,
        ...(lift.length ? ['SET GLOBAL super_read_only = ON'] : []),
      ])
        await sql(port, q);
    }
    await kill(t, 'primary');
    const before = fs.readFileSync(t.file, 'utf8');
    const error = await failover(t, { write: true, progress: 'silent' }).catch((e) => e);
    expect(String(error.message)).toMatch(
      /^no replica holds everything the others hold: replica1 holds \S+ \(1 transaction\(s\)\) that replica2 lacks; replica2 holds \S+ \(1 transaction\(s\)\) that replica1 lacks$/,
    );
    expect(error.hint).toMatch(/^nothing was changed/);
    expect(fs.readFileSync(t.file, 'utf8')).toBe(before);
    for (const node of ['replica1', 'replica2']) {
      const port = await hostPort(t, node);
      expect((await sql(port, 'SELECT @@GLOBAL.read_only AS ro'))[0].ro).toBe(1);
      expect((await replicaStatusOf(image, port)).sourceHost).toBe(containerName(t, 'primary'));
    }
  });

  it('1+8 with a chain (primary → replica1 → replica1a): after the primary dies every survivor replicates again, the chain kept under the new primary', async () => {
    const replicas: Record<string, string | undefined> = { replica1: undefined, replica1a: 'replica1' };
    for (let i = 2; i <= 7; i++) replicas[`replica${i}`] = undefined;
    const t = simpleTopology(`${name}c`, image, replicas, GTID);
    const p = await upWithTable(t);
    await sql(p, "INSERT INTO app.t (payload) VALUES ('before')");
    await kill(t, 'primary');

    const r = await failover(t, { write: true, progress: 'silent' });
    expect(r.repointed.sort()).toEqual(
      ['replica1', 'replica2', 'replica3', 'replica4', 'replica5', 'replica6', 'replica7'].filter((n) => n !== r.newPrimary).sort(),
    );
    const after = loadTopology(t.file, { env: ENV });
    expect(after.nodes.find((n) => n.name === 'replica1a')?.source).toBe('replica1');
    const st = await status(after);
    const survivors = st.nodes.filter((n) => n.node !== 'primary');
    expect(survivors.filter((n) => n.role === 'replica').map((n) => [n.node, n.io, n.sql])).toEqual(
      survivors.filter((n) => n.role === 'replica').map((n) => [n.node, 'Yes', 'Yes']),
    );
    expect(st.nodes.find((n) => n.node === 'replica1a')?.source).toBe('replica1');
    await sql(await hostPort(after, r.newPrimary), "INSERT INTO app.t (payload) VALUES ('after')");
    expect((await verify(after)).problems.filter((x) => !x.startsWith('primary'))).toEqual([]);
  });

  it('transactions the old primary wrote that no replica received: named, never merged; up rebuilds it and keeps its former data in a volume down removes', async () => {
    const t = simpleTopology(`${name}e`, image, { replica1: undefined }, GTID);
    const p = await upWithTable(t);
    const r1 = await hostPort(t, 'replica1');
    await pause(300);
    // The replica stops receiving; three more commits stay on the primary alone.
    await sql(r1, image.includes('mysql') ? 'STOP REPLICA IO_THREAD' : 'STOP SLAVE IO_THREAD');
    for (let i = 0; i < 3; i++) await sql(p, "INSERT INTO app.t (payload) VALUES ('errant')");
    await kill(t, 'primary');

    await failover(t, { write: true, progress: 'silent' });
    const after = loadTopology(t.file, { env: ENV });
    // Started by hand, it is read-only, and status names what it holds that replica1 lacks.
    await docker.start(containerName(t, 'primary'));
    const op = await hostPort(after, 'primary');
    await waitAnswers(op);
    expect((await sql(op, 'SELECT @@GLOBAL.read_only AS ro'))[0].ro).toBe(1);
    const st = await status(after);
    expect(st.nodes.find((n) => n.node === 'primary')?.errant?.count).toBe(3);
    expect(st.healthy).toBe(false);

    const planned = (await plan(after)).of('rebuild-replica');
    expect(planned.map((o) => o.cause)).toEqual([
      expect.stringMatching(/^holds \S+ \(3 transaction\(s\)\) that replica1 never received \(errant/),
    ]);
    const keep = planned[0].keep;
    const result = await up(after, { progress: 'silent' });
    expect(result.changes.join('\n')).toContain(`its former data kept in volume ${keep}`);
    const rebuilt = await hostPort(after, 'primary');
    expect((await replicaStatusOf(image, rebuilt)).sourceHost).toBe(containerName(t, 'replica1'));
    expect((await sql(rebuilt, "SELECT COUNT(*) AS n FROM app.t WHERE payload = 'errant'"))[0].n).toBe(0);
    const healthy = await status(after);
    expect(healthy.healthy).toBe(true);
    expect((await verify(after)).ok).toBe(true);
    // The kept volume holds the former data directory, the table with the three rows among it.
    const kept = await docker.docker.getVolume(keep).inspect();
    expect(kept.Labels?.['io.replikit.kept-from']).toBe('primary');
    const listing = await docker.runOnce({ image, script: 'ls /kept/app', mounts: [{ Type: 'volume', Source: keep, Target: '/kept' }] });
    expect(listing.output).toMatch(/^t\.ibd$/m);
    expect((await down(after, { volumes: true })).volumes).toContain(keep);
  });

  it('a primary that answers is not failed over from; --force fences it: read-only, stopped, a write to it fails', async () => {
    const t = simpleTopology(`${name}f`, image, { replica1: undefined }, GTID);
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    const refused = await failover(t, { progress: 'silent' }).catch((e) => e);
    expect(String(refused.message)).toBe('primary answers: it is not failed over from');
    expect(refused.hint).toMatch(/replikit switchover NODE/);
    expect((await replicaStatusOf(image, await hostPort(t, 'replica1'))).sourceHost).toBe(containerName(t, 'primary'));

    const r = await failover(t, { force: true, write: true, progress: 'silent' });
    expect([r.newPrimary, r.fenced]).toEqual(['replica1', 'stopped']);
    expect((await docker.inspect(containerName(t, 'primary')))?.State.Running).toBe(false);
    await expect(sql(p, 'CREATE DATABASE nope')).rejects.toThrow();
    // Started again by hand, it is read-only before anyone can write.
    await docker.start(containerName(t, 'primary'));
    const op = await hostPort(t, 'primary');
    await waitAnswers(op);
    expect((await sql(op, 'SELECT @@GLOBAL.read_only AS ro'))[0].ro).toBe(1);
  });
});

async function waitAnswers(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (
      await sql(port, 'SELECT 1').then(
        () => true,
        () => false,
      )
    )
      return;
    await pause(200);
  }
  throw new Error(`nothing answers on ${port}`);
}

describe.each(IMAGES)('watch, on %s', (image) => {
  const name = uniqueName('watch');
  afterAll(() => cleanup(name));

  it('a paused primary shorter than the grace period causes no failover; a killed one is replaced by a writable primary within 10 s', async () => {
    const t = simpleTopology(name, image, { replica1: undefined, replica2: undefined }, `${GTID}  semi_sync: true\n`);
    await up(t, { progress: 'silent' });
    const events: WatchEvent[] = [];
    const stop = new AbortController();
    const watching = watch(t, { failoverAfterMs: 3000, intervalMs: 250, signal: stop.signal, onEvent: (e) => events.push(e) });
    try {
      const primary = docker.docker.getContainer(containerName(t, 'primary'));
      await pause(1000);
      await primary.pause();
      await pause(2500);
      await primary.unpause();
      await pause(1500);
      expect(events.filter((e) => e.event.startsWith('failover'))).toEqual([]);

      const killedAt = Date.now();
      await kill(t, 'primary');
      let done: WatchEvent | undefined;
      for (let i = 0; i < 100 && !done; i++) {
        await pause(100);
        done = events.find((e) => e.event === 'failover' || e.event === 'failover-failed');
      }
      expect(done).toMatchObject({ event: 'failover', from: 'primary' });
      const to = (done as Extract<WatchEvent, { event: 'failover' }>).to;
      await sql(await hostPort(t, to), 'CREATE DATABASE after_watch');
      expect(Date.now() - killedAt).toBeLessThan(10_000);
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['watching', 'primary-unreachable', 'primary-dead', 'failover']));
      expect(loadTopology(t.file, { env: ENV }).nodes.find((n) => n.role === 'primary')!.name).toBe(to);
    } finally {
      stop.abort();
      await watching;
    }
  });
});
