import * as fs from 'node:fs';
import { down, plan, status, switchover, up } from '../../src';
import type { Topology } from '../../src';
import { loadTopology } from '../../src/topology/load';
import { LABEL } from '../../src/names';
import { MYCNF_PATH } from '../../src/render/mycnf';
import {
  caughtUp,
  checksum,
  docker,
  ENV,
  IMAGE,
  pause,
  REPL_PASSWORD,
  requireEngine,
  ROOT_PASSWORD,
  sql,
  simpleTopology,
  startWriter,
  uniqueName,
  whileWriting,
} from './harness';

/**
 * engine: swarm on the one-node swarm scripts/test-env.sh makes of this machine's engine: each
 * node is a one-task service, its files swarm secrets and configs, on an overlay network.
 */
function swarmTopology(name: string, replicas: Record<string, string | undefined>, extra = ''): Topology {
  const onSwarm = Object.fromEntries(['primary', ...Object.keys(replicas)].map((n) => [n, '    engine: swarm\n']));
  return simpleTopology(name, IMAGE, replicas, extra, onSwarm);
}

/** Each node's published port, as status reads it from the running task. */
async function ports(t: Topology): Promise<Record<string, number>> {
  const s = await status(t);
  return Object.fromEntries(s.nodes.map((n) => [n.node, Number(n.address?.split(':')[1])]));
}

/** The running task container of a node's service. */
async function taskOf(t: Topology, node: string) {
  const list = await docker.docker.listContainers({
    filters: { label: [`com.docker.swarm.service.name=${t.name}-${node}`], status: ['running'] },
  });
  return list[0];
}

async function swarmObjects(name: string) {
  const filters = { label: [`${LABEL.topology}=${name}`] };
  return {
    services: (await docker.docker.listServices({ filters })).map((s) => s.Spec?.Name).sort(),
    secrets: (await docker.docker.listSecrets({ filters })).length,
    configs: (await docker.docker.listConfigs({ filters })).length,
  };
}

beforeAll(async () => {
  await requireEngine();
  const info = await docker.docker.info();
  if (!info.Swarm?.ControlAvailable)
    throw new Error(
      `these tests need this engine to be a swarm manager: run scripts/test-env.sh (it runs docker swarm init); swarm state: ${info.Swarm?.LocalNodeState}`,
    );
});

