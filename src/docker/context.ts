import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isLoopback } from '../topology/address';
import type { DockerOptions } from 'dockerode';
import { InputError } from '../errors';
import { knownHost } from './known-hosts';
import { sshAgent } from './ssh-transport';

/** Which engine to talk to, and how: resolved once, the way the docker CLI and compose resolve it. */
export interface EngineTarget {
  /** What the user named: DOCKER_HOST, a context, or the default socket. */
  describe: string;
  options: DockerOptions;
  /** The host where published ports are reached: the engine's host for tcp:// and ssh://. */
  host: string;
  /** False for the local socket and for tcp:// or ssh:// to this host's own name (localhost, 127.0.0.1, ::1). */
  remote: boolean;
}

/**
 * The engine as the docker CLI picks it: DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH) first, then a context (DOCKER_CONTEXT, else `currentContext` in
 * ~/.docker/config.json) with its TLS files, then the local socket. All of it is read here,
 * from the `env` given (dockerode would read DOCKER_HOST from process.env, and knows no contexts).
 */
export function engineTarget(
  env: NodeJS.ProcessEnv = process.env,
  dockerConfigDir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'),
): EngineTarget {
  if (env.DOCKER_HOST) return target(env.DOCKER_HOST, env.DOCKER_HOST, hostOptions(env.DOCKER_HOST, env, dockerConfigDir));
  const context = env.DOCKER_CONTEXT || currentContext(dockerConfigDir);
  if (!context || context === 'default') return localSocket();
  return contextTarget(context, dockerConfigDir, env);
}

/**
 * An engine a topology names under `engines:`: an engine URL (unix://, tcp:// with TLS as for
 * DOCKER_HOST, ssh://) or a docker context name.
 */
export function namedEngineTarget(
  value: string,
  env: NodeJS.ProcessEnv = process.env,
  dockerConfigDir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'),
): EngineTarget {
  if (value.includes('://')) return target(value, value, hostOptions(value, env, dockerConfigDir));
  if (value === 'default') return localSocket();
  return contextTarget(value, dockerConfigDir, env);
}

function contextTarget(context: string, dockerConfigDir: string, env: NodeJS.ProcessEnv): EngineTarget {
  const id = createHash('sha256').update(context).digest('hex');
  const metaFile = path.join(dockerConfigDir, 'contexts', 'meta', id, 'meta.json');
  let endpoint: { Host?: string; SkipTLSVerify?: boolean } | undefined;
  try {
    endpoint = JSON.parse(fs.readFileSync(metaFile, 'utf8'))?.Endpoints?.docker;
  } catch {
    throw new InputError(
      `docker context '${context}' does not exist (no ${metaFile})`,
      'docker context ls lists them; unset DOCKER_CONTEXT or run docker context use default',
    );
  }
  if (!endpoint?.Host) throw new InputError(`docker context '${context}' has no docker endpoint`, 'docker context inspect shows it');
  const options: DockerOptions = urlOptions(endpoint.Host, env);
  const tls = path.join(dockerConfigDir, 'contexts', 'tls', id, 'docker');
  if (fs.existsSync(path.join(tls, 'ca.pem'))) Object.assign(options, tlsOptions(tls));
  return target(`docker context ${context} (${endpoint.Host})`, endpoint.Host, options);
}

/** The local engine's socket, as the docker CLI's default context names it. */
function localSocket(): EngineTarget {
  return target('/var/run/docker.sock', 'unix:///var/run/docker.sock', {});
}

function target(describe: string, url: string, options: DockerOptions): EngineTarget {
  const host = hostOf(url);
  return { describe, options, host, remote: !['127.0.0.1', '::1', 'localhost'].includes(host) };
}

/**
 * DOCKER_HOST as the docker CLI reads it: TLS when DOCKER_TLS_VERIFY is set (or the port is
 * 2376), with ca.pem, cert.pem and key.pem from DOCKER_CERT_PATH (default ~/.docker). Read from
 * the `env` given, so one process can talk to several engines.
 */
function hostOptions(url: string, env: NodeJS.ProcessEnv, dockerConfigDir: string): DockerOptions {
  const options = urlOptions(url, env);
  const verify = env.DOCKER_TLS_VERIFY !== undefined && env.DOCKER_TLS_VERIFY !== '' && env.DOCKER_TLS_VERIFY !== '0';
  if (options.protocol === 'http' && (verify || options.port === 2376))
    Object.assign(options, tlsOptions(env.DOCKER_CERT_PATH || dockerConfigDir));
  return options;
}

/** https with the CA, client certificate and key found in `dir` (a missing file is left out). */
function tlsOptions(dir: string): DockerOptions {
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f)) : undefined);
  const [ca, cert, key] = ['ca.pem', 'cert.pem', 'key.pem'].map(read);
  return { protocol: 'https', ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
}

function currentContext(dir: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))?.currentContext;
  } catch {
    return undefined;
  }
}

/**
 * dockerode's options for an endpoint URL: unix://, tcp://, ssh://. Over ssh, replikit logs in
 * with the running ssh-agent's keys (SSH_AUTH_SOCK) and runs `docker system dial-stdio` there
 * (ssh-transport.ts); the host's key must be in known_hosts, as OpenSSH (and so the docker CLI)
 * requires.
 */
function urlOptions(url: string, env: NodeJS.ProcessEnv): DockerOptions {
  const u = new URL(url);
  if (u.protocol === 'unix:') return { socketPath: u.pathname };
  if (u.protocol === 'ssh:') {
    const port = Number(u.port || 22);
    const knownHosts = [path.join(env.HOME || os.homedir(), '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
    const known = knownHost(u.hostname, port, knownHosts);
    // As OpenSSH: the local user when the URL names none; the host asked for a key type known_hosts holds.
    const username = decodeURIComponent(u.username) || env.USER || os.userInfo().username;
    const agent = sshAgent({
      host: u.hostname,
      port,
      username,
      agent: env.SSH_AUTH_SOCK,
      hostVerifier: known.verify,
      ...(known.algorithms.length ? { algorithms: { serverHostKey: known.algorithms as never } } : {}),
    });
    // Plain HTTP through the agent's channels; "docker" is only the Host header dockerd gets.
    return { protocol: 'http', host: 'docker', port: 80, agent } as DockerOptions; // docker-modem reads agent; its types leave it out
  }
  return { protocol: 'http', host: u.hostname, port: Number(u.port || 2375) };
}

/** The host in tcp://HOST:PORT or ssh://USER@HOST; 127.0.0.1 for a unix socket. */
export function hostOf(url: string): string {
  const m = /^(?:tcp|ssh|https?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(url);
  return m ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
}

/**
 * The address a node's port is published on, on the engine's host. A loopback `bind` (the
 * default) on a remote engine would answer only on that host, so there it becomes the engine's
 * own address (`remoteAddress`, resolved); any other `bind` names an address of that host.
 */
export function publishAddress(bind: string, remoteAddress?: string): string {
  return remoteAddress && isLoopback(bind) ? remoteAddress : bind;
}

/** Where a node's port published on `bind` is reached from here. */
export function reachAddress(bind: string, engine: Pick<EngineTarget, 'host' | 'remote'>): string {
  if (bind === '0.0.0.0' || bind === '::') return engine.host;
  return engine.remote && isLoopback(bind) ? engine.host : bind;
}
