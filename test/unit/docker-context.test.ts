import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineTarget, publishAddress, reachAddress } from '../../src/docker/context';
import { knownHost } from '../../src/docker/known-hosts';
const knownHostsVerifier = (host: string, port: number, files: string[]) => knownHost(host, port, files).verify;

/** A docker CLI config folder with one context, as `docker context create` writes it. */
function configWith(context: string, host: string, tls: boolean, current = true): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-docker-'));
  const id = createHash('sha256').update(context).digest('hex');
  fs.mkdirSync(path.join(dir, 'contexts', 'meta', id), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'contexts', 'meta', id, 'meta.json'),
    JSON.stringify({ Name: context, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
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
    const t = engineTarget(
      { DOCKER_HOST: 'tcp://192.0.2.5:2376', DOCKER_CONTEXT: 'other' },
      configWith('other', 'tcp://192.0.2.9:2376', false),
    );
    expect([t.describe, t.host]).toEqual(['tcp://192.0.2.5:2376', '192.0.2.5']);
    // Port 2376 is TLS, as the docker CLI takes it; no certificates in that folder.
    expect(t.options).toEqual({ protocol: 'https', host: '192.0.2.5', port: 2376 });
  });

  it('DOCKER_HOST with DOCKER_TLS_VERIFY takes the files in DOCKER_CERT_PATH; plain TCP otherwise', () => {
    const certs = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) fs.writeFileSync(path.join(certs, f), `${f} content`);
    const t = engineTarget({ DOCKER_HOST: 'tcp://192.0.2.5:2380', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
    expect(t.options).toMatchObject({ protocol: 'https', host: '192.0.2.5', port: 2380 });
    expect([t.options.ca, t.options.cert, t.options.key].map(String)).toEqual(['ca.pem content', 'cert.pem content', 'key.pem content']);
    expect(engineTarget({ DOCKER_HOST: 'tcp://192.0.2.5:2375' }).options).toEqual({ protocol: 'http', host: '192.0.2.5', port: 2375 });
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
    // Over ssh: HTTP through channels of one SSH connection (docker/ssh-transport.ts); ports publish on that host.
    const ssh = engineTarget({ DOCKER_CONTEXT: 'build', SSH_AUTH_SOCK: '/tmp/agent.sock' }, dir);
    expect([ssh.host, ssh.remote, ssh.options]).toEqual([
      '192.0.2.11',
      true,
      { protocol: 'http', host: 'docker', port: 80, agent: expect.any(http.Agent) },
    ]);
    expect(engineTarget({ DOCKER_CONTEXT: 'sock' }, configWith('sock', 'unix:///run/user/1000/docker.sock', false)).options).toEqual({
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(engineTarget({}, dir).describe).toBe('/var/run/docker.sock');
    expect(() => engineTarget({ DOCKER_CONTEXT: 'nope' }, dir)).toThrow("docker context 'nope' does not exist");
  });
});

describe("a node's published port on a remote engine", () => {
  const remote = engineTarget({ DOCKER_HOST: 'tcp://127.0.0.2:2376' });
  const local = engineTarget({});

  it("the engine is remote unless it is the local socket or this host's own name", () => {
    expect([
      local.remote,
      remote.remote,
      engineTarget({ DOCKER_HOST: 'tcp://localhost:2375' }).remote,
      engineTarget({ DOCKER_HOST: 'ssh://ci@build.example' }).remote,
    ]).toEqual([false, true, false, true]);
  });

  it("a loopback bind publishes on the remote host's address and is reached there; other binds stay", () => {
    expect(['127.0.0.1', '::1', '0.0.0.0', '192.0.2.7'].map((b) => publishAddress(b, '127.0.0.2'))).toEqual([
      '127.0.0.2',
      '127.0.0.2',
      '0.0.0.0',
      '192.0.2.7',
    ]);
    expect(['127.0.0.1', '0.0.0.0', '192.0.2.7'].map((b) => reachAddress(b, remote))).toEqual(['127.0.0.2', '127.0.0.2', '192.0.2.7']);
    // A local engine: the bind itself, the engine's host for the wildcards.
    expect(['127.0.0.1', '127.0.0.3', '0.0.0.0'].map((b) => [publishAddress(b), reachAddress(b, local)])).toEqual([
      ['127.0.0.1', '127.0.0.1'],
      ['127.0.0.3', '127.0.0.3'],
      ['0.0.0.0', '127.0.0.1'],
    ]);
  });
});

describe('the ssh host key, from known_hosts', () => {
  const key = Buffer.from('ssh-ed25519 key blob as sent on the wire');
  const other = Buffer.from('another key');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rk-kh-')), 'known_hosts');
  const salt = Buffer.from('0123456789abcdef0123');
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('box.example').digest('base64')}`;
  fs.writeFileSync(
    file,
    [
      '# a comment',
      `[127.0.0.2]:2222 ssh-ed25519 ${key.toString('base64')}`,
      `${hashed} ssh-ed25519 ${key.toString('base64')}`,
      `@revoked 192.0.2.9 ssh-ed25519 ${other.toString('base64')}`,
      `192.0.2.10,build ssh-ed25519 ${other.toString('base64')}`,
    ].join('\n'),
  );

  it('trusts the key known for that host and port, plain or hashed, and nothing else', () => {
    expect([knownHostsVerifier('127.0.0.2', 2222, [file])(key), knownHostsVerifier('127.0.0.2', 2222, [file])(other)]).toEqual([
      true,
      false,
    ]);
    // Port 22 is written without brackets; another port is another entry.
    expect([
      knownHostsVerifier('127.0.0.2', 22, [file])(key),
      knownHostsVerifier('box.example', 22, [file])(key),
      knownHostsVerifier('build', 22, [file])(other),
    ]).toEqual([false, true, true]);
    expect([
      knownHostsVerifier('192.0.2.9', 22, [file])(other),
      knownHostsVerifier('192.0.2.10', 22, ['/nonexistent', file])(other),
    ]).toEqual([false, true]);
  });

  it('refuses a revoked key wherever else it is trusted, and asks the host for the key types it knows', () => {
    const revokedFile = path.join(path.dirname(file), 'revoked_hosts');
    fs.writeFileSync(
      revokedFile,
      [
        `build,*.example ecdsa-sha2-nistp256 ${key.toString('base64')}`,
        `old.example ssh-rsa ${other.toString('base64')}`,
        `@revoked * ssh-ed25519 ${other.toString('base64')}`,
      ].join('\n'),
    );
    // Trusted for build (plain) and for box.example (pattern); other is revoked for every host.
    expect([
      knownHostsVerifier('build', 22, [revokedFile])(key),
      knownHostsVerifier('box.example', 22, [revokedFile])(key),
      knownHostsVerifier('old.example', 22, [revokedFile])(other),
    ]).toEqual([true, true, false]);
    // Across files too: revoked here, trusted there.
    expect(knownHostsVerifier('192.0.2.10', 22, [file, revokedFile])(other)).toBe(false);
    expect(knownHost('build', 22, [revokedFile]).algorithms).toEqual(['ecdsa-sha2-nistp256']);
    // old.example's own (RSA) key is revoked: only the key the pattern gives it is asked for.
    expect(knownHost('old.example', 22, [revokedFile]).algorithms).toEqual(['ecdsa-sha2-nistp256']);
    expect(knownHost('127.0.0.2', 2222, [file]).algorithms).toEqual(['ssh-ed25519']);
    expect(knownHost('nobody.invalid', 22, [file]).algorithms).toEqual([]);
  });
});
