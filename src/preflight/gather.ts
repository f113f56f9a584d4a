import type { DockerEngine } from '../docker/engine';
import { containerName, networkName, volumeName } from '../docker/names';
import type { Observed } from '../plan/reconcile';
import type { Topology } from '../topology/types';
import { portAnswers, portIsFree, processListening } from './ports';
import type { NamedResource, PreflightFacts } from './problems';

/**
 * Asks the engine and the host what `preflightProblems` needs: who owns the names this topology
 * uses, which missing images can be pulled, and who holds the fixed ports it publishes.
 */
export async function gatherPreflight(docker: DockerEngine, t: Topology, observed: Observed): Promise<PreflightFacts> {
  const wanted: Omit<NamedResource, 'owner'>[] = [
    { kind: 'network', name: networkName(t) },
    ...t.nodes.flatMap((n) => [
      { kind: 'container' as const, name: containerName(t, n.name) },
      { kind: 'volume' as const, name: volumeName(t, n.name) },
    ]),
  ];
  const named = (await Promise.all(wanted.map(async (r) => ({ ...r, owner: await docker.ownerOf(r.kind, r.name) })))).filter(
    (r) => r.owner !== undefined,
  );

  const missing = [...new Set(t.nodes.map((n) => n.image))].filter((i) => !observed.images.includes(i));
  const missingImages = await Promise.all(missing.map(async (image) => ({ image, pullError: await docker.pullProblem(image) })));

  // A port this topology's own container publishes now is not a conflict: it keeps or frees it.
  const ownPorts = new Set(observed.containers.flatMap((c) => (c.hostPort ? [c.hostPort] : [])));
  const fixed = t.nodes.filter((n) => n.port !== undefined && !ownPorts.has(n.port));
  const publishers = fixed.length ? await docker.portPublishers() : new Map<number, string>();
  const takenPorts: PreflightFacts['takenPorts'] = [];
  for (const n of fixed) {
    const port = n.port!;
    const container = publishers.get(port);
    if (container) takenPorts.push({ node: n.name, bind: n.bind, port, holder: `container ${container}` });
    // A local engine publishes on this host: try to bind the port here. A remote one publishes
    // on its host: a connection that is accepted there means something else holds the port.
    else if (!docker.isRemote() && !(await portIsFree(n.bind, port))) takenPorts.push({ node: n.name, bind: n.bind, port, holder: processListening(port) });
    else if (docker.isRemote() && (await portAnswers(docker.reachAddress(n.bind), port))) takenPorts.push({ node: n.name, bind: docker.reachAddress(n.bind), port, holder: `a process on ${docker.publishedHost()}` });
  }
  return { named, missingImages, takenPorts };
}
