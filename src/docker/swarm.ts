import type Docker from 'dockerode';
import { ReplikitError } from '../errors';
import { poll } from '../poll';
import type { ArchiveFile } from './archive';
import type { ContainerPlan } from './container-spec';
import { DockerEngine, ObservedContainer } from './engine';
import { orMissing, statusOf, wrap } from './api-errors';
import type { EngineTarget } from './context';
import { LABEL } from '../names';
import { isSwarmValue, SWARM } from '../topology/types';
import { configRef, secretRef, serviceSpec, SwarmFileRef, swarmFileRefs } from './service-spec';

/** The label Docker puts on a service's task containers. */
const SERVICE_LABEL = 'com.docker.swarm.service.name';
/** How long a task may take to be scheduled and running. */
const TASK_TIMEOUT_MS = 120_000;
/** How long a task may stay unplaced, with no task of its service running, before that is final. */
const PLACEMENT_GRACE_MS = 5_000;

/**
 * `engines:` values that name a swarm manager: `swarm` (the environment's engine) or
 * `swarm:ENGINE` (an engine URL or a docker context). Undefined for a plain engine; '' for the
 * environment's.
 */
export function swarmEndpoint(value: string): string | undefined {
  if (!isSwarmValue(value)) return undefined;
  return value.slice(`${SWARM}:`.length);
}

/**
 * A swarm manager: each node is a one-task service (docker/service-spec.ts) whose files are
 * Docker secrets and configs, on an attachable overlay network. Everything else replikit does in
 * a node's container (SQL files, `cat`, the log, exec) goes to the service's running task; the
 * task must run on this manager's own engine, the one place replikit reaches containers
 * through (a one-node swarm, or placement: on the manager).
 */
export class SwarmEngine extends DockerEngine {
  constructor(docker: Docker | undefined, target: EngineTarget) {
    super(docker, { ...target, describe: `swarm on ${target.describe}` });
    this.manager = target.describe;
  }

  private readonly manager: string;

  override daemon(): string {
    return this.manager;
  }

  override async ping(): Promise<void> {
    await super.ping();
    const info = await this.call('ask the engine for its swarm state', () => this.docker.info());
    if (!info.Swarm?.ControlAvailable) {
      throw new ReplikitError(
        `the engine at ${this.describe()} is not a swarm manager (its swarm state: ${info.Swarm?.LocalNodeState || 'none'})`,
        'run docker swarm init on it (scripts/test-env.sh makes a one-node swarm), or name a manager: engines: {NAME: swarm:tcp://MANAGER:2376}',
      );
    }
  }

  /** Attachable: replikit's helpers and a user's own containers can join it too. */
  protected override networkDriver() {
    return { Driver: 'overlay', Attachable: true };
  }

  /** The service, made with no task yet: its data volume is seeded first, and `start` gives it one. */
  override async create(plan: ContainerPlan): Promise<void> {
    const refs = await this.storeFiles(plan.name, plan.options.Labels ?? {}, swarmFileRefs(plan.name, plan.files));
    await this.call(`create service ${plan.name}`, () => this.docker.createService(serviceSpec(plan, refs, 0) as never));
  }

  /** A service with no task gets one; either way, returns once a task of it runs. */
  override async start(name: string): Promise<void> {
    const { spec, version } = await this.service(name);
    if (spec.Mode?.Replicated?.Replicas === 0) {
      await this.update(name, version, { ...spec, Mode: { Replicated: { Replicas: 1 } } });
    }
    await this.runningTask(name);
  }

  /** No task: the service scaled to none, its running task gone (a fenced primary). */
  override async stop(name: string): Promise<void> {
    const { spec, version } = await this.service(name);
    if (spec.Mode?.Replicated?.Replicas !== 0) await this.update(name, version, { ...spec, Mode: { Replicated: { Replicas: 0 } } });
    await poll(async () => ((await this.tasksOf(name)).some((t) => t.State === 'running') ? undefined : true), {
      timeoutMs: 90_000,
      intervalMs: 250,
      onTimeout: () =>
        new ReplikitError(`the task of service ${name} still runs 90 s after it was scaled to none`, `docker service ps ${name} shows it`),
    });
  }

  /** A new task replaces the running one (the swarm stops it first): the server starts again. */
  override async restart(name: string): Promise<void> {
    const before = await this.taskContainer(name);
    const { spec, version } = await this.service(name);
    const template = spec.TaskTemplate ?? {};
    await this.update(name, version, { ...spec, TaskTemplate: { ...template, ForceUpdate: (template.ForceUpdate ?? 0) + 1 } });
    await this.runningTask(name, before?.Id);
  }

