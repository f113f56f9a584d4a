import type { Placement } from '../topology/types';
import { nodeByName } from '../topology/types';
import { namedEngineTarget } from './context';
import { DockerEngine, ObservedContainer, ObservedVolume } from './engine';
import { containerName, volumeName } from '../names';
import { SwarmEngine, swarmEndpoint } from './swarm';

/** A node's container on an engine other than its own: the node was moved. */
export type Misplaced = ObservedContainer & { engine: string };

/**
 * The engines one topology's nodes run on: the environment's (`main`: DOCKER_HOST, a docker
 * context, or the local socket) for nodes without `engine:`, and one per name under `engines:`
 * that a node uses. A node's container, volume and files are on its engine; the topology's
 * network is made on every engine in use (each its own); the topology lock lives on the first
 * node's engine.
 */
export class TopologyEngines {
  private readonly named = new Map<string, DockerEngine>();
  /** The engines the last look found answering: a move's old container is removed from one of them. */
  private looked: DockerEngine[] = [];

  constructor(
    private readonly t: Placement,
    readonly main: DockerEngine = new DockerEngine(),
  ) {
    // Every engine the file names, used by a node or not: a node moved or deleted off one may still run there.
    for (const name of new Set([...Object.keys(t.engines), ...t.nodes.flatMap((n) => (n.engine ? [n.engine] : []))])) {
      const swarm = swarmEndpoint(t.engines[name]);
      if (swarm !== undefined) {
        // `swarm` alone: the environment's engine, which is then a swarm manager.
        this.named.set(name, swarm ? new SwarmEngine(undefined, namedEngineTarget(swarm)) : new SwarmEngine(main.docker, main.target));
        continue;
      }
      const target = namedEngineTarget(t.engines[name]);
      // The environment's engine named again under engines: is the same engine, asked once.
      this.named.set(name, target.describe === main.describe() ? main : new DockerEngine(undefined, target));
    }
  }

  /** The engine a node's container runs on. */
  of(node: string): DockerEngine {
    const name = nodeByName(this.t, node)?.engine;
    return name ? this.named.get(name)! : this.main;
  }

  /**
   * The engines in use, and those that run no node of the file but answer (the environment's,
   * and any under engines:): where containers and volumes of nodes moved or deleted stay. One
   * that does not answer within a few seconds is left out: it holds no node of the file.
   */
  async answering(): Promise<DockerEngine[]> {
    const inUse = this.inUse();
    // One daemon is asked once: a swarm on the environment's engine is that engine (its tasks are its containers).
    const seen = new Set(inUse.map((e) => e.daemon()));
    const others = [...new Set([this.main, ...this.named.values()])].filter((e) => !seen.has(e.daemon()) && seen.add(e.daemon()));
    const answers = await Promise.all(others.map((e) => answersWithin(e, 3000)));
    return [...inUse, ...others.filter((_, i) => answers[i])];
  }

  /** Every engine some node runs on, each once, the environment's first when a node is there. */
  inUse(): DockerEngine[] {
    const used = [...new Set(this.t.nodes.map((n) => this.of(n.name)))];
    return used.length ? used : [this.main]; // a topology known by name only: the environment's
  }

  /** The nodes whose containers run on `engine`. */
  nodesOn(engine: DockerEngine): Placement['nodes'] {
    return this.t.nodes.filter((n) => this.of(n.name) === engine);
  }

  /** The engines that run nodes of `image`: each needs the image. */
  forImage(image: string): DockerEngine[] {
    return [...new Set(this.t.nodes.filter((n) => n.image === image).map((n) => this.of(n.name)))];
  }

  /** For each node on a remote engine, that host's address: its loopback binds publish there. */
  async remoteAddresses(): Promise<Map<string, string>> {
    // Asked once per engine (a host name is resolved), then given to each of its nodes.
    const byEngine = new Map(await Promise.all(this.inUse().map(async (e) => [e, await e.remoteAddress()] as const)));
    const out = new Map<string, string>();
    for (const n of this.t.nodes) {
      const address = byEngine.get(this.of(n.name));
      if (address) out.set(n.name, address);
    }
    return out;
  }

  /** The hosts clients and replicas reach nodes at: each engine's, and every advertise: host (for the certificates). */
  hostAddresses(): string[] {
    return [
      ...new Set([...this.inUse().map((e) => e.publishedHost()), ...this.t.nodes.flatMap((n) => (n.advertise ? [n.advertise.host] : []))]),
    ];
  }

  /** Every engine in use answers; the first that does not is named in the error. */
  async ping(): Promise<void> {
    await Promise.all(this.inUse().map((e) => e.ping()));
  }

  /**
   * One look at the topology's labelled containers on every engine that answers: each node's
   * from its own engine and orphans (containers of nodes no longer in the file) from any, and
   * apart, those of nodes in the file found on an engine it no longer places them on (the node
   * was moved; `engine` is where they are): not the node's container, which it gets anew.
   */
  async look(): Promise<{ containers: ObservedContainer[]; misplaced: Misplaced[] }> {
    const all = await this.everyContainer();
    const own = ({ c, e }: { c: ObservedContainer; e: DockerEngine }) => !nodeByName(this.t, c.node) || this.of(c.node) === e;
    return {
      containers: all.filter(own).map(({ c }) => c),
      misplaced: all.filter((x) => !own(x)).map(({ c, e }) => ({ ...c, engine: e.describe() })),
    };
  }

  /** The topology's containers: each node's from its own engine, and orphans from any (see look). */
  async containers(): Promise<ObservedContainer[]> {
    return (await this.look()).containers;
  }

  /** The topology's labelled containers on every engine that answers, with the engine each is on. */
  private async everyContainer(): Promise<{ c: ObservedContainer; e: DockerEngine }[]> {
    this.looked = await this.answering();
    const lists = await Promise.all(this.looked.map(async (e) => (await e.containers(this.t.name)).map((c) => ({ c, e }))));
    return lists.flat();
  }

  /** The engine (looked at, or in use) that `describe()` names. */
  describedAs(describe: string): DockerEngine | undefined {
    return [...this.inUse(), ...this.looked].find((e) => e.describe() === describe);
  }

  /** The data volumes of the nodes, each from its node's engine. */
  async volumes(): Promise<ObservedVolume[]> {
    const lists = await Promise.all(this.inUse().map(async (e) => ({ e, list: await e.volumeRecords(this.t.name) })));
    const mine = (e: DockerEngine) => new Set(this.nodesOn(e).map((n) => volumeName(this.t, n.name)));
    return lists.flatMap(({ e, list }) => list.filter((v) => mine(e).has(v.name)));
  }

  /** The engine holding a container by name: its node's, or for an orphan the first that has it. */
  async holding(container: string): Promise<DockerEngine | undefined> {
    const node = this.t.nodes.find((n) => containerName(this.t, n.name) === container);
    if (node) return this.of(node.name);
    for (const e of await this.answering()) if (await e.inspect(container)) return e;
    return undefined;
  }
}

/** Whether the engine answers a ping within `ms` (an engine away, or an ssh host that does not reply, is not waited for). */
export function answersWithin(engine: DockerEngine, ms: number): Promise<boolean> {
  const late = new Promise<boolean>((r) => setTimeout(r, ms, false).unref());
  return Promise.race([
    engine.ping().then(
      () => true,
      () => false,
    ),
    late,
  ]);
}
