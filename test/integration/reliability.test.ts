import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { up, verify, status, PreflightError, loadTopology } from '../../src';
import {
  answers,
  caughtUp,
  cleanup,
  dialectOf,
  docker,
  ENV,
  hostPort,
  IMAGE,
  IMAGES,
  leftovers,
  pause,
  REPL_PASSWORD,
  requireEngine,
  ROOT_PASSWORD,
  simpleTopology,
  sql,
  startWriter,
  topology,
  uniqueName,
  whileWriting,
} from './harness';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');
const nothing = { containers: [], networks: [], volumes: [] };

function replikit(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...ENV, CI: '1', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A TCP port nothing listens on, found by letting the kernel pick one and closing it. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(requireEngine);

describe('preflight: problems found before anything is created', () => {
  const name = uniqueName('pre');
  afterAll(() => cleanup(name));

  it('reports a taken port, a foreign name and an image that cannot be pulled at once, and creates nothing', async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', r));
    const foreign = `${name}-replica1-data`;
    await docker.docker.createVolume({ Name: foreign, Labels: { owner: 'someone-else' } });
    try {
      const t = topology(
        fs
          .readFileSync(simpleTopology(name, IMAGE, { replica1: undefined, replica2: undefined }).file, 'utf8')
          .replace('  primary:\n    role: primary\n', `  primary:\n    role: primary\n    port: ${port}\n`)
          .replace('  replica2:\n    role: replica\n', '  replica2:\n    role: replica\n    image: replikit/no-such-image:0.0\n'),
      );
      const error = await up(t, { progress: 'silent' }).catch((e) => e);
      expect(error).toBeInstanceOf(PreflightError);
      const problems = (error as PreflightError).problems.map((p) => `${p.node ?? '-'}: ${p.message}`);
      expect(problems).toEqual([
        `-: a volume named ${foreign} already exists and was not created by replikit (no io.replikit.topology label)`,
        expect.stringMatching(/^-: image replikit\/no-such-image:0\.0 is not present and cannot be pulled: /),
        expect.stringMatching(
          new RegExp(`^primary: host port 127\\.0\\.0\\.1:${port} is already in use by process \\S+ \\(pid ${process.pid}\\)$`),
        ),
      ]);
      expect((error as PreflightError).exitCode).toBe(1);
      // Only the foreign volume exists, untouched; no container, network or volume of ours.
      expect(await leftovers(name)).toEqual(nothing);
      expect((await docker.docker.getVolume(foreign).inspect()).Labels).toEqual({ owner: 'someone-else' });
    } finally {
      squatter.close();
      await docker.removeVolume(foreign);
    }
  });

  it('names the container holding a port', async () => {
    const t = simpleTopology(name, IMAGE, {});
    await up(t, { progress: 'silent' });
    const port = await hostPort(t, 'primary');
    const other = uniqueName('pre2');
    try {
      const t2 = topology(
        fs
          .readFileSync(simpleTopology(other, IMAGE, {}).file, 'utf8')
          .replace('    role: primary\n', `    role: primary\n    port: ${port}\n`),
      );
      const error = await up(t2, { progress: 'silent' }).catch((e) => e);
      expect(error.problems).toEqual([
        expect.objectContaining({ node: 'primary', message: `host port 127.0.0.1:${port} is already in use by container ${name}-primary` }),
      ]);
      expect(await leftovers(other)).toEqual(nothing);
    } finally {
      await cleanup(other);
    }
  });

  it('exits 1 and says which DOCKER_HOST it tried when no engine answers', async () => {
    const port = await freePort();
    const t = simpleTopology(name, IMAGE, {});
    const r = replikit(['up', '-f', t.file], { DOCKER_HOST: `tcp://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no Docker engine answers at tcp://127.0.0.1:${port}`);
    expect(r.err).toContain('hint: start dockerd');
  });

  it.each([
    ['an unknown role', (y: string) => y.replace('role: replica', 'role: replcia')],
    ['a replica of a node that does not exist', (y: string) => y.replace('role: replica\n', 'role: replica\n    source: nobody\n')],
    [
      'two nodes with one server id',
      (y: string) =>
        y.replace('role: primary\n', 'role: primary\n    server_id: 7\n').replace('role: replica\n', 'role: replica\n    server_id: 7\n'),
    ],
    [
      'a mysqld: value that breaks out of its line',
      (y: string) => y.replace('role: replica\n', 'role: replica\n    mysqld:\n      sql_mode: "A\\nskip_grant_tables=1"\n'),
    ],
    ['an unset password variable', (y: string) => y.replace('${MYSQL_REPLICATION_PASSWORD}', '${NOT_SET_ANYWHERE}')],
  ])('up on a file with %s exits 2 and creates nothing', async (_what, edit) => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    const before = await leftovers(name);
    fs.writeFileSync(t.file, edit(fs.readFileSync(t.file, 'utf8')));
    const r = replikit(['up', '-f', t.file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`${t.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
    expect(await leftovers(name)).toEqual(before);
  });
});

describe('failures during up', () => {
  const name = uniqueName('fail');
  afterAll(() => cleanup(name));

  const broken = () =>
    topology(
      fs
        .readFileSync(simpleTopology(name, IMAGE, { replica1: undefined }).file, 'utf8')
        .replace('  replica1:\n    role: replica\n', '  replica1:\n    role: replica\n    mysqld:\n      no_such_server_option: 1\n'),
    );

  it('a node that does not start: names it, shows its server log, and removes what the run created', async () => {
    const r = replikit(['up', '-f', broken().file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/replica1: container .*-replica1 exited \(code \d+\) before accepting connections/);
    expect(r.err).toMatch(/unknown variable 'no_such_server_option=1'/);
    expect(r.err).toContain('removed what this run created');
    expect(await leftovers(name)).toEqual(nothing);
  });

  it('with --keep-on-failure, keeps it for inspection, and a fixed file then converges from it', async () => {
    const r = replikit(['up', '-f', broken().file, '--keep-on-failure']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('kept what this run created for inspection');
    expect((await leftovers(name)).containers.sort()).toEqual([`${name}-primary`, `${name}-replica1`]);
    const fixed = simpleTopology(name, IMAGE, { replica1: undefined });
    const result = await up(fixed, { progress: 'silent' });
    expect(result.nodes.find((n) => n.name === 'replica1')?.heartbeatLagMs).toBeGreaterThanOrEqual(0);
  });

  it('an up killed half-way (SIGKILL, no cleanup) is finished by the next up', async () => {
    await cleanup(name);
    const t = simpleTopology(name, IMAGE, { replica1: undefined, replica2: undefined });
    const child = spawn(process.execPath, [CLI, 'up', '-f', t.file], { env: { ...process.env, ...ENV, CI: '1' }, stdio: 'ignore' });
    // Kill it as soon as the first container exists: the others may be missing or never started.
    for (let i = 0; i < 400 && (await leftovers(name)).containers.length === 0; i++) await pause(25);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect((await leftovers(name)).containers.length).toBeGreaterThan(0);

    const result = await up(t, { progress: 'silent' });
    expect(
      result.nodes
        .filter((n) => n.heartbeatLagMs !== undefined)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['replica1', 'replica2']);
    expect((await verify(t)).ok).toBe(true);
  });

  it('Ctrl-C during up: exits 1 saying it was interrupted, and removes what the run created', async () => {
    await cleanup(name);
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    const child = spawn(process.execPath, [CLI, 'up', '-f', t.file], {
      env: { ...process.env, ...ENV, CI: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    for (let i = 0; i < 400 && (await leftovers(name)).containers.length < 2; i++) await pause(25);
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(err).toContain('error: interrupted (Ctrl-C)');
    expect(err).toContain('removed what this run created');
    expect(await leftovers(name)).toEqual(nothing);
  });

  it('an up stopped after creating the volumes, before any container: the next up fills them and converges', async () => {
    await cleanup(name);
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    await docker.ensureNetwork(`${name}-net`, { 'io.replikit.topology': name });
    for (const n of ['primary', 'replica1'])
      await docker.ensureVolume(`${name}-${n}-data`, { 'io.replikit.topology': name, 'io.replikit.node': n });
    const result = await up(t);
    expect(result.changes.filter((c) => /^create-(volume|network)/.test(c))).toEqual([]);
    expect(result.nodes.find((n) => n.name === 'replica1')?.heartbeatLagMs).toBeGreaterThanOrEqual(0);
    expect((await verify(t)).ok).toBe(true);
  });

  it('a replication password changed behind its back: the error says authentication and names the source; up repairs it', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined, replica2: undefined });
    const primary = await hostPort(t, 'primary');
    const replica = await hostPort(t, 'replica1');
    await sql(primary, "ALTER USER 'repl'@'%' IDENTIFIED BY 'not-the-topology-password'");
    const d = await dialectOf(IMAGE);
    await sql(replica, d.stopReplica());
    await sql(replica, d.startReplica());
    let s = await status(t);
    for (let i = 0; i < 40 && !s.nodes.find((n) => n.node === 'replica1')?.cause; i++) s = (await pause(250), await status(t));
    const r1 = s.nodes.find((n) => n.node === 'replica1')!;
    expect(s.healthy).toBe(false);
    expect(r1.cause).toBe(
      `authentication: ${name}-primary:3306 refused the replication user or its password; replikit up sets the user's password from the topology again`,
    );
    const v = await verify(t);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toContain('likely cause: authentication');

    const fixed = await up(t, { progress: 'silent' });
    expect(fixed.changes).toContain("set-replication-password primary: the topology's password is not accepted");
    expect((await verify(t)).ok).toBe(true);
  });
});

describe('two ups at once', () => {
  const names = [uniqueName('twin'), uniqueName('twin'), uniqueName('twin')];
  afterAll(() => Promise.all(names.map(cleanup)));

  it('of the same topology: one runs, the other stops at once saying so, and the lock is gone after', async () => {
    const t = simpleTopology(names[0], IMAGE, { replica1: undefined });
    const run = () =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'up', '-f', t.file], {
          env: { ...process.env, ...ENV, CI: '1' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr!.on('data', (d) => (err += d));
        child.on('exit', (code) => resolve({ code, err }));
      });
    const results = await Promise.all([run(), run()]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    const loser = results.find((r) => r.code === 1)!;
    expect(loser.err).toMatch(new RegExp(`error: another replikit up of topology ${names[0]} is running \\(${os.hostname()}:\\d+, since `));
    expect(loser.err).toContain(
      `hint: wait for it to finish; if none is running any more, remove the lock: docker rm replikit-lock-${names[0]}`,
    );
    expect(await docker.inspect(`replikit-lock-${names[0]}`)).toBeUndefined();
  });

  it('takes over a lock left by a killed up on this host', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    const labels = { 'io.replikit.lock': names[0], 'io.replikit.lock-holder': `${os.hostname()}:${dead}` };
    await docker.docker.createContainer({ name: `replikit-lock-${names[0]}`, Image: IMAGE, Entrypoint: ['true'], Labels: labels });
    const r = await up(simpleTopology(names[0], IMAGE, { replica1: undefined }));
    expect(r.changed).toBe(false);
    expect(await docker.inspect(`replikit-lock-${names[0]}`)).toBeUndefined();
  });

  it('of different topologies, with no seed data directory yet, share one seed and both come up', async () => {
    const seeds = async () =>
      (await docker.docker.listVolumes({ filters: { label: [`io.replikit.seed=${IMAGE}`] } })).Volumes.map((v) => v.Name);
    for (const v of await seeds()) await docker.removeVolume(v);
    const results = await Promise.all(names.slice(1).map((n) => up(simpleTopology(n, IMAGE, { replica1: undefined }))));
    expect(results.map((r) => r.nodes.find((n) => n.name === 'replica1')?.heartbeatLagMs)).toEqual([
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(await seeds()).toHaveLength(1);
  });
});

describe.each(IMAGES)('faults after up, under a steady writer, on %s', (image) => {
  const name = uniqueName('fault');
  afterAll(() => cleanup(name));
  const t = simpleTopology(name, image, { replica1: undefined, replica2: undefined });

  const acknowledged = new Set<number>();

  /** Polls status (read-only) until every node runs and replicates, or the time is up. */
  async function healthyWithin(ms: number) {
    const deadline = Date.now() + ms;
    let s = await status(t);
    while (!s.healthy && Date.now() < deadline) s = (await pause(250), await status(t));
    return s;
  }

  /** Every node holds every acknowledged row, and verify finds each replica's table equal to the primary's. */
  async function expectConverged(committed: number[]) {
    // Caught up first: a replica that has just restarted may report a passing lag spike.
    const primary = await hostPort(t, 'primary');
    for (const r of ['replica1', 'replica2']) await caughtUp(primary, await hostPort(t, r), image);
    const v = await verify(t, { maxLagSeconds: 5 });
    expect(v.problems).toEqual([]);
    committed.forEach((id) => acknowledged.add(id));
    const ack = acknowledged;
    for (const node of ['primary', 'replica1', 'replica2']) {
      const ids = (await sql(await hostPort(t, node), 'SELECT id FROM app.events ORDER BY id')).map((r) => Number(r.id));
      // Nothing acknowledged is missing; a row beyond is an insert whose ack a fault cut off (one per fault at most).
      expect(committed.filter((id) => !ids.includes(id))).toEqual([]);
      expect(ids.filter((id) => !ack.has(id)).length).toBeLessThanOrEqual(3);
    }
    expect(v.tables.filter((c) => c.table === '`app`.`events`').map((c) => c.result)).toEqual(['equal', 'equal']);
  }

  beforeAll(async () => {
    await up(t, { progress: 'silent' });
    await sql(await hostPort(t, 'primary'), 'CREATE DATABASE app');
    await sql(await hostPort(t, 'primary'), 'CREATE TABLE app.events (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(100))');
  });

  it('a replica container killed (SIGKILL) and removed: up brings it back and it catches up', async () => {
    const writer = startWriter(await hostPort(t, 'primary'), 'app.events');
    const { committed } = await whileWriting(writer, async () => {
      await pause(300);
      // Killed mid-apply, no clean stop: the position it goes on from must be the one it committed.
      await docker.docker.getContainer(`${name}-replica1`).remove({ force: true });
      await pause(300);
      const r = await up(t, { progress: 'silent' });
      expect(r.changes).toContain('create-container replica1: no existing container');
      await pause(300);
    });
    expect(committed.length).toBeGreaterThan(50);
    await expectConverged(committed);
  });

  // By file and offset a MariaDB replica kept its position in relay-log.info, written just after
  // each transaction commits: a kill between the two applied it again (error 1062, seen in CI).
  const kills = /mariadb:10\.11/.test(image) ? 20 : 5;
  it(`a replica killed (SIGKILL) ${kills} times while it applies: each time it goes on from what it committed, no row twice or lost`, async () => {
    const writer = startWriter(await hostPort(t, 'primary'), 'app.events');
    const replica = docker.docker.getContainer(`${name}-replica2`);
    const { committed } = await whileWriting(writer, async () => {
      for (let i = 0; i < kills; i++) {
        await pause(200 + ((i * 137) % 400));
        await replica.kill({ signal: 'SIGKILL' });
        await replica.start().catch(() => undefined); // its restart policy may have started it already
        const s = await healthyWithin(60_000);
        // A transaction applied twice stops the applier for good (error 1062): not healthy again.
        expect([i, s.healthy, s.nodes.find((n) => n.node === 'replica2')?.sql]).toEqual([i, true, 'Yes']);
      }
    });
    expect(committed.length).toBeGreaterThan(100);
    await expectConverged(committed);
  });

  it('the primary restarted: replicas reconnect by themselves and status is healthy again, no row lost', async () => {
    const writer = startWriter(await hostPort(t, 'primary'), 'app.events');
    const { committed } = await whileWriting(writer, async () => {
      await pause(300);
      await docker.docker.getContainer(`${name}-primary`).restart({ t: 10 });
      // No up here: connect retry alone must bring the replicas back.
      const s = await healthyWithin(20_000);
      expect(s.nodes.map((n) => [n.node, n.io ?? '-', n.sql ?? '-'])).toEqual([
        ['primary', '-', '-'],
        ['replica1', 'Yes', 'Yes'],
        ['replica2', 'Yes', 'Yes'],
      ]);
      // The writer reconnects and writes on (Docker may publish a restarted container on another port).
      writer.retarget(await hostPort(t, 'primary'));
      const before = writer.attempts();
      for (let i = 0; i < 200 && writer.attempts() < before + 100; i++) await pause(100);
    });
    expect(committed.length).toBeGreaterThan(50);
    await expectConverged(committed);
  });

  it('a replica stopped while the primary writes, then started: it catches up', async () => {
    const writer = startWriter(await hostPort(t, 'primary'), 'app.events');
    const replica2 = docker.docker.getContainer(`${name}-replica2`);
    const { committed } = await whileWriting(writer, async () => {
      await replica2.stop({ t: 10 });
      const before = writer.attempts();
      while (writer.attempts() < before + 100) await pause(50); // writes it misses while stopped
      await replica2.start();
      expect((await healthyWithin(30_000)).healthy).toBe(true);
    });
    await expectConverged(committed);
  });

  it("the replication account: two privileges only, with the server's default plugin (caching_sha2_password on MySQL)", async () => {
    const p = await hostPort(t, 'primary');
    const grants = (await sql(p, "SHOW GRANTS FOR 'repl'@'%'")).map((r) => String(Object.values(r)[0]));
    expect(grants).toHaveLength(1);
    // MariaDB 11 shows REPLICATION CLIENT under its new name, BINLOG MONITOR.
    expect(grants[0]).toMatch(/^GRANT REPLICATION SLAVE, (BINLOG MONITOR|REPLICATION CLIENT) ON \*\.\* TO `repl`@`%`/);
    const [{ plugin }] = await sql(p, "SELECT plugin FROM mysql.user WHERE User = 'repl' AND Host = '%'");
    const expected = { mariadb: 'mysql_native_password', mysql: 'caching_sha2_password' }[(await dialectOf(image)).flavor.name];
    expect(plugin).toBe(expected);
  });

  it('the replication password changed in the topology: up sets it on every node and in every replica, which then survive a primary restart', async () => {
    const changed = loadTopology(t.file, { env: { ...ENV, MYSQL_REPLICATION_PASSWORD: `${REPL_PASSWORD}-new` } });
    const r = await up(changed, { progress: 'silent' });
    expect(r.changes).toEqual(
      expect.arrayContaining([
        "set-replication-password primary: the topology's password is not accepted",
        "set-replication-password replica1: the topology's password is not accepted",
        'update-credentials replica1: password changed on primary',
        'update-credentials replica2: password changed on primary',
      ]),
    );
    // A restart ends the replicas' old sessions: they must log in again, with the new password.
    await docker.docker.getContainer(`${name}-primary`).restart({ t: 10 });
    const s = await healthyWithin(30_000);
    expect(s.nodes.map((n) => [n.node, n.io ?? '-', n.sql ?? '-', n.cause ?? '-'])).toEqual([
      ['primary', '-', '-', '-'],
      ['replica1', 'Yes', 'Yes', '-'],
      ['replica2', 'Yes', 'Yes', '-'],
    ]);
    // And a second up changes nothing.
    expect((await up(changed, { progress: 'silent' })).changed).toBe(false);
  });
});

describe('a primary away for two minutes', () => {
  // One topology per image, all at once: the two minutes are paid once, not once per image.
  const names = IMAGES.map(() => uniqueName('away'));
  afterAll(() => Promise.all(names.map(cleanup)));

  it('its replicas keep retrying and resume by themselves when it is back, on every image', async () => {
    const ts = IMAGES.map((image, i) => simpleTopology(names[i], image, { replica1: undefined }));
    await Promise.all(ts.map((t) => up(t, { progress: 'silent' })));
    await Promise.all(ts.map((t) => docker.docker.getContainer(`${t.name}-primary`).stop({ t: 10 })));
    await pause(120_000);
    await Promise.all(ts.map((t) => docker.docker.getContainer(`${t.name}-primary`).start()));
    // No up: the replicas alone must find their primary again.
    for (const t of ts) {
      const p = await hostPort(t, 'primary');
      await answers(p);
      await sql(p, 'CREATE DATABASE IF NOT EXISTS back');
      await sql(p, 'CREATE TABLE back.t (id INT PRIMARY KEY)');
      await sql(p, 'INSERT INTO back.t VALUES (1)');
    }
    for (const t of ts) {
      const r = await hostPort(t, 'replica1');
      let rows: unknown[] = [];
      for (let i = 0; i < 150 && rows.length === 0; i++) {
        rows = await sql(r, 'SELECT id FROM back.t').catch(() => []);
        if (rows.length === 0) await pause(200);
      }
      expect([t.name, rows]).toEqual([t.name, [{ id: 1 }]]);
    }
  }, 400_000);
});

describe('secrets and exposure', () => {
  const name = uniqueName('sec');
  afterAll(() => cleanup(name));

  it('no password in any output, JSON, error, container metadata or process list; files for the server only', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    const outputs = [
      replikit(['validate', '-f', t.file, '--json']),
      replikit(['up', '-f', t.file]),
      replikit(['up', '-f', t.file, '--json']),
      replikit(['status', '-f', t.file, '--json']),
      replikit(['verify', '-f', t.file, '--json']),
      replikit(['render', '-f', t.file]),
    ];
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 0, 0, 0, 0]);
    // A failing run's error output too: the replica's server refuses to start.
    const failing = replikit(['up', '-f', t.file], { MYSQL_ROOT_PASSWORD: `${ROOT_PASSWORD}-wrong` });
    expect(failing.code).toBe(1);
    expect(failing.err).toContain('refuses the root password');
    outputs.push(failing);

    const inspected = await Promise.all([`${name}-primary`, `${name}-replica1`].map((c) => docker.docker.getContainer(c).inspect()));
    const top = await Promise.all(
      [`${name}-primary`, `${name}-replica1`].map((c) => docker.docker.getContainer(c).top({ ps_args: '-eo pid,args' })),
    );
    const haystack = JSON.stringify([outputs, inspected, top]);
    for (const secret of [ROOT_PASSWORD, REPL_PASSWORD, `${ROOT_PASSWORD}-wrong`]) {
      expect(haystack).not.toContain(secret);
      expect(haystack).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
    for (const info of inspected) {
      expect(info.HostConfig.PortBindings['3306/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: expect.any(String) }]);
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.HostConfig.Binds ?? []).toEqual([]);
    }

    const exec = await docker.exec(`${name}-primary`, ['stat', '-c', '%a %U', '/run/secrets/replikit-root-password']);
    const chunks: Buffer[] = [];
    exec.stdout.on('data', (c: Buffer) => chunks.push(c));
    expect(await exec.done).toBe(0);
    expect(Buffer.concat(chunks).toString().trim()).toBe('400 mysql');

    const grants = (await sql(await hostPort(t, 'primary'), "SHOW GRANTS FOR 'repl'@'%'")).map((r) => String(Object.values(r)[0]));
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatch(/^GRANT REPLICATION SLAVE, (BINLOG MONITOR|REPLICATION CLIENT) ON \*\.\* TO `repl`@`%`/);
  });

  it('warns about a password written in the file and a port open to every interface', () => {
    const t = topology(
      fs
        .readFileSync(simpleTopology(name, IMAGE, {}).file, 'utf8')
        .replace('${MYSQL_REPLICATION_PASSWORD}', 'literal-in-file')
        .replace('    role: primary\n', '    role: primary\n    bind: 0.0.0.0\n'),
    );
    expect(t.warnings).toEqual([
      expect.stringMatching(/^credentials\.replication_password is written in the topology file itself/),
      expect.stringMatching(/^nodes\.primary\.bind is 0\.0\.0\.0: its port \(picked by Docker\) accepts connections from other machines/),
    ]);
  });
});
