import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanup, ENV, IMAGE, requireEngine, uniqueName } from './harness';

const ROOT = path.join(__dirname, '..', '..');

beforeAll(requireEngine);

/** The packed tarball, installed where the repository is out of reach, as a user's project would. */
describe('the npm package', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-pack-'));
  const name = uniqueName('pack');
  afterAll(async () => {
    await cleanup(name);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('packs dist, templates and types, installs into another folder, and its CLI and API work there', async () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'dist/cli.js',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/jest/global-setup.js',
        'templates/base.cnf',
        'schema/topology.schema.json',
        'README.md',
      ]),
    );
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const project = path.join(dir, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(dir, packed[0].filename)], {
      cwd: project,
      stdio: 'ignore',
    });

    const yaml = `version: 1\nname: ${name}\nimage: ${IMAGE}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nnodes:\n  primary:\n    role: primary\n  replica1:\n    role: replica\n`;
    fs.writeFileSync(path.join(project, 'replikit.yaml'), yaml);
    const validate = spawnSync(path.join(project, 'node_modules', '.bin', 'replikit'), ['validate'], {
      cwd: project,
      env: { ...process.env, ...ENV },
      encoding: 'utf8',
    });
    expect(validate.stdout).toBe('replikit.yaml: valid (2 nodes: primary=primary, replica1=replica)\n');
    expect(validate.status).toBe(0);

    // The API from the installed package, in a plain Node script: up, write, wait, read, down.
    const script = `
      const { up, down, waitForReplication } = require('replikit');
      const mysql = require('mysql2/promise'); // installed with replikit
      (async () => {
        const db = await up('replikit.yaml');
        const primary = await mysql.createConnection(db.nodes[0].connection);
        await primary.query('CREATE DATABASE packaged');
        await primary.end();
        await waitForReplication(db);
        const replica = await mysql.createConnection(db.nodes[1].connection);
        const [rows] = await replica.query("SHOW DATABASES LIKE 'packaged'");
        await replica.end();
        const removed = await down(db, { volumes: true });
        console.log(JSON.stringify({ rows: rows.length, removed: removed.containers.length }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: project,
      env: { ...process.env, ...ENV },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ rows: 1, removed: 2 });

    // Its types, in a user's strict TypeScript project without skipLibCheck: every key a file
    // takes, and the types the declarations import come with the package.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '@types/node@20'], { cwd: project, stdio: 'ignore' });
    fs.writeFileSync(
      path.join(project, 'check.ts'),
      `import { up, plan, switchover, TopologyInput } from 'replikit';\n` +
        `const t: TopologyInput = { engines: { box: 'tcp://192.0.2.5:2376' }, replication: { tls: 'verify' }, nodes: { p: { role: 'primary' }, r: { role: 'replica', engine: 'box', advertise: '192.0.2.5:3308', delay: 30, placement: [] } } };\n` +
        `export const calls = [up(t), plan(t), switchover('replikit.yaml', 'r')];\n`,
    );
    const tsc = spawnSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '--strict',
        '--noEmit',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        'check.ts',
      ],
      { cwd: project, encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
