import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { ReplikitError } from '../errors';
import { debug } from '../debug';
import { calling, orMissing, statusOf, wrap } from './api-errors';
import { ArchiveFile, firstFileOf, tarOf } from './archive';
import { OneOff, runOnce } from './one-off';
import { demux, execAttached, execIn, ExecRun, streamLogs } from './streams';
import type { ContainerPlan } from './container-spec';
import { LABEL } from '../names';
import { engineTarget, EngineTarget, reachAddress } from './context';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** What replikit sees of a container it owns. */
export interface ObservedContainer {
  id: string;
  name: string;
  node: string;
  topology: string;
  configHash: string;
  state: string; // running, exited, created, …
  hostPort?: number;
  /** On a swarm: the swarm node (host name) the node's task runs on. */
  swarmNode?: string;
}

export interface ObservedVolume {
  name: string;
  /** The server_id its node was created with (recorded on volumes made since ids are kept). */
  serverId?: number;
}

/**
 * The one place that talks to the Docker Engine API (dockerode; honours DOCKER_HOST).
 * Every call that fails is rethrown with what it was doing and on which resource.
 */
export class DockerEngine {
  readonly docker: Docker;
  readonly target: EngineTarget;
  constructor(docker?: Docker, target: EngineTarget = engineTarget()) {
    this.target = target;
    this.docker = docker ?? new Docker(target.options);
    // Every Engine API call goes through the modem's dial: DEBUG=replikit:engine shows each one.
    const modem = this.docker.modem as { dial?: (o: { method?: string; path: string }, cb?: unknown) => void };
    const dial = modem.dial?.bind(modem);
    if (dial) modem.dial = (o, cb) => (debug('replikit:engine', () => `${target.describe} ${o.method ?? 'GET'} ${o.path}`), dial(o, cb));
  }

  /** What the user named the engine by: DOCKER_HOST, a context, or the socket. */
  describe(): string {
    return this.target.describe;
  }

  /** The daemon behind this engine: a swarm manager's is the plain engine it runs on (its tasks are that engine's containers). */
  daemon(): string {
    return this.target.describe;
  }

  /** The host where published ports are reachable: the engine's host for tcp:// and ssh://. */
  publishedHost(): string {
    return this.target.host;
  }

  /** Whether the engine runs on another host (tcp:// or ssh:// to an address not this host's own). */
  isRemote(): boolean {
    return this.target.remote;
  }

  /** Where a node's port published on `bind` is reached from here (docker/context.ts). */
  reachAddress(bind: string): string {
    return reachAddress(bind, this.target);
  }

  /** The remote engine host's IP address, which ports are published on; undefined for a local engine. */
  async remoteAddress(): Promise<string | undefined> {
    if (!this.target.remote) return undefined;
    if (isIP(this.target.host)) return this.target.host;
    try {
      return (await lookup(this.target.host)).address;
    } catch (e) {
      throw new ReplikitError(
        `cannot resolve the engine's host ${this.target.host}`,
        'check DOCKER_HOST or the docker context, or set bind: on each node to an address of that host',
        { cause: e },
      );
    }
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (e) {
      const overSsh = this.target.describe.includes('ssh://');
      throw new ReplikitError(
        `no Docker engine answers at ${this.target.describe}: ${(e as Error).message}`,
        overSsh
          ? "the host's key must be in ~/.ssh/known_hosts (ssh to it once), the ssh-agent (SSH_AUTH_SOCK) must hold a key it accepts, and the user must be allowed to use its engine"
          : 'start dockerd (scripts/test-env.sh installs and starts one), or set DOCKER_HOST',
        { cause: e },
      );
    }
  }

  async hasImage(image: string): Promise<boolean> {
    return (await orMissing(`inspect image ${image}`, () => this.docker.getImage(image).inspect())) !== undefined;
  }

  /** An image's id and the environment its configuration sets (the official images name their version there). */
  async imageConfig(image: string): Promise<{ id: string; env: string[] }> {
    const info = await this.call(`inspect image ${image}`, () => this.docker.getImage(image).inspect());
    return { id: info.Id, env: info.Config?.Env ?? [] };
  }

  /**
   * Runs a shell script in a throw-away container of `image` with no network (docker/one-off.ts).
   */
  runOnce(o: OneOff): Promise<{ code: number; output: string }> {
    return runOnce(this.docker, o);
  }

