import * as fs from 'node:fs';
import { loadTopology, plan, switchover, up, verify } from '../../src';
import type { Topology } from '../../src';
import { MYCNF_PATH } from '../../src/render/mycnf';
import {
  answers,
  caughtUp,
  dialectOf,
  cleanup,
  docker,
  ENV,
  hostPort,
  IMAGES,
  readOnlyGlobals,
  REPL_PASSWORD,
  requireEngine,
  replicaStatusOf,
  simpleTopology,
  sql,
  startWriter,
  uniqueName,
  whileWriting,
  pause,
} from './harness';

beforeAll(requireEngine);

const NODES = ['primary', 'replica1', 'replica2'];

/**
 * A running topology changed in its file, one change at a time, under a steady writer: `plan`
 * shows what `up` will do and why, `up` does it with the least disruption, no acknowledged row
 * is lost, and nodes that needed no change keep their container and their server's start time.
 */
describe.each(IMAGES)('changes to a running topology, on %s', (image) => {
  const name = uniqueName('conv');
  let t: Topology;
  let env = ENV;
  const acknowledged = new Set<number>();
  afterAll(() => cleanup(name));

  /** Rewrites the topology file (the same file, as a user edits it) and loads it. */
  function edit(change: (yaml: string) => string, newEnv = env): Topology {
    fs.writeFileSync(t.file, change(fs.readFileSync(t.file, 'utf8')));
    env = newEnv;
    t = loadTopology(t.file, { env });
    return t;
  }

  /** Each node's container id and the time its container last started. */
  async function starts(nodes = NODES): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const n of nodes) {
      const info = await docker.inspect(`${name}-${n}`);
      out[n] = `${info!.Id} ${info!.State.StartedAt}`;
    }
    return out;
  }

  async function planned(): Promise<string[]> {
    return (await plan(t)).toString().split('\n');
  }

  /** `up` under a writer on the primary; then every acknowledged row is on every node and verify passes. */
  async function upUnderWriter(options: { removeOrphans?: boolean } = {}): Promise<string[]> {
    const writer = startWriter(await hostPort(t, t.nodes.find((n) => n.role === 'primary')!.name), 'app.events');
    const { result, committed } = await whileWriting(writer, async () => {
      await pause(300);
      const r = await up(t, { progress: 'silent', ...options });
      await pause(300);
      return r;
    });
    expect(committed.length).toBeGreaterThan(20);
    committed.forEach((id) => acknowledged.add(id));
    // Sources first (t.nodes is in that order): each replica waits on its own source's log.
    for (const n of t.nodes.filter((x) => x.source)) await caughtUp(await hostPort(t, n.source!), await hostPort(t, n.name), image);
    const v = await verify(t, { maxLagSeconds: 5 });
    expect(v.problems).toEqual([]);
    for (const { name: n } of t.nodes) {
      const ids = new Set((await sql(await hostPort(t, n), 'SELECT id FROM app.events')).map((r) => Number(r.id)));
      expect([...acknowledged].filter((id) => !ids.has(id))).toEqual([]);
    }
    expect(await planned()).toEqual(['nothing to do: containers and replication match the topology']);
    return result.changes;
  }

  /** Every node in `same` kept its container and was not restarted. */
  function expectKept(before: Record<string, string>, after: Record<string, string>, same: string[]) {
    for (const n of same) expect(`${n} ${after[n]}`).toBe(`${n} ${before[n]}`);
  }

  it('starts 1 + 2 by file and offset, with data and a writer table', async () => {
    t = simpleTopology(name, image, { replica1: undefined, replica2: undefined });
    await up(t, { progress: 'silent' });
    const p = await hostPort(t, 'primary');
    await sql(p, 'CREATE DATABASE app');
    await sql(p, 'CREATE TABLE app.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(64))');
    expect(await planned()).toEqual(['nothing to do: containers and replication match the topology']);
  });

  it('the replication password: set on every node and in every replica, nothing restarted', async () => {
    const before = await starts();
    edit((y) => y, { ...ENV, MYSQL_REPLICATION_PASSWORD: `${REPL_PASSWORD}-2` });
    expect(await planned()).toEqual([
      "set-replication-password primary: the topology's password is not accepted",
      "set-replication-password replica1: the topology's password is not accepted",
      "set-replication-password replica2: the topology's password is not accepted",
      'update-credentials replica1: password changed on primary',
      'update-credentials replica2: password changed on primary',
    ]);
    await upUnderWriter();
    expectKept(before, await starts(), NODES);
  });

  it('binlog_format ROW → MIXED: set at run time on every node, nothing restarted', async () => {
    const before = await starts();
    edit((y) => y.replace('nodes:\n', 'replication:\n  binlog_format: MIXED\nnodes:\n'));
    expect(await planned()).toEqual(NODES.map((n) => `set-settings ${n}: binlog_format ROW → MIXED`));
    await upUnderWriter();
    expectKept(before, await starts(), NODES);
    for (const n of NODES) expect((await sql(await hostPort(t, n), 'SELECT @@GLOBAL.binlog_format AS f'))[0].f).toBe('MIXED');
  });

  it('a mysqld: setting added and removed: a dynamic one at run time, a static one restarts that node alone', async () => {
    let before = await starts();
    edit((y) =>
      y
        .replace('  primary:\n    role: primary\n', '  primary:\n    role: primary\n    mysqld:\n      max_connections: 77\n')
        .replace('  replica1:\n    role: replica\n', '  replica1:\n    role: replica\n    mysqld:\n      thread_stack: 512K\n'),
    );
    expect(await planned()).toEqual([
      'restart-container replica1: thread_stack (unset) → 512K (thread_stack cannot change at run time)',
      'set-settings primary: max_connections 60 → 77',
    ]);
    await upUnderWriter();
    let after = await starts();
    expectKept(before, after, ['primary', 'replica2']);
    expect(after.replica1).not.toBe(before.replica1);
    expect(after.replica1.split(' ')[0]).toBe(before.replica1.split(' ')[0]); // same container
    expect((await sql(await hostPort(t, 'primary'), 'SELECT @@GLOBAL.max_connections AS m'))[0].m).toBe(77);
    expect((await sql(await hostPort(t, 'replica1'), 'SELECT @@GLOBAL.thread_stack AS s'))[0].s).toBe(512 * 1024);

    before = after;
    edit((y) => y.replace('    mysqld:\n      max_connections: 77\n', '').replace('    mysqld:\n      thread_stack: 512K\n', ''));
    expect(await planned()).toEqual([
      'restart-container replica1: thread_stack 512K → (unset) (thread_stack cannot change at run time)',
      'set-settings primary: max_connections 77 → 60',
    ]);
    await upUnderWriter();
    after = await starts();
    expectKept(before, after, ['primary', 'replica2']);
    expect((await sql(await hostPort(t, 'primary'), 'SELECT @@GLOBAL.max_connections AS m'))[0].m).toBe(60);
  });

  it('a static setting changed on every node: one node restarts at a time, replicas first, the primary last', async () => {
    const startedAt = async () =>
      Object.fromEntries(
        await Promise.all(NODES.map(async (n) => [n, Date.parse((await docker.inspect(`${name}-${n}`))!.State.StartedAt)] as const)),
      );
    const withStack = (y: string) =>
      NODES.reduce(
        (text, n) =>
          text.replace(
            `  ${n}:\n    role: ${n === 'primary' ? 'primary' : 'replica'}\n`,
            `  ${n}:\n    role: ${n === 'primary' ? 'primary' : 'replica'}\n    mysqld:\n      thread_stack: 512K\n`,
          ),
        y,
      );
    edit(withStack);
    expect((await planned()).map((l) => l.replace(/:.*/, ''))).toEqual(NODES.map((n) => `restart-container ${n}`));
    await upUnderWriter();
    const at = await startedAt();
    // Each started after the one before it was back: never two down at once.
    expect(at.replica1).toBeLessThan(at.replica2);
    expect(at.replica2).toBeLessThan(at.primary);
    edit((y) => y.replaceAll('    mysqld:\n      thread_stack: 512K\n', ''));
    await upUnderWriter();
  });

  it('a value the server refuses: up fails naming node and value, my.cnf is left as it was, plan still shows the change', async () => {
    const mycnf = async () => (await docker.readFiles(`${name}-replica2`, [MYCNF_PATH], true)).get(MYCNF_PATH);
    const before = await mycnf();
    const pending = [expect.stringMatching(/^set-settings replica2: sql_mode .* → NOT_A_MODE$/)];
    edit((y) => y.replace('  replica2:\n    role: replica\n', '  replica2:\n    role: replica\n    mysqld:\n      sql_mode: NOT_A_MODE\n'));
    expect(await planned()).toEqual(pending);
    const error = await up(t, { progress: 'silent' }).catch((e) => e);
    expect(String(error.message)).toMatch(/^replica2: the server refused sql_mode = NOT_A_MODE: /);
    expect(error.hint).toBe('its my.cnf was left as it was; correct the value in the topology file and run replikit up again');
    // Written first, the file would make the next up see nothing to do, and the next start fail.
    expect(await mycnf()).toBe(before);
    expect(await planned()).toEqual(pending);
    edit((y) => y.replace('    mysqld:\n      sql_mode: NOT_A_MODE\n', ''));
    await upUnderWriter();
  });

  it('by file and offset, replica2 moves under replica1 (a chain) and back, each at a point both agree on (MariaDB: by GTID, its links are)', async () => {
    const byPosition = (await dialectOf(image)).linkMode('position') === 'position';
    const before = await starts();
    edit((y) => y.replace('  replica2:\n    role: replica\n', '  replica2:\n    role: replica\n    source: replica1\n'));
    expect(await planned()).toEqual(['change-source replica2: source primary → replica1']);
    const changes = await upUnderWriter();
    expect(changes.join('\n')).toMatch(
      byPosition
        ? /change-source replica2: source primary → replica1; both stopped at primary's \S+; replicating from replica1 at \S+/
        : /change-source replica2: source primary → replica1$/m,
    );
    expect((await replicaStatusOf(image, await hostPort(t, 'replica2'))).sourceHost).toBe(`${name}-replica1`);

    edit((y) => y.replace('    source: replica1\n', ''));
    expect(await planned()).toEqual(['change-source replica2: source replica1 → primary']);
    const back = await upUnderWriter();
    expect(back.join('\n')).toMatch(
      byPosition
        ? /change-source replica2: source replica1 → primary; applied all of replica1 \(\S+\); replicating from primary at \S+/
        : /change-source replica2: source replica1 → primary$/m,
    );
    expect((await replicaStatusOf(image, await hostPort(t, 'replica2'))).sourceHost).toBe(`${name}-primary`);
    expectKept(before, await starts(), NODES);
  });

  it('mode position → gtid: GTIDs turned on in place, each replica positions by GTID, nothing restarted', async () => {
    const before = await starts();
    edit((y) => y.replace('replication:\n', 'replication:\n  mode: gtid\n'));
    const steps = await planned();
    expect(steps.filter((l) => l.startsWith('write-config')).length).toBe(3);
    // MariaDB's links are by GTID already: only gtid_strict_mode is missing.
    const how = (await dialectOf(image)).linkMode('position') === 'position' ? 'position by file and offset' : 'not in GTID mode';
    expect(steps.filter((l) => !l.startsWith('write-config'))).toEqual([`set-mode topology: replica1, replica2 ${how}`]);
    await upUnderWriter();
    expectKept(before, await starts(), NODES);
    const d = await dialectOf(image);
    for (const r of ['replica1', 'replica2'])
      expect([r, d.usingGtid(await replicaStatusOf(image, await hostPort(t, r)))]).toEqual([r, true]);
  });

  it('switchover --write then up: my.cnf follows the roles with the containers kept; a restart of every node keeps each role', async () => {
    const before = await starts();
    await switchover(t, 'replica1', { write: true });
    t = loadTopology(t.file, { env });
    expect((await planned()).map((l) => l.replace(/, .*/, '')).sort()).toEqual([
      'write-config primary: role primary → replica',
      'write-config replica1: role replica → primary',
    ]);
    await upUnderWriter();
    const after = await starts();
    for (const n of NODES) expect(after[n].split(' ')[0]).toBe(before[n].split(' ')[0]);
    expectKept(before, after, NODES);

    for (const n of NODES) await docker.docker.getContainer(`${name}-${n}`).restart({ t: 10 });
    for (const n of NODES) {
      const port = await hostPort(t, n);
      await answers(port);
      const { actual, expected } = await readOnlyGlobals(image, port, t.nodes.find((x) => x.name === n)!.role === 'replica');
      expect([n, actual]).toEqual([n, expected]);
    }
    // No up: the restarted nodes replicate in their new roles by themselves.
    let p = await plan(t);
    for (let i = 0; i < 60 && !p.empty; i++) p = (await pause(500), await plan(t));
    expect(p.toString()).toBe('nothing to do: containers and replication match the topology');
    await upUnderWriter();
  });

  it('the old primary leaves the file after the switchover: up --remove-orphans under a writer; every node keeps its server_id, none restarts', async () => {
    const stay = ['replica1', 'replica2'];
    const idOf = async (n: string) => Number((await sql(await hostPort(t, n), 'SELECT @@GLOBAL.server_id AS id'))[0].id);
    const ids = Object.fromEntries(await Promise.all(stay.map(async (n) => [n, await idOf(n)])));
    const before = await starts(stay);
    // By file order replica1 would now take the first id, the one the old primary stamped on its events.
    edit((y) => y.replace(/ {2}primary:\n( {4}.*\n)*/, ''));
    expect(t.nodes.map((n) => n.name)).toEqual(stay);
    expect(await planned()).toEqual([`orphan ${name}-primary: not in the topology file, left alone (up --remove-orphans removes it)`]);
    expect(await upUnderWriter({ removeOrphans: true })).toEqual([
      `remove-orphan ${name}-primary: its node is no longer in the topology file`,
    ]);
    expectKept(before, await starts(stay), stay);
    for (const n of stay) expect([n, await idOf(n)]).toEqual([n, ids[n]]);
    expect(new Set(Object.values(ids)).size).toBe(2);
  });

  it('a node removed from the file: plan and up report it and leave it; up --remove-orphans removes its container, not its data', async () => {
    edit((y) => y.replace(/ {2}replica2:\n {4}role: replica\n( {4}source: \w+\n)?/, ''));
    expect(await planned()).toEqual([`orphan ${name}-replica2: not in the topology file, left alone (up --remove-orphans removes it)`]);
    const kept = await up(t, { progress: 'silent' });
    expect(kept.warnings).toContain(
      `container ${name}-replica2 belongs to no node in the file; left alone (up --remove-orphans removes it)`,
    );
    expect(await docker.inspect(`${name}-replica2`)).toBeDefined();
    const removed = await up(t, { progress: 'silent', removeOrphans: true });
    expect(removed.changes).toEqual([`remove-orphan ${name}-replica2: its node is no longer in the topology file`]);
    expect(await docker.inspect(`${name}-replica2`)).toBeUndefined();
    expect(await docker.volumes(name)).toContain(`${name}-replica2-data`);
  });
});
