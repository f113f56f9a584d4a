import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineTarget } from '../../src/docker/context';

/** A docker CLI config folder with one context, as `docker context create` writes it. */
function configWith(context: string, host: string, tls: boolean, current = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-docker-'));
  const id = createHash('sha256').update(context).digest('hex');
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
  fs.writeFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({ Name: context, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }));
  if (tls) {
    const t = path.join(dir, 'contexts', 'tls', id, 'docker');
    fs.mkdirSync(t, { recursive: true });
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(t, f), `${f} content`);
  }
  if (current) fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ currentContext: context }));
  return dir;
}

describe('which Docker engine, as the docker CLI picks it', () => {
  it('DOCKER_HOST first; its host is where published ports are reached', () => {
    const t = engineTarget({ DOCKER_HOST: 'tcp://192.0.2.5:2376', DOCKER_CONTEXT: 'other' }, configWith('other', 'tcp://192.0.2.9:2376', false));
    expect([t.describe, t.host, t.options]).toEqual(['tcp://192.0.2.5:2376', '192.0.2.5', {}]);
  });

  it('the current context with its mutual-TLS files', () => {
    const t = engineTarget({}, configWith('remote', 'tcp://192.0.2.10:2376', true));
    expect(t.host).toBe('192.0.2.10');
    expect(t.options).toMatchObject({ protocol: 'https', host: '192.0.2.10', port: 2376 });
    expect(String(t.options.ca)).toBe('ca.pem content');
    expect(String(t.options.key)).toBe('key.pem content');
  });

  it('DOCKER_CONTEXT over the config, ssh and unix endpoints, and a missing context said plainly', () => {
    const dir = configWith('build', 'ssh://ci@192.0.2.11', false, false);
    expect(engineTarget({ DOCKER_CONTEXT: 'build' }, dir).options).toEqual({ protocol: 'ssh', host: '192.0.2.11', port: 22, username: 'ci' });
    expect(engineTarget({ DOCKER_CONTEXT: 'sock' }, configWith('sock', 'unix:///run/user/1000/docker.sock', false)).options).toEqual({ socketPath: '/run/user/1000/docker.sock' });
    expect(engineTarget({}, dir).describe).toBe('/var/run/docker.sock');
    expect(() => engineTarget({ DOCKER_CONTEXT: 'nope' }, dir)).toThrow("docker context 'nope' does not exist");
  });
});
