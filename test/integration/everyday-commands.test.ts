import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { up } from '../../src';
import { guessImageVersion } from '../../src/flavors';
import { cleanup, docker, ENV, IMAGES, REPL_PASSWORD, requireEngine, ROOT_PASSWORD, simpleTopology, uniqueName } from './harness';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

/** The CLI; `withoutPasswords` runs it with the topology's passwords absent from its environment. */
function replikit(args: string[], o: { withoutPasswords?: boolean; cwd?: string; input?: string } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(o.withoutPasswords ? {} : ENV), CI: '1' };
  if (o.withoutPasswords) for (const k of Object.keys(ENV)) delete env[k];
  const r = spawnSync(process.execPath, [CLI, ...args], { env, cwd: o.cwd, input: o.input, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(requireEngine);

describe.each(IMAGES)('sql, logs and ps on %s', (image) => {
  const name = uniqueName('cmd');
  afterAll(() => cleanup(name));
  const t = simpleTopology(name, image, { replica1: undefined });
  beforeAll(() => up(t, { progress: 'silent' }), 180_000);

  it("sql -e runs one query with the server's own client, as root, with no password typed or shown", async () => {
    // The topology's passwords are not in this environment: sql needs only the topology's name.
    const r = replikit(['sql', 'replica1', '-f', t.file, '-e', 'SELECT CURRENT_USER() AS who, @@read_only AS ro'], {
      withoutPasswords: true,
    });
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out.trim().split('\n')).toEqual(['who\tro', 'root@localhost\t1']);

    // While a query runs, no process list (host or container) shows a password.
    const slow = spawn(process.execPath, [CLI, 'sql', 'primary', '-f', t.file, '-e', 'SELECT SLEEP(2)'], {
      env: { ...process.env, CI: '1' },
      stdio: 'ignore',
    });
    await new Promise((r) => setTimeout(r, 1000));
    const host = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    const inContainer = JSON.stringify(await docker.docker.getContainer(`${name}-primary`).top({ ps_args: '-eo pid,args' }));
    await new Promise((r) => slow.on('exit', r));
    expect(inContainer).toMatch(/replikit|mysql|mariadb/);
    for (const text of [host, inContainer]) for (const secret of [ROOT_PASSWORD, REPL_PASSWORD]) expect(text).not.toContain(secret);
  });

  it("sql reads statements from stdin when not on a terminal, and fails with the client's own exit code", () => {
    const ok = replikit(['sql', 'primary', '-f', t.file], {
      input: "CREATE DATABASE piped;\nSELECT COUNT(*) AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'piped';\n",
    });
    expect([ok.code, ok.out.trim()]).toEqual([0, 'n\n1']);
    const bad = replikit(['sql', 'primary', '-f', t.file, '-e', 'SELECT * FROM no_such_schema.t']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/ERROR 1049|ERROR 1146|Unknown database|doesn't exist/);
    const nobody = replikit(['sql', 'nobody', '-f', t.file, '-e', 'SELECT 1']);
    expect([nobody.code, nobody.err]).toEqual([2, expect.stringContaining("has no container for node 'nobody'")]);
  });

  it('logs prints the server log; ps lists the containers without SQL', () => {
    const logs = replikit(['logs', 'replica1', '--file', t.file, '-n', '50']);
    expect(logs.code).toBe(0);
    expect(logs.out + logs.err).toMatch(/ready for connections/);
    const ps = JSON.parse(replikit(['ps', '-f', t.file, '--json']).out);
    expect(ps.map((r: { node: string; role: string; state: string }) => [r.node, r.role, r.state])).toEqual([
      ['primary', 'primary', 'running'],
      ['replica1', 'replica', 'running'],
    ]);
    expect(replikit(['ps', '-f', t.file]).out.split('\n')[0]).toMatch(/^NODE +ROLE +STATE +ADDRESS +CONTAINER$/);
  });
});

describe('init, then up', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-init-'));
  const name = uniqueName('init');
  afterAll(() => cleanup(name));

  it('writes a commented topology and a 0600 .env, refuses to overwrite them, and up passes on them', () => {
    // MySQL where the matrix has it: init's default image is the official mysql one.
    const image = IMAGES.find((i) => guessImageVersion(i).flavor === 'mysql') ?? IMAGES[0];
    const env = { withoutPasswords: true };
    const r = replikit(['init', '--dir', dir, '--replicas', '1', '--image', image, '--gtid', '--name', name, '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ topologyFile: path.join(dir, 'replikit.yaml'), envFile: path.join(dir, '.env'), name });
    expect(fs.statSync(path.join(dir, '.env')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, 'replikit.yaml'), 'utf8')).toMatch(/^# .*\n[\s\S]*mode: gtid/);
    const again = replikit(['init', '--dir', dir], env);
    expect([again.code, again.err]).toEqual([2, expect.stringContaining('already exists')]);
    const upRun = replikit(['up', '--quiet'], { ...env, cwd: dir });
    expect([upRun.code, upRun.err]).toEqual([0, '']);
    expect(replikit(['verify', '--quiet'], { ...env, cwd: dir }).code).toBe(0);
  });
});