describe('engine: swarm', () => {
  const name = uniqueName('swarm');
  const t = swarmTopology(name, { replica1: undefined, replica2: undefined });
  afterAll(() => down(t, { volumes: true }).catch(() => undefined));

  it('the classic topology runs as services with secrets and configs; up again changes nothing; status names the swarm node', async () => {
    const result = await up(t);
    expect(
      result.nodes
        .filter((n) => n.heartbeatLagMs !== undefined)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['replica1', 'replica2']);
    const objects = await swarmObjects(name);
    expect(objects.services).toEqual([`${name}-primary`, `${name}-replica1`, `${name}-replica2`]);
    // Per node: 4 secrets for root (password, init SQL, client file) and the TLS key… and the CA and certificate beside them; my.cnf as a config.
    expect(objects).toMatchObject({ secrets: 18, configs: 3 });

    // No plain container of a node: each runs as its service's task.
    const tasks = await docker.docker.listContainers({ filters: { label: [`${LABEL.topology}=${name}`] } });
    expect(tasks.map((c) => c.Labels['com.docker.swarm.service.name']).sort()).toEqual([
      `${name}-primary`,
      `${name}-replica1`,
      `${name}-replica2`,
    ]);

    // Secrets stay secret: neither the service nor its task shows a password; the task reads files.
    for (const node of ['primary', 'replica1', 'replica2']) {
      const seen = JSON.stringify([
        await docker.docker.getService(`${name}-${node}`).inspect(),
        await docker.docker.getContainer((await taskOf(t, node)).Id).inspect(),
      ]);
      for (const secret of [ROOT_PASSWORD, REPL_PASSWORD, JSON.stringify(ROOT_PASSWORD).slice(1, -1)]) expect(seen).not.toContain(secret);
    }
    // Mounted by the swarm: the Engine API's archive does not see into the mount, a shell in the task does.
    const stat = await docker.exec((await taskOf(t, 'primary')).Id, [
      'stat',
      '-c',
      '%n %a %u',
      '/run/secrets/replikit-root-password',
      '/run/secrets/replikit-key.pem',
      MYCNF_PATH,
    ]);
    const out: Buffer[] = [];
    stat.stdout.on('data', (c: Buffer) => out.push(c));
    expect(await stat.done).toBe(0);
    expect(Buffer.concat(out).toString().trim().split('\n')).toEqual([
      '/run/secrets/replikit-root-password 400 999',
      '/run/secrets/replikit-key.pem 400 999',
      `${MYCNF_PATH} 644 0`,
    ]);

    const p = await ports(t);
    await sql(p.primary, 'CREATE DATABASE swarm_app');
    await sql(p.primary, 'CREATE TABLE swarm_app.t (id INT PRIMARY KEY)');
    await sql(p.primary, 'INSERT INTO swarm_app.t VALUES (1), (2), (3)');

    const before = (await taskOf(t, 'replica1')).Id;
    const again = await up(t);
    expect(again.changed).toBe(false);
    expect((await taskOf(t, 'replica1')).Id).toBe(before);

    const s = await status(t);
    expect(s.healthy).toBe(true);
    const hostname = (await docker.docker.info()).Name;
    expect(s.nodes.map((n) => [n.node, n.swarmNode])).toEqual([
      ['primary', hostname],
      ['replica1', hostname],
      ['replica2', hostname],
    ]);
    for (const node of ['replica1', 'replica2']) {
      await caughtUp(p.primary, p[node]);
      expect(await sql(p[node], 'SELECT COUNT(*) AS n FROM swarm_app.t')).toEqual([{ n: 3 }]);
    }
  });

  it('down removes the services, their secrets and configs, the network and, with volumes, the data', async () => {
    const removed = await down(t, { volumes: true });
    expect(removed.containers.sort()).toEqual([`${name}-primary`, `${name}-replica1`, `${name}-replica2`]);
    expect(await swarmObjects(name)).toEqual({ services: [], secrets: 0, configs: 0 });
    expect(await docker.volumes(name)).toEqual([]);
    expect(await docker.networks(name)).toEqual([]);
  });
});

describe('a chain on a swarm, and a switchover', () => {
  const name = uniqueName('swarm-chain');
  const t = swarmTopology(name, { replica1: undefined, replica2: 'replica1' }, 'replication:\n  mode: gtid\n');
  afterAll(() => down(t, { volumes: true }).catch(() => undefined));

  it('replica2 replicates through replica1; after switchover --write, up takes the new roles with new tasks and nothing is lost', async () => {
    await up(t);
    let p = await ports(t);
    await sql(p.primary, 'CREATE DATABASE chain_app');
    await sql(p.primary, 'CREATE TABLE chain_app.t (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(40))');
    await sql(p.primary, "INSERT INTO chain_app.t (payload) VALUES ('before')");
    expect((await status(t)).nodes.map((n) => [n.node, n.source ?? null])).toEqual([
      ['primary', null],
      ['replica1', 'primary'],
      ['replica2', 'replica1'],
    ]);

    const result = await switchover(t, 'replica1', { write: true });
    expect(result.newPrimary).toBe('replica1');
    const moved = loadTopology(t.file, { env: ENV });
    // The roles live in each task's my.cnf, a config: a new task takes the new one.
    const again = await up(moved);
    expect(
      again.changes
        .filter((c) => c.startsWith('restart-container'))
        .map((c) => c.split(':')[0])
        .sort(),
    ).toEqual(['restart-container primary', 'restart-container replica1']);
    p = await ports(moved);
    await sql(p.replica1, "INSERT INTO chain_app.t (payload) VALUES ('after')");
    const s = await status(moved);
    expect(s.healthy).toBe(true);
    expect(s.nodes.map((n) => [n.node, n.role, n.source ?? null]).sort()).toEqual([
      ['primary', 'replica', 'replica1'],
      ['replica1', 'primary', null],
      ['replica2', 'replica', 'replica1'],
    ]);
    for (const node of ['primary', 'replica2']) {
      await caughtUp(p.replica1, p[node]);
      expect(await checksum(p[node], 'chain_app.t')).toEqual(await checksum(p.replica1, 'chain_app.t'));
    }
    expect((await up(moved)).changed).toBe(false);
  });
});

