import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DockerOptions } from 'dockerode';
import { InputError } from '../errors';

/** Which engine to talk to, and how: resolved once, the way the docker CLI and compose resolve it. */
export interface EngineTarget {
  /** What the user named: DOCKER_HOST, a context, or the default socket. */
  describe: string;
  options: DockerOptions;
  /** The host where published ports are reached: the engine's host for tcp:// and ssh://. */
  host: string;
}

/**
 * The engine as the docker CLI picks it: DOCKER_HOST (with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH) first, then a context (DOCKER_CONTEXT, else `currentContext` in
 * ~/.docker/config.json) with its TLS files, then the local socket. dockerode reads DOCKER_HOST
 * itself; contexts it does not know, so their endpoint and certificates are read here.
 */
export function engineTarget(env: NodeJS.ProcessEnv = process.env, dockerConfigDir = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')): EngineTarget {
  if (env.DOCKER_HOST) return { describe: env.DOCKER_HOST, options: {}, host: hostOf(env.DOCKER_HOST) };
  const context = env.DOCKER_CONTEXT || currentContext(dockerConfigDir);
  if (!context || context === 'default') return { describe: '/var/run/docker.sock', options: {}, host: '127.0.0.1' };

  const id = createHash('sha256').update(context).digest('hex');
  const metaFile = path.join(dockerConfigDir, 'contexts', 'meta', id, 'meta.json');
  let endpoint: { Host?: string; SkipTLSVerify?: boolean } | undefined;
  try {
    endpoint = JSON.parse(fs.readFileSync(metaFile, 'utf8'))?.Endpoints?.docker;
  } catch {
    throw new InputError(`docker context '${context}' does not exist (no ${metaFile})`, 'docker context ls lists them; unset DOCKER_CONTEXT or run docker context use default');
  }
  if (!endpoint?.Host) throw new InputError(`docker context '${context}' has no docker endpoint`, 'docker context inspect shows it');
  const options: DockerOptions = urlOptions(endpoint.Host);
  const tls = path.join(dockerConfigDir, 'contexts', 'tls', id, 'docker');
  if (fs.existsSync(path.join(tls, 'ca.pem'))) {
    Object.assign(options, {
      protocol: 'https',
      ca: fs.readFileSync(path.join(tls, 'ca.pem')),
      ...(fs.existsSync(path.join(tls, 'cert.pem')) ? { cert: fs.readFileSync(path.join(tls, 'cert.pem')), key: fs.readFileSync(path.join(tls, 'key.pem')) } : {}),
    });
  }
  return { describe: `docker context ${context} (${endpoint.Host})`, options, host: hostOf(endpoint.Host) };
}

function currentContext(dir: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))?.currentContext;
  } catch {
    return undefined;
  }
}

/** dockerode's options for an endpoint URL: unix://, tcp://, ssh://. */
function urlOptions(url: string): DockerOptions {
  const u = new URL(url);
  if (u.protocol === 'unix:') return { socketPath: u.pathname };
  if (u.protocol === 'ssh:') return { protocol: 'ssh', host: u.hostname, port: Number(u.port || 22), username: u.username || undefined };
  return { protocol: 'http', host: u.hostname, port: Number(u.port || 2375) };
}

/** The host in tcp://HOST:PORT or ssh://USER@HOST; 127.0.0.1 for a unix socket. */
export function hostOf(url: string): string {
  const m = /^(?:tcp|ssh|https?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(url);
  return m ? m[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
}
