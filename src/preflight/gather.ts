import type { DockerEngine } from '../docker/engine';
import type { TopologyEngines } from '../docker/engines';
import { SwarmEngine } from '../docker/swarm';
import { containerName, LABEL, networkName, volumeName } from '../names';
import type { Observed } from '../plan/reconcile';
import type { Topology } from '../topology/types';
import { portAnswers, portIsFree, processListening } from './ports';
import type { NamedResource, PreflightFacts } from './problems';

/**
 * Asks the engines and the hosts what `preflightProblems` needs: who owns the names this
 * topology uses (each node's on its engine, the network on every engine in use), which missing
 * images can be pulled, and who holds the fixed ports it publishes.
 */
export async function gatherPreflight(engines: TopologyEngines, t: Topology, observed: Observed): Promise<PreflightFacts> {
  const wanted: (Omit<NamedResource, 'owner'> & { on: DockerEngine })[] = [
    ...engines.inUse().map((on) => ({ kind: 'network' as const, name: networkName(t), on })),
    ...t.nodes.flatMap((n) => [
      { kind: 'container' as const, name: containerName(t, n.name), on: engines.of(n.name) },
      { kind: 'volume' as const, name: volumeName(t, n.name), on: engines.of(n.name) },
    ]),
  ];
  const owners = await Promise.all(wanted.map(async ({ on, ...r }) => ({ ...r, owner: await on.ownerOf(r.kind, r.name) })));
  const named = owners.filter((r) => r.owner !== undefined);

  const missing = [...new Set(t.nodes.map((n) => n.image))].filter((i) => !observed.images.includes(i));
  const missingImages = await Promise.all(
    missing.map(async (image) => {
      const problems = await Promise.all(
        engines.forImage(image).map(async (e) => ((await e.hasImage(image)) ? undefined : e.pullProblem(image))),
      );
      return { image, pullError: problems.find((p) => p !== undefined) };
    }),
  );

  // A port this topology's own container publishes now is not a conflict: it keeps or frees it.
  // A moved node's old container holds its port until up removes it, before anything starts.
  const ownPorts = new Set([...observed.containers, ...(observed.misplaced ?? [])].flatMap((c) => (c.hostPort ? [c.hostPort] : [])));
  const fixed = t.nodes.filter((n) => n.port !== undefined && !ownPorts.has(n.port));
  const publishers = new Map<DockerEngine, Map<number, string>>();
  for (const e of new Set(fixed.map((n) => engines.of(n.name)))) publishers.set(e, await e.portPublishers());
  const takenPorts: PreflightFacts['takenPorts'] = [];
  for (const n of fixed) {
    const port = n.port!;
    const docker = engines.of(n.name);
    const container = publishers.get(docker)!.get(port);
    if (container)
      takenPorts.push({
        node: n.name,
        bind: docker.isRemote() ? docker.reachAddress(n.bind) : n.bind,
        port,
        holder: `container ${container}`,
      });
    // A local engine publishes on this host: try to bind the port here. A remote one publishes
    // on its host: a connection that is accepted there means something else holds the port.
    else if (!docker.isRemote() && !(await portIsFree(n.bind, port)))
      takenPorts.push({ node: n.name, bind: n.bind, port, holder: processListening(port) });
    else if (docker.isRemote() && (await portAnswers(docker.reachAddress(n.bind), port)))
      takenPorts.push({ node: n.name, bind: docker.reachAddress(n.bind), port, holder: `a process on ${docker.publishedHost()}` });
  }
  // validate keeps a topology on one swarm or none: its first node's engine says which.
  const swarm = engines.of(t.nodes[0].name);
  const leftFromContainers =
    swarm instanceof SwarmEngine ? { engine: swarm.describe(), ...(await swarm.leftFromContainers(t.name)) } : undefined;
  return {
    named,
    missingImages,
    takenPorts,
    unreachable: await unreachableAddresses(engines, t),
    ...(leftFromContainers ? { leftFromContainers } : {}),
  };
}

/**
 * Across engines, replicas connect to their source's `advertise:` address: from a container on
 * every other engine in use, a TCP connection to it must get an answer. Nothing listens there
 * before up, so "connection refused" counts as an answer (the host was reached); no answer
 * within 3 s, or no route, means that engine's containers cannot get there. Asked with an image
 * that engine already has; an engine without one yet is not asked.
 */
async function unreachableAddresses(engines: TopologyEngines, t: Topology): Promise<PreflightFacts['unreachable']> {
  const inUse = engines.inUse();
  if (inUse.length < 2) return [];
  const asks = t.nodes.flatMap((n) => inUse.filter((e) => e !== engines.of(n.name) && n.advertise).map((from) => ({ n, from })));
  // Settled, not raced: a probe that fails must not leave the others' helpers behind (the CLI
  // exits on the first error, before their own clean-up ran).
  const settled = await Promise.allSettled(
    asks.map(async ({ n, from }) => {
      const image = (
        await Promise.all(engines.nodesOn(from).map(async (x) => ((await from.hasImage(x.image!)) ? x.image : undefined)))
      ).find(Boolean);
      if (!image) return undefined;
      const { host, port } = n.advertise!;
      const script = [
        `out=$(timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>&1); rc=$?`,
        // 127: no bash or timeout in this image, so it cannot be asked this way.
        '[ $rc = 0 ] || [ $rc = 127 ] && exit 0',
        'case "$out" in *"Connection refused"*) exit 0 ;; esac',
        '[ $rc = 124 ] && echo "no answer within 3 s" || echo "$out"',
        'exit 1',
      ].join('\n');
      const r = await from.runOnce({ image, script, network: 'bridge', labels: { [LABEL.probe]: t.name } });
      return r.code === 0
        ? undefined
        : { node: n.name, address: `${host}:${port}`, from: from.describe(), error: r.output.trim().split('\n').pop() ?? `exit ${r.code}` };
    }),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value] : []));
}
