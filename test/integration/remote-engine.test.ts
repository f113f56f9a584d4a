import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import mysql from 'mysql2/promise';
import { parseDocument } from 'yaml';
import { down } from '../../src';
import { DockerEngine } from '../../src/docker/engine';
import { engineTarget } from '../../src/docker/context';
import { LABEL } from '../../src/names';
import { docker as localEngine, ENV, IMAGE, pause, requireEngine, ROOT_PASSWORD, simpleTopology, uniqueName } from './harness';

/**
 * The second engine of scripts/second-engine.sh stands in for another host: its own dockerd,
 * reached only over tcp://127.0.0.2:2376 with Docker's mutual TLS, publishing on 127.0.0.2.
 */
const CERTS = '/var/lib/replikit-engine2/certs/client';
const REMOTE_ENV = { DOCKER_HOST: 'tcp://127.0.0.2:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: CERTS };
const CONTEXT_ENV = { DOCKER_CONTEXT: 'replikit-engine2' };
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

const remote = new DockerEngine(undefined, engineTarget(REMOTE_ENV));

function replikit(args: string[], engineEnv: Record<string, string>) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...ENV, CI: '1', ...engineEnv };
  if (!engineEnv.DOCKER_HOST) delete env.DOCKER_HOST;
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function names(engine: DockerEngine, topology: string): Promise<string[]> {
  return (await engine.containers(topology)).map((c) => c.name).sort();
}

async function query(port: number, sql: string) {
  const c = await mysql.createConnection({ host: '127.0.0.2', port, user: 'root', password: ROOT_PASSWORD });
  try {
    return (await c.query(sql))[0] as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await requireEngine();
  try {
    await remote.ping();
  } catch (e) {
    throw new Error(
      `these tests need the second engine: run scripts/second-engine.sh (scripts/test-env.sh does) (${(e as Error).message})`,
      { cause: e },
    );
  }
  if (!(await remote.hasImage(IMAGE))) throw new Error(`${IMAGE} is missing on the second engine: run scripts/second-engine.sh`);
});

describe('what crosses to another host', () => {
  const name = uniqueName('wire');
  const t = simpleTopology(name, IMAGE, { replica1: undefined });
  const password = 'wire-Repl-7Qx9';
  afterAll(() => replikit(['down', '-f', t.file, '--volumes'], REMOTE_ENV));

  it("replikit's own SQL to the remote host is TLS: a capture of every port there during up holds no password and no statement", async () => {
    // Everything to and from 127.0.0.2 but the engine's own API (mutual TLS) and its sshd.
    const capture = spawn('tcpdump', ['-i', 'lo', '-n', '-l', '-A', '-s0', 'host 127.0.0.2 and not port 2376 and not port 2222']);
    let seen = '';
    let ready = '';
    capture.stdout.on('data', (c) => (seen += c));
    capture.stderr.on('data', (c) => (ready += c));
    for (let i = 0; i < 100 && !/listening on/.test(ready); i++) await pause(50);
    expect(ready).toMatch(/listening on lo/);
    // A password the root session sets (IDENTIFIED BY) and gives each replica (CHANGE … PASSWORD).
    const r = replikit(['up', '-f', t.file], { ...REMOTE_ENV, MYSQL_REPLICATION_PASSWORD: password });
    capture.kill('SIGINT');
    await new Promise((done) => capture.once('exit', done));
    expect(r.code).toBe(0);
    // The sessions were captured (thousands of bytes each), and hold nothing readable of them.
    expect(seen.length).toBeGreaterThan(20_000);
    for (const clear of [
      password,
      ROOT_PASSWORD,
      'IDENTIFIED',
      'MASTER_PASSWORD',
      'SOURCE_PASSWORD',
      'SHOW SLAVE STATUS',
      'SHOW REPLICA STATUS',
    ])
      expect([clear, seen.includes(clear)]).toEqual([clear, false]);
  });
});

