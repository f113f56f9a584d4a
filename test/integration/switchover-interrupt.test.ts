import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { switchover, up } from '../../src';
import { cleanup, ENV, hostPort, IMAGES, pause, replicaStatusOf, requireEngine, simpleTopology, sql, uniqueName } from './harness';

beforeAll(requireEngine);

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

describe.each(IMAGES)('Ctrl-C (or SIGTERM, SIGHUP) during a switchover, on %s', (image) => {
  const name = uniqueName('swint');
  afterAll(() => Promise.all(['', 't'].map((suffix) => cleanup(`${name}${suffix}`))));

  // SIGTERM is what CI sends a cancelled job: it must leave a writable primary as Ctrl-C does.
  it.each([
    ['SIGINT', 'Ctrl-C', ''],
    ['SIGTERM', 'SIGTERM', 't'],
  ] as const)(
    '%s before the promotion: nothing is switched, the old primary takes writes again, the file is unchanged',
    async (signal, what, suffix) => {
      // replica1 applies 5 s late, so the switchover waits for it long enough to be interrupted.
      const t = simpleTopology(`${name}${suffix}`, image, { replica1: undefined }, '', { replica1: '    delay: 5s\n' });
      await up(t, { progress: 'silent' });
      const p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE app');
      const before = fs.readFileSync(t.file, 'utf8');

      const child = spawn(process.execPath, [CLI, 'switchover', 'replica1', '--write', '-f', t.file, '--plain'], {
        env: { ...process.env, ...ENV, CI: '1' },
      });
      let err = '';
      child.stderr.on('data', (c) => (err += c));
      child.stdout.on('data', (c) => (err += c));
      // Interrupted once writes have stopped and the wait for replica1 runs.
      for (let i = 0; i < 100 && !/Stop writes on primary: read-only/.test(err); i++) await pause(50);
      child.kill(signal);
      const code = await new Promise<number | null>((r) => child.on('exit', r));

      expect(code).toBe(1);
      expect(err).toContain(`error: interrupted (${what}) before the promotion`);
      expect(err).toContain('nothing was switched; primary takes writes again');
      expect(fs.readFileSync(t.file, 'utf8')).toBe(before);
      const [ro] = await sql(p, 'SELECT @@GLOBAL.read_only AS ro');
      expect(ro.ro).toBe(0);
      await sql(p, 'CREATE TABLE app.after (id INT PRIMARY KEY)');
      expect((await replicaStatusOf(image, await hostPort(t, 'replica1'))).sourceHost).toBe(`${name}${suffix}-primary`);
    },
  );

  it('a write still running: writes are not held for longer than the bound, the blocker is named, nothing is switched', async () => {
    const other = `${name}b`;
    const t = simpleTopology(other, image, { replica1: undefined });
    try {
      await up(t, { progress: 'silent' });
      const p = await hostPort(t, 'primary');
      await sql(p, 'CREATE DATABASE app');
      await sql(p, 'CREATE TABLE app.t (id INT PRIMARY KEY)');
      // A write still running when writes are to stop: FLUSH TABLES WITH READ LOCK waits for it.
      const slow = sql(p, "INSERT INTO app.t (id) SELECT 100 + SLEEP(15) FROM DUAL WHERE 'hunter2' <> ''").catch(() => undefined);
      await pause(500);
      const started = Date.now();
      const error = await switchover(t, 'replica1', { lockWaitSeconds: 2 }).catch((e) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      // Who and how long, the statement's first word only: its text can hold secrets.
      expect(String(error.message)).toMatch(/^primary: writes could not be stopped within 2 s: connection \d+ \(root, \d+ s\): INSERT …/);
      expect(String(error.message)).not.toMatch(/hunter2|SLEEP/);
      expect(error.hint).toBe(
        'primary takes writes again; nothing was switched. Let that statement finish (or KILL it), then run switchover again',
      );
      expect((await sql(p, 'SELECT @@GLOBAL.read_only AS ro'))[0].ro).toBe(0);
      await sql(p, 'INSERT INTO app.t VALUES (2)');
      await slow;
    } finally {
      await cleanup(other);
    }
  });
});
