import type { ContainerPlan } from '../docker/container-spec';
import type { ObservedContainer } from '../docker/engine';

/** What exists now, as far as replikit owns it (by label). */
export interface Observed {
  network: boolean;
  volumes: string[];
  containers: ObservedContainer[];
  images: string[];
}

export interface Desired {
  network: string;
  images: string[];
  nodes: { plan: ContainerPlan; volume: string }[];
}

export type Operation =
  | { kind: 'pull-image'; image: string; cause: string }
  | { kind: 'create-network'; name: string; cause: string }
  | { kind: 'create-volume'; node: string; name: string; cause: string }
  | { kind: 'create-container'; node: string; name: string; cause: string }
  | { kind: 'recreate-container'; node: string; name: string; cause: string }
  | { kind: 'start-container'; node: string; name: string; cause: string };

export class Plan {
  constructor(
    readonly operations: Operation[],
    /** Containers of this topology whose node is no longer in the file; left alone. */
    readonly orphans: string[],
  ) {}

  get empty(): boolean {
    return this.operations.length === 0;
  }

  /** Nodes whose container is (re)created or started by this plan. */
  nodesTouched(): Set<string> {
    return new Set(this.operations.flatMap((o) => ('node' in o && o.kind !== 'create-volume' ? [o.node] : [])));
  }

  has(kind: Operation['kind'], node?: string): boolean {
    return this.operations.some((o) => o.kind === kind && (node === undefined || ('node' in o && o.node === node)));
  }

  toString(): string {
    if (this.empty && !this.orphans.length) return 'nothing to do: every resource is up to date';
    const lines = this.operations.map((o) => `${o.kind} ${'image' in o ? o.image : o.name}: ${o.cause}`);
    for (const name of this.orphans) lines.push(`orphan ${name}: not in the topology file, left running (replikit down removes it)`);
    return lines.join('\n');
  }
}

/**
 * Pure: compares what should exist with what does and lists the operations that close the gap,
 * each with its cause. Anything already right gets no operation, which makes `up` idempotent.
 */
export function reconcile(desired: Desired, observed: Observed): Plan {
  const ops: Operation[] = [];
  for (const image of desired.images) {
    if (!observed.images.includes(image)) ops.push({ kind: 'pull-image', image, cause: 'image not present' });
  }
  if (!observed.network) ops.push({ kind: 'create-network', name: desired.network, cause: 'no existing network' });
  for (const { plan, volume } of desired.nodes) {
    if (!observed.volumes.includes(volume)) {
      ops.push({ kind: 'create-volume', node: plan.node, name: volume, cause: 'no existing volume' });
    }
    const current = observed.containers.find((c) => c.name === plan.name);
    if (!current) {
      ops.push({ kind: 'create-container', node: plan.node, name: plan.name, cause: 'no existing container' });
    } else if (current.state === 'created') {
      // Created but never started: an earlier up stopped between creating it and putting its files in.
      ops.push({ kind: 'recreate-container', node: plan.node, name: plan.name, cause: 'created but never started (an earlier up was interrupted)' });
    } else if (current.configHash !== plan.configHash) {
      ops.push({
        kind: 'recreate-container',
        node: plan.node,
        name: plan.name,
        cause: `config hash changed (${current.configHash || 'none'} → ${plan.configHash})`,
      });
    } else if (current.state !== 'running') {
      ops.push({ kind: 'start-container', node: plan.node, name: plan.name, cause: `container is ${current.state}` });
    }
  }
  const wanted = new Set(desired.nodes.map((n) => n.plan.name));
  const orphans = observed.containers.filter((c) => !wanted.has(c.name)).map((c) => c.name);
  return new Plan(ops, orphans);
}