describe('a remote engine over TCP with mutual TLS', () => {
  const name = uniqueName('remote');
  const t = simpleTopology(name, IMAGE, { replica1: undefined, replica2: 'replica1' });
  afterAll(() => replikit(['down', '-f', t.file, '--volumes'], REMOTE_ENV));

  it('up, status, verify, switchover and down run there; SQL reaches the nodes on that host', async () => {
    const up = replikit(['up', '-f', t.file, '--json'], REMOTE_ENV);
    expect([up.code, up.err]).toEqual([0, '']);
    const result = JSON.parse(up.out);
    // Published on the remote host's address, not on this host's loopback.
    expect(result.nodes.map((n: { host: string }) => n.host)).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.2']);
    expect(result.nodes.find((n: { name: string }) => n.name === 'replica2').heartbeatLagMs).toEqual(expect.any(Number));
    expect(await names(remote, name)).toEqual([`${name}-primary`, `${name}-replica1`, `${name}-replica2`]);
    expect(await names(localEngine, name)).toEqual([]);

    const port = (node: string) => result.nodes.find((n: { name: string }) => n.name === node).port as number;
    await query(port('primary'), 'CREATE DATABASE remote_app');
    await query(port('primary'), 'CREATE TABLE remote_app.t (id INT PRIMARY KEY)');
    await query(port('primary'), 'INSERT INTO remote_app.t VALUES (1), (2), (3)');

    // The same engine through a docker context, as `docker context use` selects it.
    const status = replikit(['status', '-f', t.file, '--json'], CONTEXT_ENV);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.out);
    expect(s.healthy).toBe(true);
    expect(s.nodes.map((n: { node: string; address: string }) => [n.node, n.address])).toEqual([
      ['primary', `127.0.0.2:${port('primary')}`],
      ['replica1', `127.0.0.2:${port('replica1')}`],
      ['replica2', `127.0.0.2:${port('replica2')}`],
    ]);
    const verify = replikit(['verify', '-f', t.file], REMOTE_ENV);
    // The heartbeat table and remote_app.t, on each replica.
    expect([verify.code, verify.out.match(/2\/2 tables equal/g)]).toEqual([0, ['2/2 tables equal', '2/2 tables equal']]);

    const sw = replikit(['switchover', '-f', t.file, 'replica1', '--write'], REMOTE_ENV);
    expect([sw.code, sw.err]).toEqual([0, expect.any(String)]);
    expect(await query(port('replica1'), 'SELECT @@read_only AS ro')).toEqual([{ ro: 0 }]);
    await query(port('replica1'), 'INSERT INTO remote_app.t VALUES (4)');
    const after = replikit(['verify', '-f', t.file, '--json'], CONTEXT_ENV);
    expect([after.code, JSON.parse(after.out).problems]).toEqual([0, []]);
    for (const node of ['primary', 'replica2']) {
      let rows: Record<string, unknown>[] = [];
      for (let i = 0; i < 40 && rows.length < 4; i++) {
        rows = await query(port(node), 'SELECT id FROM remote_app.t');
        if (rows.length < 4) await new Promise((r) => setTimeout(r, 250));
      }
      expect(rows.map((r) => r.id)).toEqual([1, 2, 3, 4]);
    }

    const down = replikit(['down', '-f', t.file], REMOTE_ENV);
    expect(down.code).toBe(0);
    expect(await names(remote, name)).toEqual([]);
  });

  it('the port preflight asks the remote host: a port taken there stops up before anything is created', async () => {
    const taken = net.createServer().listen(0, '127.0.0.2');
    await new Promise((r) => taken.once('listening', r));
    const busy = (taken.address() as net.AddressInfo).port;
    try {
      const file = path.join(path.dirname(t.file), 'taken.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(t.file, 'utf8')
          .replace(`name: ${name}`, `name: ${name}-taken`)
          .replace('    role: primary\n', `    role: primary\n    port: ${busy}\n`),
      );
      const r = replikit(['up', '-f', file], REMOTE_ENV);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`host port 127.0.0.2:${busy} is already in use by a process on 127.0.0.2`);
      expect(await names(remote, `${name}-taken`)).toEqual([]);
    } finally {
      taken.close();
    }
  });
});

