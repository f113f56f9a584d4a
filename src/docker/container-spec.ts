import type { ContainerCreateOptions } from 'dockerode';
import type { NodeSpec, Topology } from '../topology/types';
import type { RenderedNode } from '../render/mycnf';
import { hashOf, MYCNF_PATH } from '../render/mycnf';
import { Dialect, dialectFor, guessImageVersion } from '../flavors';
import { rootAccountStatements } from '../flavors/dialect';
import { ArchiveFile } from './archive';
import {
  CLIENT_OPTION_FILE,
  containerName,
  LABEL,
  MYSQL_UID,
  networkName,
  nodeLabels,
  ROOT_INIT_FILE,
  ROOT_PASSWORD_FILE,
  TLS_FILES,
  volumeName,
} from '../names';

/** How long a node's server may take to shut down cleanly before the engine kills it, seconds. */
export const STOP_TIMEOUT_S = 60;

/** Everything needed to create one node's container: the options and the files put into it. */
export interface ContainerPlan {
  node: string;
  name: string;
  options: ContainerCreateOptions;
  files: ArchiveFile[];
  configHash: string;
  /** Swarm placement constraints (`placement:`); a plain container ignores them. */
  placement?: string[];
}

/**
 * The container for a node, as a pure function of the topology: a named volume for data, the
 * rendered my.cnf and the root password as files (never env values that `docker inspect`
 * shows), the port on 127.0.0.1 unless `bind:` says otherwise, never privileged, never a bind mount.
 */
export function containerPlan(
  t: Topology,
  node: NodeSpec,
  rendered: RenderedNode,
  dialect: Dialect = dialectFor(guessImageVersion(node.image)),
  // The server's user in the image (docker/detect-image.ts); the official images' by default.
  user = { uid: MYSQL_UID, gid: MYSQL_UID },
  /** The topology's CA and this node's certificate and key (tls/certificates.ts), unless replication.tls is off. */
  tls?: { ca: string; cert: string; key: string },
): ContainerPlan {
  const name = containerName(t, node.name);
  // Covers what a running container cannot change without being recreated. my.cnf is not in
  // it: a changed my.cnf is written into the container and applied (plan/config-diff.ts). A
  // swarm service's placement is (only when it has one: the hash of every other node stays).
  const configHash = hashOf(
    [
      node.image,
      node.bind,
      node.port ?? 'any',
      dialect.flavor.envPrefix,
      ...(node.placement.length ? [node.placement.join(',')] : []),
    ].join('\n'),
  );
  return {
    node: node.name,
    name,
    configHash,
    ...(node.placement.length ? { placement: node.placement } : {}),
    files: [
      { path: MYCNF_PATH, content: rendered.text, mode: 0o644 },
      { path: ROOT_PASSWORD_FILE, content: t.credentials.rootPassword, mode: 0o400, ...user },
      { path: ROOT_INIT_FILE, content: `${rootAccountStatements(t.credentials.rootPassword).join('\n')}\n`, mode: 0o400, ...user },
      { path: CLIENT_OPTION_FILE, content: clientOptionFile(t.credentials.rootPassword), mode: 0o400, ...user },
      ...(tls
        ? [
            { path: TLS_FILES.ca, content: tls.ca, mode: 0o444 },
            { path: TLS_FILES.cert, content: tls.cert, mode: 0o444 },
            { path: TLS_FILES.key, content: tls.key, mode: 0o400, ...user },
          ]
        : []),
    ],
    options: {
      name,
      Image: node.image,
      Hostname: name,
      Env: [`${dialect.flavor.envPrefix}_ROOT_PASSWORD_FILE=${ROOT_PASSWORD_FILE}`],
      Labels: {
        ...nodeLabels(t, node),
        [LABEL.configHash]: configHash,
      },
      ExposedPorts: { '3306/tcp': {} },
      // docker stop's default 10 s can cut a busy server's shutdown short: it is killed before it
      // has flushed and written where its replication stands.
      StopTimeout: STOP_TIMEOUT_S,
      HostConfig: {
        PortBindings: { '3306/tcp': [{ HostIp: node.bind, HostPort: node.port ? String(node.port) : '' }] },
        Mounts: [{ Type: 'volume', Source: volumeName(t, node.name), Target: '/var/lib/mysql' }],
        NetworkMode: networkName(t),
        RestartPolicy: { Name: 'unless-stopped' },
        Privileged: false,
      },
      NetworkingConfig: { EndpointsConfig: { [networkName(t)]: { Aliases: [node.name] } } },
    },
  };
}

/** An option file the clients read: the value quoted, backslashes and quotes escaped (its own syntax). */
export function clientOptionFile(password: string): string {
  return `[client]\npassword="${password.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"\n`;
}
