import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { cleanup, ENV, IMAGE, leftovers, requireEngine, simpleTopology, uniqueName } from './harness';

beforeAll(requireEngine);

describe('a failed up in a library process', () => {
  const name = uniqueName('exit');
  afterAll(() => cleanup(name));

  it('stops, cleans up what it made, and lets the process exit on its own (no process.exit)', () => {
    const t = simpleTopology(name, IMAGE, { replica1: undefined }, '', { replica1: '    mysqld:\n      no_such_setting: 1\n' });
    const script = `
      const lib = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist'))});
      lib.up(lib.loadTopology(${JSON.stringify(t.file)}, { env: ${JSON.stringify(ENV)} })).then(
        () => console.log('up succeeded'),
        (e) => {
          const failedAt = Date.now();
          console.log('failed: ' + e.message.split('\\n')[0]);
          process.on('exit', () => console.log('exited ' + (Date.now() - failedAt) + ' ms after the failure'));
        },
      );`;
    const started = Date.now();
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`failed: replica1: container ${name}-replica1 exited \\(code \\d+\\) before accepting connections`),
    );
    const after = Number(/exited (\d+) ms after the failure/.exec(r.stdout)?.[1]);
    expect(after).toBeLessThan(2000);
    expect(Date.now() - started).toBeLessThan(90_000);
    return leftovers(name).then((l) => expect(l).toEqual({ containers: [], networks: [], volumes: [] }));
  });
});