/** A free TCP port on `host` (the kernel picks one; it is released before use). */
async function freePort(host: string): Promise<number> {
  const s = net.createServer().listen(0, host);
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('one topology over two engines', () => {
  // The second engine's bridge address: a host address containers on both engines route to.
  const BRIDGE = '10.222.0.1';

  /** A topology over this engine and the second (`box`): every node published and advertised on BRIDGE. */
  function spreadTopology(
    topology: string,
    nodes: Record<string, { role: string; port: number; engine?: string; source?: string; advertise?: string }>,
  ): string {
    const { file } = simpleTopology(topology, IMAGE, {});
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    doc.delete('nodes');
    doc.set('engines', { box: 'replikit-engine2' });
    doc.set(
      'nodes',
      Object.fromEntries(Object.entries(nodes).map(([n, o]) => [n, { bind: BRIDGE, advertise: `${BRIDGE}:${o.port}`, ...o }])),
    );
    fs.writeFileSync(file, doc.toString());
    return file;
  }
  const name = uniqueName('spread');
  let file = '';
  afterAll(() => file && replikit(['down', '-f', file, '--volumes'], {}));

  it('a primary here, a replica there and a chain back: up, status, verify, a switchover across, and down on both', async () => {
    const [p1, p2, p3] = [await freePort(BRIDGE), await freePort(BRIDGE), await freePort(BRIDGE)];
    file = spreadTopology(name, {
      primary: { role: 'primary', port: p1 },
      replica1: { role: 'replica', port: p2, engine: 'box' },
      replica2: { role: 'replica', port: p3, source: 'replica1' },
    });
    const up = replikit(['up', '-f', file, '--json'], {});
    expect([up.code, up.err]).toEqual([0, '']);
    expect(JSON.parse(up.out).nodes.map((n: { name: string; heartbeatLagMs?: number }) => [n.name, typeof n.heartbeatLagMs])).toEqual([
      ['primary', 'undefined'],
      ['replica1', 'number'],
      ['replica2', 'number'],
    ]);
    expect(await names(localEngine, name)).toEqual([`${name}-primary`, `${name}-replica2`]);
    expect(await names(remote, name)).toEqual([`${name}-replica1`]);
    // Across engines each replica replicates from the advertised address, over verified TLS.
    const ask = async (port: number, sql: string) => {
      const c = await mysql.createConnection({ host: BRIDGE, port, user: 'root', password: ROOT_PASSWORD });
      try {
        return (await c.query(sql))[0] as Record<string, unknown>[];
      } finally {
        await c.end();
      }
    };
    const link = async (port: number) => {
      const [r] = await ask(port, 'SHOW SLAVE STATUS');
      return [r.Master_Host, r.Master_Port, r.Master_SSL_Allowed, r.Master_SSL_Verify_Server_Cert];
    };
    expect(await link(p2)).toEqual([BRIDGE, p1, 'Yes', 'Yes']);
    expect(await link(p3)).toEqual([BRIDGE, p2, 'Yes', 'Yes']);

    await ask(p1, 'CREATE DATABASE spread');
    await ask(p1, 'CREATE TABLE spread.t (id INT PRIMARY KEY)');
    await ask(p1, 'INSERT INTO spread.t VALUES (1), (2)');
    const status = JSON.parse(replikit(['status', '-f', file, '--json'], {}).out);
    expect([status.healthy, status.nodes.map((n: { node: string; source?: string }) => [n.node, n.source ?? '-'])]).toEqual([
      true,
      [
        ['primary', '-'],
        ['replica1', 'primary'],
        ['replica2', 'replica1'],
      ],
    ]);
    const verify = replikit(['verify', '-f', file, '--json'], {});
    expect([verify.code, JSON.parse(verify.out).problems]).toEqual([0, []]);
    // A second up changes nothing.
    expect(JSON.parse(replikit(['up', '-f', file, '--json'], {}).out).changed).toBe(false);

    const sw = replikit(['switchover', '-f', file, 'replica1', '--write'], {});
    expect([sw.code, sw.err]).toEqual([0, expect.any(String)]);
    expect(await link(p1)).toEqual([BRIDGE, p2, 'Yes', 'Yes']);
    await ask(p2, 'INSERT INTO spread.t VALUES (3)');
    const after = replikit(['verify', '-f', file, '--json'], {});
    expect([after.code, JSON.parse(after.out).problems]).toEqual([0, []]);
    for (const port of [p1, p3]) expect((await ask(port, 'SELECT id FROM spread.t ORDER BY id')).map((r) => r.id)).toEqual([1, 2, 3]);

    // The new primary advertised at another address that reaches it (its container's own, on the
    // second engine's bridge): up points both replicas there, from where each had applied.
    const ip = Object.values((await remote.docker.getContainer(`${name}-replica1`).inspect()).NetworkSettings.Networks)[0].IPAddress;
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`advertise: ${BRIDGE}:${p2}`, `advertise: ${ip}:3306`));
    const moved = replikit(['up', '-f', file, '--json'], {});
    expect([moved.code, moved.err]).toEqual([0, '']);
    expect((JSON.parse(moved.out).changes as string[]).filter((c) => /^(readdress-source|renew-certificates)/.test(c)).sort()).toEqual([
      `readdress-source primary: replica1 is reached at ${ip}:3306, not ${BRIDGE}:${p2}`,
      `readdress-source replica2: replica1 is reached at ${ip}:3306, not ${BRIDGE}:${p2}`,
      `renew-certificates replica1: its certificate must name ${ip}, where its replicas now reach it`,
      // Every node's certificate names every address a client may use (the primary's, rewritten for its new role, does already).
      `renew-certificates replica2: its certificate does not name IP Address:${ip}`,
    ]);
    expect([await link(p1), await link(p3)]).toEqual([
      [ip, 3306, 'Yes', 'Yes'],
      [ip, 3306, 'Yes', 'Yes'],
    ]);
    await ask(p2, 'INSERT INTO spread.t VALUES (4)');
    const readdressed = replikit(['verify', '-f', file, '--json'], {});
    expect([readdressed.code, JSON.parse(readdressed.out).problems]).toEqual([0, []]);
    for (const port of [p1, p3]) expect((await ask(port, 'SELECT id FROM spread.t ORDER BY id')).map((r) => r.id)).toEqual([1, 2, 3, 4]);

    // replica2 moved to the second engine: a new container and volume there, joined as a new
    // node with all the data; its old container here removed (its volume is kept).
    const doc = parseDocument(fs.readFileSync(file, 'utf8'));
    doc.setIn(['nodes', 'replica2', 'engine'], 'box');
    fs.writeFileSync(file, doc.toString());
    const move = replikit(['up', '-f', file, '--json'], {});
    expect([move.code, move.err]).toEqual([0, '']);
    expect(
      (JSON.parse(move.out).changes as string[])
        .filter((c) => /^(remove-moved|create-container|connect-replica)/.test(c))
        .map((c) => c.split(':')[0])
        .sort(),
    ).toEqual([
      'connect-replica replica2',
      'create-container replica2',
      'remove-moved replica2', // the removal there and the creation here run at once
    ]);
    expect([await names(localEngine, name), await names(remote, name)]).toEqual([
      [`${name}-primary`],
      [`${name}-replica1`, `${name}-replica2`],
    ]);
    expect((await ask(p3, 'SELECT id FROM spread.t ORDER BY id')).map((r) => r.id)).toEqual([1, 2, 3, 4]);
    const movedVerify = replikit(['verify', '-f', file, '--json'], {});
    expect([movedVerify.code, JSON.parse(movedVerify.out).problems]).toEqual([0, []]);

    // What up returned is enough for down (the Jest and Vitest teardowns pass it) to find both engines.
    const removed = await down(JSON.parse(up.out), { volumes: true });
    expect(removed.containers.sort()).toEqual([`${name}-primary`, `${name}-replica1`, `${name}-replica2`]);
    expect([await names(localEngine, name), await names(remote, name)]).toEqual([[], []]);
  });

  it('a node deleted from the file off an engine no other node uses: plan and up still see it there, --remove-orphans and down --volumes remove it', async () => {
    const other = uniqueName('left');
    const [p1, p2] = [await freePort(BRIDGE), await freePort(BRIDGE)];
    const otherFile = spreadTopology(other, {
      primary: { role: 'primary', port: p1 },
      replica1: { role: 'replica', port: p2, engine: 'box' },
    });
    try {
      expect(replikit(['up', '-f', otherFile], {}).code).toBe(0);
      // replica1 leaves the file; engines: still names box, where nothing of the file runs now.
      const doc = parseDocument(fs.readFileSync(otherFile, 'utf8'));
      doc.deleteIn(['nodes', 'replica1']);
      fs.writeFileSync(otherFile, doc.toString());
      const planned = replikit(['plan', '-f', otherFile], {});
      expect(planned.out).toContain(`orphan ${other}-replica1: not in the topology file, left alone (up --remove-orphans removes it)`);
      const removed = replikit(['up', '-f', otherFile, '--remove-orphans', '--json'], {});
      expect(JSON.parse(removed.out).changes).toContain(`remove-orphan ${other}-replica1: its node is no longer in the topology file`);
      expect(await names(remote, other)).toEqual([]);
      // Its data volume stays there until down --volumes, which looks at every engine the file names.
      expect(await remote.volumes(other)).toEqual([`${other}-replica1-data`]);
      expect(replikit(['down', '-f', otherFile, '--volumes'], {}).code).toBe(0);
      expect(await remote.volumes(other)).toEqual([]);
    } finally {
      replikit(['down', '-f', otherFile, '--volumes'], {});
    }
  });

  it('an advertise: address the other engine cannot reach stops up before anything is created', async () => {
    // An address on the second engine's bridge that no host or container has: from that
    // engine's containers no one answers (no route to host). Nothing leaves this machine.
    const unreachable = `10.222.0.77:${await freePort(BRIDGE)}`;
    const other = uniqueName('unreach');
    const [p1, p2] = [await freePort(BRIDGE), await freePort(BRIDGE)];
    const otherFile = spreadTopology(other, {
      primary: { role: 'primary', port: p1, advertise: unreachable },
      replica1: { role: 'replica', port: p2, engine: 'box' },
    });
    const r = replikit(['up', '-f', otherFile], {});
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(
      `primary: its advertise: address ${unreachable} cannot be reached from containers on docker context replikit-engine2 (tcp://127.0.0.2:2376) (`,
    );
    expect(r.err).toContain('nothing was created');
    expect([await names(localEngine, other), await names(remote, other)]).toEqual([[], []]);
    // The probes' helpers are gone from both engines too.
    const probes = (e: DockerEngine) => e.docker.listContainers({ all: true, filters: { label: [`${LABEL.probe}=${other}`] } });
    expect([(await probes(localEngine)).length, (await probes(remote)).length]).toEqual([0, 0]);
  });
});

