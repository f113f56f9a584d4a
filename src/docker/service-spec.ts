import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { ArchiveFile } from './archive';
import { ContainerPlan, STOP_TIMEOUT_S } from './container-spec';
import { LABEL } from '../names';

/** Where Docker mounts a task's secrets. */
const SECRETS_DIR = '/run/secrets';

/** A file of a node as a swarm secret or config: its object's name and where the task gets it. */
export interface SwarmFileRef {
  secret: boolean;
  name: string;
  file: ArchiveFile;
  target: { Name: string; UID: string; GID: string; Mode: number };
}

/**
 * A node's files as swarm objects: those under /run/secrets (passwords, the TLS key, and the
 * certificates beside them) as secrets, the rest (my.cnf) as configs. Secrets and configs
 * cannot change, so each name ends in a fingerprint of its service, path and content: a changed
 * file is a new object. The fingerprint says nothing useful of a password to those who can list
 * secrets: they can read the file itself in the task.
 */
export function swarmFileRefs(service: string, files: ArchiveFile[]): SwarmFileRef[] {
  return files.map((file) => {
    const secret = path.posix.dirname(file.path) === SECRETS_DIR;
    const base = path.posix
      .basename(file.path)
      .replace(/^replikit-/, '')
      .replace(/[^A-Za-z0-9_.-]/g, '_');
    const digest = createHash('sha256').update([service, file.path, file.content].join('\0')).digest('hex').slice(0, 12);
    return {
      secret,
      // Swarm object names are at most 64 characters.
      name: `${service.slice(0, 64 - base.length - 14)}-${base}-${digest}`,
      file,
      target: {
        Name: secret ? path.posix.basename(file.path) : file.path,
        UID: String(file.uid ?? 0),
        GID: String(file.gid ?? 0),
        Mode: file.mode ?? 0o444,
      },
    };
  });
}

/**
 * A node's one-task service, as a pure function of its container plan: the same image,
 * environment, labels and data volume; files as secrets and configs (`refs`, made first); the
 * overlay network, on which other nodes reach it by the service's name (DNS round robin: with
 * one task there is nothing to balance, and no virtual IP to depend on); 3306 published on its
 * swarm node's own address (host mode: a swarm cannot publish on one address only); restarted
 * by the swarm whenever its task ends; placed by the node's `placement:` constraints.
 */
export function serviceSpec(plan: ContainerPlan, refs: (SwarmFileRef & { id: string })[], replicas: number) {
  const o = plan.options;
  const bindings = o.HostConfig?.PortBindings?.['3306/tcp'] as { HostPort?: string }[] | undefined;
  const port = Number(bindings?.[0]?.HostPort || 0);
  const network = String(o.HostConfig?.NetworkMode);
  // The task's container and the volume the swarm makes on a node carry the node's labels.
  const labels = { [LABEL.topology]: o.Labels?.[LABEL.topology] ?? '', [LABEL.node]: o.Labels?.[LABEL.node] ?? '' };
  return {
    Name: plan.name,
    Labels: o.Labels ?? {},
    TaskTemplate: {
      ContainerSpec: {
        Image: o.Image,
        Hostname: o.Hostname,
        Env: o.Env ?? [],
        Labels: labels,
        Mounts: (o.HostConfig?.Mounts ?? []).map((m) => ({ ...m, VolumeOptions: { Labels: labels } })),
        Secrets: refs.filter((r) => r.secret).map(secretRef),
        Configs: refs.filter((r) => !r.secret).map(configRef),
        // A server shutting down cleanly flushes and writes its replication position.
        StopGracePeriod: STOP_TIMEOUT_S * 1_000_000_000,
      },
      RestartPolicy: { Condition: 'any', Delay: 1_000_000_000 },
      Placement: { Constraints: plan.placement ?? [] },
      Networks: [{ Target: network, Aliases: o.NetworkingConfig?.EndpointsConfig?.[network]?.Aliases ?? [] }],
    },
    Mode: { Replicated: { Replicas: replicas } },
    UpdateConfig: { Order: 'stop-first', FailureAction: 'pause' },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: [{ Protocol: 'tcp', TargetPort: 3306, PublishMode: 'host', ...(port ? { PublishedPort: port } : {}) }],
    },
  };
}

/** How a service's spec names a secret and a config it mounts. */
export const secretRef = (r: SwarmFileRef & { id: string }) => ({ SecretID: r.id, SecretName: r.name, File: r.target });
export const configRef = (r: SwarmFileRef & { id: string }) => ({ ConfigID: r.id, ConfigName: r.name, File: r.target });
