import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanup, docker, ENV, IMAGE, leftovers, requireEngine, ROOT_PASSWORD, simpleTopology, topology, uniqueName } from './harness';

/** The built CLI, as users run it (npm test builds first). */
const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

function replikit(args: string[], env: Record<string, string> = {}) {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does)`);
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...ENV, CI: '1', ...env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(requireEngine);

describe('replikit CLI against the real engine', () => {
  const name = uniqueName('cli');
  afterAll(() => cleanup(name));

  it('up on an invalid file exits 2 with positioned errors and creates nothing', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    const bad = fs.readFileSync(t.file, 'utf8').replace('role: replica', 'role: replcia');
    fs.writeFileSync(t.file, bad);
    const r = replikit(['up', '-f', t.file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${t.file}:11:11: nodes.replica1.role: must be one of primary, replica (did you mean 'replica'?)`);
    expect(await leftovers(name)).toEqual({ containers: [], networks: [], volumes: [] });
  });

  it('up prints timestamped progress lines when not on a terminal, status --json and down work as documented', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined, replica2: undefined });
    // plan first: what up will do, nothing done; --detailed-exitcode says changes are pending.
    const before = replikit(['plan', '-f', t.file, '--json', '--detailed-exitcode']);
    expect(before.code).toBe(2);
    const planned = JSON.parse(before.out);
    expect(planned.changes).toBe(true);
    expect(
      planned.operations.filter((o: { kind: string }) => o.kind === 'create-container').map((o: { target: string }) => o.target),
    ).toEqual(['primary', 'replica1', 'replica2']);
    expect(
      planned.operations.find((o: { kind: string; target: string }) => o.kind === 'connect-replica' && o.target === 'replica2'),
    ).toMatchObject({ source: 'primary', cause: 'new node', disruption: expect.any(String) });
    expect(await leftovers(name)).toEqual({ containers: [], networks: [], volumes: [] });
    const r = replikit(['up', '-f', t.file]);
    expect(r.code).toBe(0);
    const after = replikit(['plan', '-f', t.file, '--detailed-exitcode']);
    expect([after.code, after.out.trim()]).toEqual([0, 'nothing to do: containers and replication match the topology']);
    // A log a person reads: what finished, not every start and not every connection attempt.
    const lines = (r.out + r.err).trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(45);
    expect(r.out).not.toMatch(/attempt \d+|^❯/m);
    for (const node of ['primary', 'replica1', 'replica2']) {
      expect(lines.filter((l) => l.includes(`${node}: waiting for the server`)).length).toBeLessThanOrEqual(3);
    }
    expect(r.out).toMatch(/^✔ \[\d\d:\d\d:\d\d\] Verify: a heartbeat written on the primary reaches every replica$/m);
    expect(r.out).toMatch(/replica1 +replica +127\.0\.0\.1:\d+ .*← primary, heartbeat in \d+ ms/);
    expect(r.out + r.err).not.toContain(ROOT_PASSWORD);

    const s = replikit(['status', '-f', t.file, '--json']);
    expect(s.code).toBe(0);
    const report = JSON.parse(s.out);
    expect(report.healthy).toBe(true);
    expect(report.nodes.map((n: { node: string; io?: string }) => [n.node, n.io ?? null])).toEqual([
      ['primary', null],
      ['replica1', 'Yes'],
      ['replica2', 'Yes'],
    ]);

    const j = replikit(['up', '-f', t.file, '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ topology: name, changed: false, changes: [] });

    const d = replikit(['down', '-f', t.file]);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/removed 3 container\(s\), 1 network\(s\); data volumes kept/);
    expect((await leftovers(name)).volumes.sort()).toEqual([`${name}-primary-data`, `${name}-replica1-data`, `${name}-replica2-data`]);
    const gone = replikit(['down', '-f', t.file, '--volumes']);
    expect(gone.out).toMatch(/removed 0 container\(s\), 0 network\(s\), 3 volume\(s\)/);
  });

  it('--quiet prints nothing, NO_COLOR output has no escape codes, --json shapes carry no password', async () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined });
    const quiet = replikit(['up', '-f', t.file, '--quiet']);
    expect([quiet.code, quiet.out, quiet.err]).toEqual([0, '', '']);
    const plain = replikit(['status', '-f', t.file], { NO_COLOR: '1' });
    expect(plain.out).toMatch(/^NODE +ROLE +STATE/);
    expect(plain.out).not.toContain('\u001b[');
    const up = JSON.parse(replikit(['up', '-f', t.file, '--json']).out);
    expect(up.nodes[0]).toEqual({
      name: 'primary',
      role: 'primary',
      container: `${name}-primary`,
      host: '127.0.0.1',
      port: expect.any(Number),
      user: 'root',
      // The topology's CA, so a client can verify the server: public, not a secret.
      connection: {
        host: '127.0.0.1',
        port: up.nodes[0].port,
        user: 'root',
        charset: 'utf8mb4',
        ssl: { ca: expect.stringMatching(/^-----BEGIN CERTIFICATE-----\n/) },
      },
      uri: `mysql://root@127.0.0.1:${up.nodes[0].port}/`,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    const verify = replikit(['verify', '-f', t.file, '--quiet']);
    expect([verify.code, verify.out, verify.err]).toEqual([0, '', '']);
    expect(JSON.parse(replikit(['render', '-f', t.file, '--json']).out).map((r: { node: string }) => r.node)).toEqual([
      'primary',
      'replica1',
    ]);
    expect(replikit(['down', '-f', t.file, '--volumes', '--quiet']).out).toBe('');
  });

  it('down touches nothing without the topology label', async () => {
    const bystander = `${name}-bystander`;
    await docker.ensureVolume(bystander, { other: 'label' });
    try {
      const t = simpleTopology(name, IMAGE, {});
      replikit(['down', '-f', t.file, '--volumes']);
      expect(await docker.docker.getVolume(bystander).inspect()).toMatchObject({ Name: bystander });
    } finally {
      await docker.removeVolume(bystander);
    }
  });

  it('exits 1 with a clear message when the image cannot be pulled, and names the image', async () => {
    const t = topology(
      fs.readFileSync(simpleTopology(name, IMAGE, {}).file, 'utf8').replace(`image: ${IMAGE}`, 'image: replikit/no-such-image:0.0'),
    );
    const r = replikit(['up', '-f', t.file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('image replikit/no-such-image:0.0 is not present and cannot be pulled');
    expect(r.err).toContain('hint:');
  });

  it('exits 1 naming the node and showing its log when a server does not come up', async () => {
    const text = fs
      .readFileSync(simpleTopology(name, IMAGE, { replica1: undefined }).file, 'utf8')
      .replace('  replica1:\n    role: replica\n', '  replica1:\n    role: replica\n    mysqld:\n      no_such_server_option: 1\n');
    const t = topology(text);
    const r = replikit(['up', '-f', t.file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/replica1: container .*-replica1 exited \(code \d+\) before accepting connections/);
    expect(r.err).toMatch(/no_such_server_option/);
    await cleanup(name);
  });
});
