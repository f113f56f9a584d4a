import { describe, DISRUPTION, Operation, OperationKind, targetOf } from './operations';
import { stepOf, StepSpec, UP_STEPS } from './steps';

/** A step of `up` with the operations of a plan it runs. */
export interface PlannedStep {
  step: StepSpec;
  operations: Operation[];
}

export class Plan {
  constructor(
    readonly operations: Operation[],
    /** Containers of this topology whose node is no longer in the file, left alone (without --remove-orphans). */
    readonly orphans: string[] = [],
    /** Nodes whose server could not be asked yet (not running): their server operations are planned once it answers. */
    readonly pending: string[] = [],
    /** Changes `up` will not make, each with the reason and what to do instead. */
    readonly refused: string[] = [],
  ) {}

  get empty(): boolean {
    return this.operations.length === 0;
  }

  of<K extends OperationKind>(kind: K, node?: string): Extract<Operation, { kind: K }>[] {
    return this.operations.filter(
      (o): o is Extract<Operation, { kind: K }> => o.kind === kind && (node === undefined || ('node' in o && o.node === node)),
    );
  }

  has(kind: OperationKind, node?: string): boolean {
    return this.of(kind, node).length > 0;
  }

  /** Nodes whose container this plan starts (new, recreated or stopped): their server starts afresh. */
  nodesStarted(): Set<string> {
    return new Set(this.of('start-container').map((o) => o.node));
  }

  /** The operations under the steps of `up` that run them, in the order it runs them. */
  bySteps(): PlannedStep[] {
    return UP_STEPS.map((step) => ({ step, operations: this.operations.filter((o) => step.kinds.includes(o.kind)) })).filter(
      (s) => s.operations.length,
    );
  }

  /** What `plan` prints: each operation under the title of the step `up` shows it in; then orphans, pending and refused. */
  toText(): string {
    if (!this.operations.length && !this.orphans.length && !this.pending.length && !this.refused.length) return this.toString();
    const lines = this.bySteps().flatMap(({ step, operations }) => [step.title, ...operations.map((o) => `  ${describe(o)}`)]);
    const rest = this.toString().split('\n').slice(this.operations.length);
    return [...lines, ...rest].join('\n');
  }

  /** One operation a line, `kind target: cause`, in run order; then orphans, pending and refused. */
  toString(): string {
    const lines = this.operations.map(describe);
    for (const name of this.orphans) lines.push(`orphan ${name}: not in the topology file, left alone (up --remove-orphans removes it)`);
    for (const p of this.pending) lines.push(`pending ${p}`);
    for (const r of this.refused) lines.push(`refused ${r}`);
    return lines.length ? lines.join('\n') : 'nothing to do: containers and replication match the topology';
  }

  toJSON() {
    return {
      changes: !this.empty,
      operations: this.operations.map((o) => ({ ...o, target: targetOf(o), step: stepOf(o.kind).id, disruption: DISRUPTION[o.kind] })),
      orphans: this.orphans,
      pending: this.pending,
      refused: this.refused,
    };
  }
}
