import type { Topology } from '../topology/types';

/** A resource that has one of the topology's names. `owner` is its topology label, if any. */
export interface NamedResource {
  kind: 'container' | 'network' | 'volume';
  name: string;
  owner?: string;
}

/** What the engine and the host say before anything is created. */
export interface PreflightFacts {
  named: NamedResource[];
  /** Images not present locally; `pullError` is set when the registry cannot serve them either. */
  missingImages: { image: string; pullError?: string }[];
  /** Fixed host ports already taken by something that is not this topology's own container. */
  takenPorts: { node: string; bind: string; port: number; holder?: string }[];
  /** Nodes' advertise: addresses a container on another engine in use got no answer from. */
  unreachable?: { node: string; address: string; from: string; error: string }[];
  /** On a swarm the topology moves to: its plain containers, and a network of its name that is not an overlay. */
  leftFromContainers?: { engine: string; containers: string[]; network?: string };
}

export interface PreflightProblem {
  node?: string;
  message: string;
  hint: string;
}

/**
 * Pure: every reason `up` would fail half-way, found before the first container exists. Each
 * problem says what, where and how to fix it; all of them come back in one pass.
 */
export function preflightProblems(t: Topology, facts: PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  for (const r of facts.named) {
    if (r.owner === t.name) continue;
    const owned = r.owner ? `belongs to topology "${r.owner}"` : 'was not created by replikit (no io.replikit.topology label)';
    problems.push({
      message: `a ${r.kind} named ${r.name} already exists and ${owned}`,
      hint: `remove it (docker ${r.kind === 'container' ? 'rm -f' : `${r.kind} rm`} ${r.name}) if it is not needed, or change name: in ${t.file}`,
    });
  }
  for (const i of facts.missingImages) {
    if (i.pullError === undefined) continue;
    problems.push({
      message: `image ${i.image} is not present and cannot be pulled: ${i.pullError}`,
      hint: 'build or load it locally (scripts/test-env.sh builds replikit/mariadb:10.11, replikit/mariadb:11.8 and replikit/mysql:9.7; docker images lists what is present), or fix image: in the topology',
    });
  }
  for (const p of facts.takenPorts) {
    problems.push({
      node: p.node,
      message: `host port ${p.bind}:${p.port} is already in use${p.holder ? ` by ${p.holder}` : ''}`,
      hint: `stop what holds it, or give node ${p.node} another port: (or leave port: out and Docker picks a free one)`,
    });
  }
  for (const u of facts.unreachable ?? []) {
    problems.push({
      node: u.node,
      message: `its advertise: address ${u.address} cannot be reached from containers on ${u.from} (${u.error})`,
      hint: `advertise an address of ${u.node}'s engine host that ${u.from}'s containers route to (and publish the port there with bind:), or open the way between the hosts`,
    });
  }
  const left = facts.leftFromContainers;
  if (left && (left.containers.length || left.network)) {
    const what = [
      ...(left.containers.length ? [`container(s) ${left.containers.join(', ')}`] : []),
      ...(left.network ? [`the bridge network ${left.network}`] : []),
    ].join(' and ');
    problems.push({
      message: `the topology's nodes now run on ${left.engine}, where it still has ${what} from before: a swarm service cannot take their names, and a server still running there holds the node's data volume`,
      hint: `remove them with the topology file as it was before engine: swarm (replikit down -f FILE, without --volumes: the data volumes stay and the services start on them), or docker rm -f / docker network rm them`,
    });
  }
  return problems;
}
