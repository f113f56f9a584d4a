import { createConnection } from 'mysql2/promise';
import { plan, up, verify, status } from '../../src';
import {
  cleanup,
  dialectOf,
  docker,
  secretFiles,
  hostPort,
  IMAGES,
  REPL_PASSWORD,
  replicaStatusOf,
  requireEngine,
  simpleTopology,
  sql,
  uniqueName,
  pause,
} from './harness';

beforeAll(requireEngine);

/** The server's own counters: TLS handshakes it accepted. */
async function tlsAccepts(port: number): Promise<number> {
  const [row] = await sql(port, "SHOW GLOBAL STATUS LIKE 'Ssl_accepts'");
  return Number(row?.Value ?? 0);
}

describe.each(IMAGES)('replication over TLS by default, on %s', (image) => {
  const name = uniqueName('tls');
  const t = simpleTopology(name, image, { replica1: undefined });
  afterAll(() => cleanup(name));

  it('each replica encrypts and checks its source against the topology CA; the source refuses the account over plain text', async () => {
    const r = await up(t, { progress: 'silent' });
    const replica = await replicaStatusOf(image, await hostPort(t, 'replica1'));
    expect([replica.sslAllowed, replica.sslVerify, replica.ioRunning]).toEqual(['Yes', 'Yes', 'Yes']);
    const primaryPort = await hostPort(t, 'primary');
    expect(await tlsAccepts(primaryPort)).toBeGreaterThan(0);
    const [account] = await sql(primaryPort, "SELECT ssl_type FROM mysql.user WHERE User = 'repl' AND Host = '%'");
    expect(account.ssl_type).toBe('ANY');
    const plain = await createConnection({
      host: '127.0.0.1',
      port: primaryPort,
      user: 'repl',
      password: REPL_PASSWORD,
      ssl: undefined,
    }).catch((e) => e);
    expect((plain as { errno?: number }).errno).toBe(1045);

    // A client of the library checks the server's certificate with the CA up returned.
    const node = r.nodes.find((n) => n.name === 'primary')!;
    expect(node.connection.ssl?.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const verified = await createConnection(node.connection);
    const [[cipher]] = (await verified.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) as unknown as [{ Value: string }[]];
    expect(cipher.Value).not.toBe('');
    await verified.end();
    // The key is the server's alone.
    const files = await secretFiles(`${name}-primary`);
    expect(files).toMatchObject({
      'replikit-key.pem': { mode: 0o400 },
      'replikit-cert.pem': { mode: 0o444 },
      'replikit-ca.pem': { mode: 0o444 },
    });
  });

  it('a replica given another CA is refused at once, and status says why', async () => {
    const replicaPort = await hostPort(t, 'replica1');
    const d = await dialectOf(image);
    expect(replicaPort).toBeGreaterThan(0);
    const other = (await import('../../src/tls/certificates')).topologyTls;
    const stranger = await other({ ...t, name: `${name}-stranger` }, []);
    await docker.putFiles(`${name}-replica1`, [{ path: '/run/secrets/replikit-ca.pem', content: stranger!.ca, mode: 0o444 }]);
    await sql(replicaPort, d.stopReplica());
    await sql(replicaPort, d.startReplica());
    let s = await status(t);
    for (let i = 0; i < 40 && !s.nodes.find((n) => n.node === 'replica1')?.cause; i++) s = (await pause(250), await status(t));
    const r1 = s.nodes.find((n) => n.node === 'replica1')!;
    expect(r1.cause).toMatch(/^TLS: the link to \S+ cannot be secured/);
    expect((await verify(t)).ok).toBe(false);
    // up puts the topology's CA back and restarts the replica's threads.
    const fixed = await up(t, { progress: 'silent' });
    expect(fixed.changes).toEqual(
      expect.arrayContaining([
        "renew-certificates replica1: its CA is not the topology's",
        expect.stringMatching(/^start-replica replica1: /),
      ]),
    );
    expect((await plan(t)).toString()).toBe('nothing to do: containers and replication match the topology');
    expect((await verify(t)).ok).toBe(true);
  });

  it('a node that gains an address (advertise:) gets certificates naming it, in place; then nothing to do', async () => {
    const fs = await import('node:fs');
    fs.writeFileSync(
      t.file,
      fs.readFileSync(t.file, 'utf8').replace('    role: primary\n', '    role: primary\n    advertise: 127.0.0.7:3399\n'),
    );
    const moved = (await import('../../src')).loadTopology(t.file, { env: (await import('./harness')).ENV });
    // Every node's certificate names every address a client may use: each is renewed.
    expect((await plan(moved)).toString().split('\n').sort()).toEqual([
      'renew-certificates primary: its certificate does not name IP Address:127.0.0.7',
      'renew-certificates replica1: its certificate does not name IP Address:127.0.0.7',
    ]);
    const before = (await docker.inspect(`${name}-primary`))!.State.StartedAt;
    await up(moved, { progress: 'silent' });
    const cert = (await docker.readFile(`${name}-primary`, '/run/secrets/replikit-cert.pem'))!;
    expect(new (await import('node:crypto')).X509Certificate(cert).subjectAltName).toContain('IP Address:127.0.0.7');
    expect((await docker.inspect(`${name}-primary`))!.State.StartedAt).toBe(before);
    expect((await plan(moved)).toString()).toBe('nothing to do: containers and replication match the topology');
    expect((await verify(moved)).ok).toBe(true);
    fs.writeFileSync(t.file, fs.readFileSync(t.file, 'utf8').replace('    advertise: 127.0.0.7:3399\n', ''));
  });

  it('replication.tls: off takes TLS away from the link and the account, in place', async () => {
    const yaml = (await import('node:fs')).readFileSync(t.file, 'utf8').replace('nodes:\n', 'replication:\n  tls: off\nnodes:\n');
    (await import('node:fs')).writeFileSync(t.file, yaml);
    const off = (await import('../../src')).loadTopology(t.file, { env: (await import('./harness')).ENV });
    const steps = (await plan(off)).toString();
    expect(steps).toMatch(/set-replication-password primary: the account's TLS requirement differs from replication.tls: off/);
    expect(steps).toMatch(/update-credentials replica1: TLS verify → off/);
    await up(off, { progress: 'silent' });
    expect((await replicaStatusOf(image, await hostPort(off, 'replica1'))).sslAllowed).toBe('No');
    expect((await verify(off)).ok).toBe(true);
  });
});

describe('a second machine against the same engine', () => {
  const name = uniqueName('twohome');
  afterAll(() => cleanup(name));

  it('finds the topology CA with the topology: plan and up from there change nothing, and both keep one CA', async () => {
    const os = await import('node:os');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const homes = [fs.mkdtempSync(path.join(os.tmpdir(), 'rk-home-a-')), fs.mkdtempSync(path.join(os.tmpdir(), 'rk-home-b-'))];
    const before = process.env.XDG_STATE_HOME;
    const as = async <T>(home: string, work: () => Promise<T>) => {
      process.env.XDG_STATE_HOME = home;
      try {
        return await work();
      } finally {
        if (before === undefined) delete process.env.XDG_STATE_HOME;
        else process.env.XDG_STATE_HOME = before;
      }
    };
    try {
      const t = simpleTopology(name, IMAGES[0], { replica1: undefined });
      await as(homes[0], () => up(t, { progress: 'silent' }));
      // Another user or machine: its own state folder holds no CA of this topology.
      expect((await as(homes[1], () => plan(t))).toString()).toBe('nothing to do: containers and replication match the topology');
      expect((await as(homes[1], () => up(t, { progress: 'silent' }))).changed).toBe(false);
      const kept = homes.map((h) => fs.readFileSync(path.join(h, 'replikit', name, 'ca.pem'), 'utf8'));
      expect(kept[1]).toBe(kept[0]);
      // And back on the first: nothing flips.
      expect((await as(homes[0], () => plan(t))).toString()).toBe('nothing to do: containers and replication match the topology');
    } finally {
      for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
    }
  });
});

describe('an upgrade rehearsal: a MariaDB 10.11 primary and an 11.8 replica', () => {
  const name = uniqueName('mix');
  afterAll(() => cleanup(name));
  const images = ['replikit/mariadb:10.11', 'replikit/mariadb:11.8'];

  it('replicates over TLS (11.x replicas demand it)', async () => {
    const t = simpleTopology(name, images[0], { replica1: undefined }, '', { replica1: `    image: ${images[1]}\n` });
    const r = await up(t, { progress: 'silent' });
    expect(r.nodes.map((n) => n.version.replace(/-.*/, '').split('.').slice(0, 2).join('.'))).toEqual(['10.11', '11.8']);
    expect((await verify(t)).ok).toBe(true);
    const s = await replicaStatusOf(images[1], await hostPort(t, 'replica1'));
    expect([s.sslAllowed, s.sslVerify]).toEqual(['Yes', 'Yes']);
  });
});