describe('the remote engine over ssh://', () => {
  const KEY = '/var/lib/replikit-engine2/ssh/id_ed25519';
  const name = uniqueName('ssh');
  const t = simpleTopology(name, IMAGE, {});
  let agent: Record<string, string> = {};
  beforeAll(() => {
    // As a user would have it: the key in a running ssh-agent, DOCKER_HOST=ssh://USER@HOST:PORT.
    const started = spawnSync('ssh-agent', ['-s'], { encoding: 'utf8' });
    agent = Object.fromEntries([...started.stdout.matchAll(/(SSH_AUTH_SOCK|SSH_AGENT_PID)=([^;]+);/g)].map((m) => [m[1], m[2]]));
    const added = spawnSync('ssh-add', [KEY], { env: { ...process.env, ...agent }, encoding: 'utf8' });
    if (added.status !== 0) throw new Error(`ssh-add ${KEY} failed (run scripts/second-engine.sh): ${added.stderr}`);
  });
  afterAll(() => {
    replikit(['down', '-f', t.file, '--volumes'], { DOCKER_HOST: 'ssh://root@127.0.0.2:2222', ...agent });
    if (agent.SSH_AGENT_PID) process.kill(Number(agent.SSH_AGENT_PID));
  });

  it('up, a replica joining with data (a dump streamed through exec), status and down, all through ssh', async () => {
    const env = { DOCKER_HOST: 'ssh://root@127.0.0.2:2222', ...agent };
    const first = replikit(['up', '-f', t.file, '--json'], env);
    expect([first.code, first.err]).toEqual([0, '']);
    const port = JSON.parse(first.out).nodes[0].port as number;
    expect(JSON.parse(first.out).nodes[0].host).toBe('127.0.0.2');
    await query(port, 'CREATE DATABASE over_ssh');
    await query(port, 'CREATE TABLE over_ssh.t (id INT PRIMARY KEY)');
    await query(port, 'INSERT INTO over_ssh.t VALUES (7)');

    fs.writeFileSync(t.file, `${fs.readFileSync(t.file, 'utf8').trimEnd()}\n  replica1:\n    role: replica\n`);
    const second = replikit(['up', '-f', t.file, '--json'], env);
    expect([second.code, second.err]).toEqual([0, '']);
    const joined = JSON.parse(second.out);
    expect(joined.changes.find((c: string) => c.startsWith('connect-replica replica1'))).toContain('loaded a snapshot of over_ssh');
    expect(await query(joined.nodes.find((n: { name: string }) => n.name === 'replica1').port, 'SELECT id FROM over_ssh.t')).toEqual([
      { id: 7 },
    ]);
    expect(await names(remote, name)).toEqual([`${name}-primary`, `${name}-replica1`]);
    const status = replikit(['status', '-f', t.file, '--json'], env);
    expect(JSON.parse(status.out).healthy).toBe(true);
    // Without a user in the URL, as OpenSSH: the local one.
    const asLocalUser = replikit(['status', '-f', t.file, '--json'], { DOCKER_HOST: 'ssh://127.0.0.2:2222', ...agent, USER: 'root' });
    expect([asLocalUser.code, asLocalUser.err, JSON.parse(asLocalUser.out || '{}').healthy]).toEqual([0, '', true]);
    expect(replikit(['down', '-f', t.file], env).code).toBe(0);
    expect(await names(remote, name)).toEqual([]);
  });

  it('a host whose key is not in known_hosts is refused, as OpenSSH refuses it', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-home-'));
    const r = replikit(['ps', '-f', t.file], { DOCKER_HOST: 'ssh://root@127.0.0.2:2222', ...agent, HOME: home });
    expect([r.code, r.err.split('\n')[0]]).toEqual([
      1,
      'error: no Docker engine answers at ssh://root@127.0.0.2:2222: Host denied (verification failed)',
    ]);
  });
});