  /**
   * A task's secrets and configs cannot change: changed files become new ones, and the service
   * is updated to them, which replaces its task. Resolves whether that happened.
   */
  override async putFiles(name: string, files: ArchiveFile[]): Promise<boolean> {
    const { spec, version } = await this.service(name);
    const c = containerSpecOf(spec);
    const held = [...(c.Secrets ?? []).map((r) => r.SecretName), ...(c.Configs ?? []).map((r) => r.ConfigName)];
    const wanted = swarmFileRefs(name, files);
    if (wanted.every((w) => held.includes(w.name))) return false;
    const before = await this.taskContainer(name);
    const refs = await this.storeFiles(name, spec.Labels ?? {}, wanted);
    // The held references to the files given are replaced; the others (root's password files) stay.
    const replaced = (secret: boolean) => new Set(refs.filter((r) => r.secret === secret).map((r) => r.target.Name));
    const [secrets, configs] = [replaced(true), replaced(false)];
    const containerSpec = {
      ...c,
      Secrets: [...(c.Secrets ?? []).filter((r) => !secrets.has(r.File?.Name ?? '')), ...refs.filter((r) => r.secret).map(secretRef)],
      Configs: [...(c.Configs ?? []).filter((r) => !configs.has(r.File?.Name ?? '')), ...refs.filter((r) => !r.secret).map(configRef)],
    };
    await this.update(name, version, { ...spec, TaskTemplate: { ...spec.TaskTemplate, ContainerSpec: containerSpec } as Docker.TaskSpec });
    if (spec.Mode?.Replicated?.Replicas !== 0) await this.runningTask(name, before?.Id);
    await this.removeUnused(name);
    return true;
  }

  /** The service, its tasks gone (its volume is free then), and its secrets and configs; a plain container by that name otherwise. */
  override async remove(name: string): Promise<void> {
    try {
      await this.docker.getService(name).remove();
    } catch (e) {
      if (statusOf(e) === 404) return super.remove(name);
      throw wrap(`remove service ${name}`, e);
    }
    await poll(async () => ((await this.tasksOf(name)).length ? undefined : true), {
      timeoutMs: 60_000,
      intervalMs: 250,
      onTimeout: () =>
        new ReplikitError(
          `the tasks of service ${name} are still there a minute after it was removed`,
          `docker ps -a --filter label=${SERVICE_LABEL}=${name} shows them`,
        ),
    });
    await this.removeUnused(name);
  }