  /** Why an image cannot be pulled (the registry's answer), or undefined when it can be. */
  async pullProblem(image: string): Promise<string | undefined> {
    try {
      await this.docker.getImage(image).distribution();
      return undefined;
    } catch (e) {
      return (e as { json?: { message?: string } }).json?.message ?? (e as Error).message;
    }
  }

  /**
   * The io.replikit.topology label of the container, network or volume with exactly this name:
   * undefined when none exists, '' when it exists without the label.
   */
  async ownerOf(kind: 'container' | 'network' | 'volume', name: string): Promise<string | undefined> {
    const labels = await orMissing(`inspect ${kind} ${name}`, async () => {
      if (kind === 'container') return (await this.docker.getContainer(name).inspect()).Config.Labels ?? {};
      if (kind === 'network') return (await this.docker.getNetwork(name).inspect()).Labels ?? {};
      return (await this.docker.getVolume(name).inspect()).Labels ?? {};
    });
    return labels && (labels[LABEL.topology] ?? '');
  }

  /** Running containers that publish a host port, by name. */
  async portPublishers(): Promise<Map<number, string>> {
    const list = await this.call('list containers', () => this.docker.listContainers());
    const out = new Map<number, string>();
    for (const c of list) for (const p of c.Ports) if (p.PublicPort) out.set(p.PublicPort, (c.Names[0] ?? c.Id).replace(/^\//, ''));
    return out;
  }

  /** Pulls an image, reporting progress lines; a failed pull says which image and why. */
  async pull(image: string, progress: (line: string) => void): Promise<void> {
    try {
      const stream = await this.docker.pull(image);
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (err) => (err ? reject(err) : resolve()),
          (event: { status?: string; progress?: string; id?: string; error?: string }) => {
            if (event.error) reject(new Error(event.error));
            else progress([event.id, event.status, event.progress].filter(Boolean).join(' '));
          },
        );
      });
    } catch (e) {
      throw new ReplikitError(
        `cannot pull image ${image}: ${(e as Error).message}`,
        'check the image name and registry access, or build/load the image locally (docker images lists what is present)',
        { cause: e },
      );
    }
  }

  async ensureNetwork(name: string, labels: Record<string, string>): Promise<boolean> {
    const found = await this.docker.listNetworks({ filters: { name: [name] } });
    if (found.some((n) => n.Name === name)) return false;
    await this.call(`create network ${name}`, () =>
      this.docker.createNetwork({ Name: name, ...this.networkDriver(), Labels: labels, CheckDuplicate: true }),
    );
    return true;
  }

  /** The topology network's kind here: a bridge on one engine (a swarm spans its nodes with an overlay). */
  protected networkDriver(): { Driver: string; Attachable?: boolean } {
    return { Driver: 'bridge' };
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<boolean> {
    if (await orMissing(`inspect volume ${name}`, () => this.docker.getVolume(name).inspect())) return false;
    await this.call(`create volume ${name}`, () => this.docker.createVolume({ Name: name, Labels: labels }));
    return true;
  }

  /** Creates the container and puts its files in before it ever starts. */
  async create(plan: ContainerPlan): Promise<void> {
    const container = await this.call(`create container ${plan.name}`, () => this.docker.createContainer(plan.options));
    const archive = await tarOf(plan.files);
    await this.call(`copy files into ${plan.name}`, () => container.putArchive(archive, { path: '/' }));
  }

  /**
   * Puts files into an existing container, running or not (a my.cnf the server reads at its next
   * start). Resolves whether the node restarted to take them (a swarm service's files are fixed
   * for the life of its task): false here, they are written in place.
   */
  async putFiles(name: string, files: ArchiveFile[]): Promise<boolean> {
    const archive = await tarOf(files);
    await this.call(`copy files into ${name}`, async () => (await this.containerOf(name)).putArchive(archive, { path: '/' }));
    return false;
  }

  /** One file's text from a container, running or not; undefined when it has no such file. */
  async readFile(name: string, path: string): Promise<string | undefined> {
    const stream = await orMissing(`read ${path} from ${name}`, async () => (await this.containerOf(name)).getArchive({ path }));
    return stream && firstFileOf(stream);
  }

  /**
   * Several files' text from a container, by path (absent: no such file). A running container
   * is asked with one `cat` (an archive read costs the engine 100–200 ms a file: it mounts the
   * container's filesystem each time); a stopped one, or one without a shell, through the archive.
   */
  async readFiles(name: string, paths: string[], running: boolean): Promise<Map<string, string>> {
    const viaExec = running ? await this.catFiles(name, paths).catch(() => undefined) : undefined;
    if (viaExec) return viaExec;
    const out = new Map<string, string>();
    await Promise.all(
      paths.map(async (p) => {
        const text = await this.readFile(name, p);
        if (text !== undefined) out.set(p, text);
      }),
    );
    return out;
  }

  /**
   * `SIZE PATH` then the bytes, for each file; undefined when the exec fails or a file is there
   * but the container's user cannot read it (the archive reads as root).
   */
  private async catFiles(name: string, paths: string[]): Promise<Map<string, string> | undefined> {
    const script =
      'for f in "$@"; do if [ -f "$f" ] && [ -r "$f" ]; then printf "%s %s\\n" "$(wc -c < "$f")" "$f"; cat "$f"; elif [ -e "$f" ]; then exit 3; fi; done; exit 0';
    const e = await this.exec(name, ['sh', '-c', script, 'sh', ...paths]);
    const chunks: Buffer[] = [];
    e.stdout.on('data', (c: Buffer) => chunks.push(c));
    if ((await e.done) !== 0) return undefined;
    const all = Buffer.concat(chunks);
    const out = new Map<string, string>();
    for (let at = 0; at < all.length;) {
      const eol = all.indexOf(0x0a, at);
      const m = eol < 0 ? null : /^\s*(\d+) (.+)$/.exec(all.subarray(at, eol).toString('utf8'));
      if (!m || !paths.includes(m[2])) return undefined; // not what the script prints: ask the archive
      const size = Number(m[1]);
      out.set(m[2], all.subarray(eol + 1, eol + 1 + size).toString('utf8'));
      at = eol + 1 + size;
    }
    return out;
  }

  /** Stops a container (a fenced primary); one that is not running, or not there, is left as it is. */
  async stop(name: string): Promise<void> {
    try {
      await (await this.containerOf(name)).stop({ t: 30 });
    } catch (e) {
      // 304: not running; 404: no such container.
      if (statusOf(e) !== 304 && statusOf(e) !== 404) throw wrap(`stop container ${name}`, e);
    }
  }

  /** Stops and starts a container: its server reads its my.cnf again. */
  async restart(name: string): Promise<void> {
    await this.call(`restart container ${name}`, async () => (await this.containerOf(name)).restart({ t: 30 }));
  }

  /**
   * Creates a container that is never started and holds nothing: a name only one caller can
   * take (docker/lock.ts). Resolves its id, or undefined when the name is taken.
   */
  async createMarker(name: string, image: string, labels: Record<string, string>): Promise<string | undefined> {
    try {
      const created = await this.docker.createContainer({
        name,
        Image: image,
        Entrypoint: ['true'],
        Cmd: [],
        Labels: labels,
        // A tmpfs where the image declares its data VOLUME: no anonymous volume to create and delete.
        HostConfig: { NetworkMode: 'none', Tmpfs: { '/var/lib/mysql': '' } },
      });
      return created.id;
    } catch (e) {
      if (statusOf(e) === 409) return undefined;
      throw wrap(`create container ${name}`, e);
    }
  }

  /** A file into a marker container, by id (a plain container on every engine, a swarm's too). */
  async putMarkerFile(id: string, file: ArchiveFile): Promise<void> {
    const archive = await tarOf([file]);
    await this.call(`copy ${file.path} into ${id}`, () => this.docker.getContainer(id).putArchive(archive, { path: '/' }));
  }

  async start(name: string): Promise<void> {
    try {
      await this.docker.getContainer(name).start();
    } catch (e) {
      // 304: already started, e.g. by its restart policy between the listing and now.
      if (statusOf(e) !== 304) throw wrap(`start container ${name}`, e);
    }
  }

  async remove(name: string): Promise<void> {
    // v removes anonymous volumes only (an image's VOLUME); named volumes always stay.
    await orMissing(`remove container ${name}`, () => this.docker.getContainer(name).remove({ force: true, v: true }));
  }

  /** Containers carrying the topology's label; nothing else is ever looked at or touched. */
  async containers(topology: string): Promise<ObservedContainer[]> {
    const list = await this.call('list containers', () =>
      this.docker.listContainers({ all: true, filters: { label: [`${LABEL.topology}=${topology}`] } }),
    );
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      node: c.Labels[LABEL.node] ?? '',
      topology: c.Labels[LABEL.topology] ?? '',
      configHash: c.Labels[LABEL.configHash] ?? '',
      state: c.State,
      hostPort: c.Ports.find((p) => p.PrivatePort === 3306 && p.PublicPort)?.PublicPort,
    }));
  }

  async networks(topology: string): Promise<string[]> {
    const list = await this.docker.listNetworks({ filters: { label: [`${LABEL.topology}=${topology}`] } });
    return list.map((n) => n.Name);
  }

  async volumes(topology: string): Promise<string[]> {
    return (await this.volumeRecords(topology)).map((v) => v.name);
  }

  /** The topology's volumes with what their labels record. */
  async volumeRecords(topology: string): Promise<ObservedVolume[]> {
    const res = await this.docker.listVolumes({ filters: { label: [`${LABEL.topology}=${topology}`] } });
    return (res.Volumes ?? []).map((v) => {
      const id = Number(v.Labels?.[LABEL.serverId]);
      return { name: v.Name, ...(Number.isInteger(id) && id > 0 ? { serverId: id } : {}) };
    });
  }

  async removeNetwork(name: string): Promise<void> {
    await this.call(`remove network ${name}`, () => this.docker.getNetwork(name).remove());
  }

  /** Removes replikit's own short-lived seed containers that still mount a volume (an interrupted copy). */
  async removeSeedHelpersOf(...volumes: string[]): Promise<void> {
    if (!volumes.length) return;
    const list = await this.call('list containers', () =>
      this.docker.listContainers({ all: true, filters: { volume: volumes, label: [LABEL.seed] } }),
    );
    await Promise.all(list.map((c) => this.remove(c.Id)));
  }

  /** Volumes carrying `label` (any value), by name. */
  async volumesLabelled(label: string): Promise<string[]> {
    const res = await this.call('list volumes', () => this.docker.listVolumes({ filters: { label: [label] } }));
    return (res.Volumes ?? []).map((v) => v.Name);
  }

  async removeVolume(name: string): Promise<void> {
    await this.call(`remove volume ${name}`, () => this.docker.getVolume(name).remove());
  }

  async inspect(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    return orMissing(`inspect container ${name}`, async () => (await this.containerOf(name)).inspect());
  }

  /** The host port Docker published for 3306 (fixed, or picked when the topology left it out). */
  async hostPort(name: string): Promise<number> {
    const info = await this.inspect(name);
    const binding = info?.NetworkSettings.Ports?.['3306/tcp']?.[0];
    if (!binding?.HostPort) throw new ReplikitError(`container ${name} publishes no port for 3306`, 'run replikit up again to recreate it');
    return Number(binding.HostPort);
  }

  /** The last lines a container logged, for error messages about a node that did not come up. */
  async logTail(name: string, lines = 20): Promise<string> {
    try {
      const buf = (await (await this.containerOf(name)).logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
      return demux(buf).trimEnd();
    } catch (e) {
      return `(no log: ${(e as Error).message})`;
    }
  }

  /**
   * Runs a command in a container. `stdin`, when given, is streamed to the command; stdout is
   * returned as a stream. Resolves the exit code when `done` settles (docker/streams.ts).
   */
  async exec(name: string, cmd: string[], stdin?: Readable): Promise<ExecRun> {
    return execIn(await this.containerOf(name), name, cmd, stdin);
  }

  /** Runs a command in a container attached to this terminal, as `docker exec -it` does; resolves its exit code. */
  async execInteractive(name: string, cmd: string[]): Promise<number> {
    return execAttached(await this.containerOf(name), name, cmd);
  }

  /** Streams a container's log to these streams, following it with `follow` until it stops. */
  async streamLogs(
    name: string,
    o: { follow: boolean; tail?: number },
    out: NodeJS.WritableStream,
    err: NodeJS.WritableStream,
  ): Promise<void> {
    return streamLogs(this.docker.modem, await this.containerOf(name), name, o, out, err);
  }

  /**
   * The container a name stands for. Here the name itself; a swarm manager resolves a service's
   * name to its running task's container (docker/swarm.ts).
   */
  protected async containerOf(name: string): Promise<Docker.Container> {
    return this.docker.getContainer(name);
  }

  protected call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return calling(what, fn);
  }
}