describe('a killed task under a steady writer', () => {
  const name = uniqueName('swarm-kill');
  const t = swarmTopology(name, { replica1: undefined }, 'replication:\n  mode: gtid\n');
  afterAll(() => down(t, { volumes: true }).catch(() => undefined));

  it('the swarm starts a new task, the replica resumes, and every committed row arrives', async () => {
    await up(t);
    const p = await ports(t);
    await sql(p.primary, 'CREATE DATABASE kill_app');
    await sql(p.primary, 'CREATE TABLE kill_app.t (id INT AUTO_INCREMENT PRIMARY KEY, payload VARCHAR(40))');
    const killed = (await taskOf(t, 'replica1')).Id;

    const { committed } = await whileWriting(startWriter(p.primary, 'kill_app.t'), async () => {
      await pause(1000);
      await docker.docker.getContainer(killed).kill(); // SIGKILL: no clean shutdown
      // The swarm, not replikit, brings the node back: no up runs here.
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await pause(250)) {
        const task = await taskOf(t, 'replica1');
        if (task && task.Id !== killed) break;
      }
      await pause(2000);
    });
    expect(committed.length).toBeGreaterThan(50);
    const task = await taskOf(t, 'replica1');
    expect(task?.Id).toBeDefined();
    expect(task.Id).not.toBe(killed);

    const after = await ports(t);
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await pause(500)) {
      const [n] = await sql(after.replica1, 'SELECT COUNT(*) AS n FROM kill_app.t').catch(() => [{ n: -1 }]);
      if (Number(n.n) >= committed.length) break;
    }
    const rows = (await sql<{ id: number }>(after.replica1, 'SELECT id FROM kill_app.t ORDER BY id')).map((r) => r.id);
    expect(rows).toEqual(expect.arrayContaining(committed));
    expect(await checksum(after.replica1, 'kill_app.t')).toEqual(await checksum(after.primary, 'kill_app.t'));
    const s = await status(t);
    expect(s.nodes.find((n) => n.node === 'replica1')).toMatchObject({ state: 'running', io: 'Yes', sql: 'Yes' });
  });
});

describe('a placement no swarm node meets', () => {
  const name = uniqueName('swarm-nowhere');
  const t = swarmTopology(name, { replica1: undefined }).file;
  afterAll(() => down(loadTopology(t, { env: ENV }), { volumes: true }).catch(() => undefined));

  it('stops up at once with what the swarm said, and leaves nothing behind', async () => {
    fs.writeFileSync(
      t,
      fs
        .readFileSync(t, 'utf8')
        .replace(
          '  replica1:\n    role: replica\n    engine: swarm\n',
          '  replica1:\n    role: replica\n    engine: swarm\n    placement: [node.labels.replikit-test==nowhere]\n',
        ),
    );
    const started = Date.now();
    const error = await up(loadTopology(t, { env: ENV })).then(
      () => undefined,
      (e: Error & { hint?: string }) => e,
    );
    expect(error?.message).toMatch(new RegExp(`the swarm cannot place service ${name}-replica1: .*no suitable node`));
    expect(error?.hint).toContain('placement:');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await swarmObjects(name)).toEqual({ services: [], secrets: 0, configs: 0 });
    expect(await docker.volumes(name)).toEqual([]);
  });
});

