import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireEngine, topology, uniqueName, IMAGE } from './harness';

beforeAll(requireEngine);

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli.js');

/** A docker CLI config folder holding one context, current. */
function contextDir(name: string, host: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-ctx-'));
  const id = createHash('sha256').update(name).digest('hex');
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } }),
  );
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: name }));
  return dir;
}

describe('the engine named by a docker context', () => {
  const t = topology(
    `version: 1\nname: ${uniqueName('ctx')}\nimage: ${IMAGE}\ncredentials:\n  root_password: x\n  replication_password: y\nnodes:\n  primary:\n    role: primary\n`,
  );
  const run = (dockerConfig: string) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: dockerConfig };
    delete env.DOCKER_HOST;
    return spawnSync(process.execPath, [CLI, 'ps', '-f', t.file], { env, encoding: 'utf8' });
  };

  it('is used when it is current, and one that does not answer is named in the error', () => {
    const ok = run(contextDir('local-socket', 'unix:///var/run/docker.sock'));
    expect([ok.status, ok.stdout.split('\n')[0]]).toEqual([0, 'NODE  ROLE  STATE  ADDRESS  CONTAINER']);
    const broken = run(contextDir('broken', 'unix:///nonexistent/docker.sock'));
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('no Docker engine answers at docker context broken (unix:///nonexistent/docker.sock)');
  });
});