  /** Each node's service, with its running task's state, host port and swarm node. */
  override async containers(topology: string): Promise<ObservedContainer[]> {
    const [services, tasks, nodes, containers] = await Promise.all([
      this.call('list services', () => this.docker.listServices({ filters: { label: [`${LABEL.topology}=${topology}`] } })),
      this.call('list tasks', (): Promise<SwarmTask[]> => this.docker.listTasks({ filters: { 'desired-state': ['running'] } })),
      this.call('list swarm nodes', () => this.docker.listNodes()),
      this.call('list containers', () =>
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL.topology}=${topology}`, SERVICE_LABEL] } }),
      ),
    ]);
    return services.map((s) => {
      const name = s.Spec?.Name ?? '';
      const labels = s.Spec?.Labels ?? {};
      const running = containers.find((c) => c.Labels[SERVICE_LABEL] === name && c.State === 'running');
      const task = tasks.find((t) => t.ServiceID === s.ID);
      const swarmNode = nodes.find((n) => n.ID === task?.NodeID)?.Description?.Hostname;
      // No task asked for: made, never started. Asked for but none running: the swarm is (re)starting
      // one, which start waits for (a restart would only replace it).
      const state = s.Spec?.Mode?.Replicated?.Replicas === 0 ? 'created' : running ? 'running' : 'starting';
      return {
        id: s.ID ?? '',
        name,
        node: labels[LABEL.node] ?? '',
        topology: labels[LABEL.topology] ?? '',
        configHash: labels[LABEL.configHash] ?? '',
        state,
        hostPort: running?.Ports.find((p) => p.PrivatePort === 3306 && p.PublicPort)?.PublicPort,
        ...(swarmNode ? { swarmNode } : {}),
      };
    });
  }

  override async ownerOf(kind: 'container' | 'network' | 'volume', name: string): Promise<string | undefined> {
    if (kind !== 'container') return super.ownerOf(kind, name);
    const service = await orMissing(`inspect service ${name}`, () => this.docker.getService(name).inspect());
    return service ? (service.Spec?.Labels?.[LABEL.topology] ?? '') : super.ownerOf(kind, name);
  }

  /**
   * What of the topology this engine runs as plain containers (nodes that ran here before the
   * file put them on the swarm) and a network of its name that is not an overlay: a service
   * cannot take either name, and a server in such a container holds the node's data volume.
   */
  async leftFromContainers(topology: string): Promise<{ containers: string[]; network?: string }> {
    const [containers, networks] = await Promise.all([
      this.call('list containers', () =>
        this.docker.listContainers({ all: true, filters: { label: [`${LABEL.topology}=${topology}`, LABEL.node] } }),
      ),
      this.call('list networks', () => this.docker.listNetworks({ filters: { label: [`${LABEL.topology}=${topology}`] } })),
    ]);
    const plain = containers
      .filter((c) => !c.Labels[SERVICE_LABEL])
      .map((c) => (c.Names[0] ?? c.Id).replace(/^\//, ''))
      .sort();
    const network = networks.find((n) => n.Driver !== 'overlay')?.Name;
    return { containers: plain, ...(network ? { network } : {}) };
  }

  /** A service's running task's container (the newest task when none runs); a plain container when no service has the name. */
  protected override async containerOf(name: string): Promise<Docker.Container> {
    const task = await this.taskContainer(name);
    return this.docker.getContainer(task?.Id ?? name);
  }

  private async taskContainer(service: string): Promise<Docker.ContainerInfo | undefined> {
    const tasks = await this.tasksOf(service);
    return tasks.find((c) => c.State === 'running') ?? tasks.sort((a, b) => b.Created - a.Created)[0];
  }

  private tasksOf(service: string): Promise<Docker.ContainerInfo[]> {
    return this.call('list containers', () =>
      this.docker.listContainers({ all: true, filters: { label: [`${SERVICE_LABEL}=${service}`] } }),
    );
  }

  /**
   * Waits until a task of the service runs here (one other than `not`, the one it replaces).
   * Fails at once when the swarm says no node meets its placement, or runs it on a node other
   * than this manager (replikit reaches tasks through this engine only).
   */
  private async runningTask(name: string, not?: string): Promise<void> {
    let unplacedSince: number | undefined;
    await poll(
      async () => {
        const containers = await this.tasksOf(name);
        if (containers.some((c) => c.State === 'running' && c.Id !== not)) return true;
        const task = await this.newestTask(name);
        const status = task?.Status ?? {};
        // While the task it replaces still stops, its fixed host port is taken and the new task
        // waits unplaced; the swarm places it once the port is free. Unplaced with nothing left
        // running, for PLACEMENT_GRACE_MS, it will not be placed.
        const unplaced = status.State === 'pending' && status.Err && !containers.some((c) => c.State === 'running');
        unplacedSince = unplaced ? (unplacedSince ?? Date.now()) : undefined;
        if (unplacedSince !== undefined && Date.now() - unplacedSince >= PLACEMENT_GRACE_MS) {
          throw new ReplikitError(
            `the swarm cannot place service ${name}: ${status.Err}`,
            "check the node's placement: constraints against docker node ls (and docker node inspect for labels), and that its port: is free there",
          );
        }
        if (task?.NodeID && status.State === 'running' && task.NodeID !== (await this.ownNodeId())) {
          throw new ReplikitError(
            `service ${name} runs on swarm node ${await this.hostnameOf(task.NodeID)}, not on the manager replikit talks to (${this.describe()}): replikit reaches a node's task through that engine only`,
            `place it on the manager: placement: [node.role==manager], or node.hostname==<the manager's host name>`,
          );
        }
        return undefined;
      },
      {
        timeoutMs: TASK_TIMEOUT_MS,
        intervalMs: 250,
        onTimeout: async () => {
          const status = (await this.newestTask(name))?.Status ?? {};
          const said = [status.State, status.Message, status.Err].filter(Boolean).join(': ') || 'the swarm made no task';
          return new ReplikitError(
            `service ${name} has no running task after ${TASK_TIMEOUT_MS / 1000} s: ${said}`,
            `docker service ps ${name} --no-trunc shows its tasks`,
          );
        },
      },
    );
  }

  /** The service's newest task. */
  private async newestTask(name: string): Promise<SwarmTask | undefined> {
    const tasks: SwarmTask[] = await this.call('list tasks', () => this.docker.listTasks({ filters: { service: [name] } }));
    return tasks.sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)))[0];
  }

  /** A swarm node's host name, for an error that names it (its id when the swarm does not say). */
  private async hostnameOf(nodeId: string): Promise<string> {
    const node = await this.docker
      .getNode(nodeId)
      .inspect()
      .catch(() => undefined);
    return node?.Description?.Hostname ?? nodeId;
  }

  private nodeId?: Promise<string>;
  /** This manager's own swarm node id. */
  private ownNodeId(): Promise<string> {
    this.nodeId ??= this.call('ask the engine for its swarm node', async () => (await this.docker.info()).Swarm?.NodeID ?? '');
    return this.nodeId;
  }

  private async service(name: string): Promise<{ spec: Docker.ServiceSpec; version: number }> {
    const info = await this.call(`inspect service ${name}`, () => this.docker.getService(name).inspect());
    return { spec: info.Spec, version: info.Version.Index };
  }

  private async update(name: string, version: number, spec: Docker.ServiceSpec): Promise<void> {
    await this.call(`update service ${name}`, () => this.docker.getService(name).update({ version, ...spec }));
  }

  /** The files as secrets (under /run/secrets) and configs (elsewhere), each made once: its name says what it holds. */
  private async storeFiles(
    service: string,
    labels: Record<string, string>,
    refs: SwarmFileRef[],
  ): Promise<(SwarmFileRef & { id: string })[]> {
    const owned = {
      [LABEL.topology]: labels[LABEL.topology] ?? '',
      [LABEL.node]: labels[LABEL.node] ?? '',
      [SWARM_LABEL.service]: service,
    };
    return Promise.all(
      refs.map(async (ref) => {
        const kind = ref.secret ? 'secret' : 'config';
        const list = (): Promise<unknown> =>
          ref.secret
            ? this.docker.listSecrets({ filters: { name: [ref.name] } })
            : this.docker.listConfigs({ filters: { name: [ref.name] } });
        const found = (await this.call(`list ${kind}s`, list)) as { ID: string; Spec?: { Name?: string } }[];
        const same = found.find((o) => o.Spec?.Name === ref.name);
        if (same) return { ...ref, id: same.ID };
        const body = { Name: ref.name, Labels: owned, Data: Buffer.from(ref.file.content).toString('base64') };
        const made = await this.call(`create ${kind} ${ref.name}`, () =>
          ref.secret ? this.docker.createSecret(body) : this.docker.createConfig(body),
        );
        return { ...ref, id: (made as { id?: string; ID?: string }).id ?? (made as { ID: string }).ID };
      }),
    );
  }

  /** Secrets and configs of a service that it no longer uses (a file changed, or the service went). */
  private async removeUnused(service: string): Promise<void> {
    const found = await orMissing(`inspect service ${service}`, () => this.docker.getService(service).inspect());
    const c = found ? containerSpecOf(found.Spec as Docker.ServiceSpec) : undefined;
    const inUse = c ? [...(c.Secrets ?? []).map((r) => r.SecretID ?? ''), ...(c.Configs ?? []).map((r) => r.ConfigID ?? '')] : [];
    const filters = { label: [`${SWARM_LABEL.service}=${service}`] };
    const [secrets, configs] = await Promise.all([
      this.call('list secrets', () => this.docker.listSecrets({ filters })),
      this.call('list configs', () => this.docker.listConfigs({ filters })),
    ]);
    // A task being shut down may still hold one for a moment: what cannot go yet goes at the next change.
    await Promise.all([
      ...secrets
        .filter((s) => !inUse.includes(s.ID))
        .map((s) =>
          this.docker
            .getSecret(s.ID)
            .remove()
            .catch(() => undefined),
        ),
      ...configs
        .filter((s) => !inUse.includes(s.ID))
        .map((s) =>
          this.docker
            .getConfig(s.ID)
            .remove()
            .catch(() => undefined),
        ),
    ]);
  }
}

/** What replikit reads of a swarm task. */
interface SwarmTask {
  ServiceID?: string;
  NodeID?: string;
  CreatedAt?: string;
  Status?: { State?: string; Message?: string; Err?: string };
}

/** The part of a service's spec that names its secrets and configs. */
interface FileRefs {
  Secrets?: { SecretID?: string; SecretName?: string; File?: { Name?: string } }[];
  Configs?: { ConfigID?: string; ConfigName?: string; File?: { Name?: string } }[];
}

function containerSpecOf(spec: Docker.ServiceSpec): FileRefs & Record<string, unknown> {
  return (spec.TaskTemplate as { ContainerSpec?: FileRefs & Record<string, unknown> } | undefined)?.ContainerSpec ?? {};
}

export const SWARM_LABEL = {
  /** On each secret and config: the service it was made for. */
  service: 'io.replikit.service',
} as const;