describe('a topology moved from containers to the swarm', () => {
  const name = uniqueName('swarm-move');
  const before = simpleTopology(name, IMAGE, { replica1: undefined });
  const after = swarmTopology(name, { replica1: undefined });
  afterAll(async () => {
    await down(after, { volumes: true }).catch(() => undefined);
    await down(before, { volumes: true }).catch(() => undefined);
  });

  it('is stopped by preflight while its containers are there; once they are removed, the services start on the kept volumes', async () => {
    const first = await up(before);
    const port = first.nodes.find((n) => n.name === 'primary')!.port;
    await sql(port, 'CREATE DATABASE moved_app');
    await sql(port, 'CREATE TABLE moved_app.t (id INT PRIMARY KEY)');
    await sql(port, 'INSERT INTO moved_app.t VALUES (7)');
    await caughtUp(port, first.nodes.find((n) => n.name === 'replica1')!.port);

    const error = await up(after).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(
      `still has container(s) ${[`${name}-primary`, `${name}-replica1`].join(', ')} and the bridge network ${name}-net from before`,
    );
    expect(await swarmObjects(name)).toEqual({ services: [], secrets: 0, configs: 0 });
    expect((await docker.containers(name)).map((c) => c.state)).toEqual(['running', 'running']);

    await down(before); // the data volumes stay
    const moved = await up(after);
    const p = Object.fromEntries(moved.nodes.map((n) => [n.name, n.port]));
    expect(await swarmObjects(name)).toMatchObject({ services: [`${name}-primary`, `${name}-replica1`] });
    expect(await sql(p.primary, 'SELECT id FROM moved_app.t')).toEqual([{ id: 7 }]);
    expect(await sql(p.replica1, 'SELECT id FROM moved_app.t')).toEqual([{ id: 7 }]);
    expect((await status(after)).healthy).toBe(true);
  });
});

describe('a changed setting on a swarm node with a fixed port', () => {
  const name = uniqueName('swarm-port');
  const lines = (mysqld: string) => ({
    primary: '    engine: swarm\n    port: 3421\n',
    replica1: `    engine: swarm\n    port: 3422\n${mysqld}`,
  });
  const t = simpleTopology(name, IMAGE, { replica1: undefined }, '', lines(''));
  afterAll(() => down(t, { volumes: true }).catch(() => undefined));

  it('gets a new task once the old one has freed the port; the new file is used and the old one is removed', async () => {
    await up(t);
    const changed = simpleTopology(name, IMAGE, { replica1: undefined }, '', lines('    mysqld:\n      max_connections: 77\n'));
    const result = await up(changed);
    expect(result.changes.map((c) => c.split(':')[0])).toEqual(['restart-container replica1']);
    expect(await sql(3422, 'SELECT @@max_connections AS n')).toEqual([{ n: 77 }]);
    const filters = { label: [`io.replikit.service=${name}-replica1`] };
    expect([(await docker.docker.listSecrets({ filters })).length, (await docker.docker.listConfigs({ filters })).length]).toEqual([6, 1]);
    expect((await status(changed)).healthy).toBe(true);
  });
});

describe('a changed placement: on a swarm node', () => {
  const name = uniqueName('swarm-place');
  const lines = (placement: string) => ({ primary: '    engine: swarm\n', replica1: `    engine: swarm\n${placement}` });
  const t = simpleTopology(name, IMAGE, { replica1: undefined }, '', lines(''));
  afterAll(() => down(t, { volumes: true }).catch(() => undefined));

  it('is applied: the service is made again with the new constraint, on its kept volume', async () => {
    const first = await up(t);
    const p = first.nodes.find((n) => n.name === 'primary')!.port;
    await sql(p, 'CREATE DATABASE placed');
    await sql(p, 'CREATE TABLE placed.t (id INT PRIMARY KEY)');
    await sql(p, 'INSERT INTO placed.t VALUES (1)');
    const host = (await docker.docker.info()).Name as string;
    const pinned = simpleTopology(name, IMAGE, { replica1: undefined }, '', lines(`    placement: [node.hostname==${host}]\n`));
    // It was never looked at before: plan said nothing to do.
    expect((await plan(pinned)).toString()).toMatch(/^recreate-container replica1: image, address, port or placement changed/);
    const result = await up(pinned);
    expect(result.changes.filter((c) => !c.startsWith('start-container')).map((c) => c.split(':')[0])).toEqual([
      'recreate-container replica1',
    ]);
    const spec = await docker.docker.getService(`${name}-replica1`).inspect();
    expect(spec.Spec.TaskTemplate.Placement.Constraints).toEqual([`node.hostname==${host}`]);
    const r = result.nodes.find((n) => n.name === 'replica1')!.port;
    expect(await sql(r, 'SELECT id FROM placed.t')).toEqual([{ id: 1 }]);
    expect((await plan(pinned)).toString()).toBe('nothing to do: containers and replication match the topology');
  });
});
