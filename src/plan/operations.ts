import { stepOf, StepSpec, UP_STEPS } from './steps';

/**
 * What `up` does, as data: each operation names its target and why it is needed. Container
 * operations need only the engine; server operations need the node's SQL connection, so they are
 * planned from what each server answers (see plan/reconcile.ts).
 */
export interface SettingChange {
  /** The setting's name in the node's my.cnf. */
  name: string;
  from?: string;
  /** Undefined when the setting was removed: the server's default applies again. */
  to?: string;
}

export type ContainerOperation =
  | { kind: 'pull-image'; image: string; cause: string }
  | { kind: 'create-network'; name: string; cause: string }
  | { kind: 'create-volume'; node: string; name: string; cause: string }
  | { kind: 'create-container'; node: string; name: string; cause: string }
  | { kind: 'recreate-container'; node: string; name: string; cause: string }
  | { kind: 'write-config'; node: string; name: string; cause: string }
  | { kind: 'start-container'; node: string; name: string; cause: string }
  | { kind: 'restart-container'; node: string; name: string; cause: string }
  | { kind: 'remove-orphan'; name: string; cause: string }
  | { kind: 'remove-moved'; node: string; name: string; engine: string; cause: string };

export type ServerOperation =
  | { kind: 'set-settings'; node: string; settings: SettingChange[]; cause: string }
  | { kind: 'renew-certificates'; node: string; cause: string }
  | { kind: 'create-replication-user'; node: string; cause: string }
  | { kind: 'set-replication-password'; node: string; cause: string }
  | { kind: 'set-mode'; from: 'position'; to: 'gtid'; cause: string }
  | { kind: 'connect-replica'; node: string; source: string; cause: string }
  | { kind: 'change-source'; node: string; from: string; to: string; cause: string }
  | { kind: 'update-credentials'; node: string; source: string; cause: string }
  | { kind: 'readdress-source'; node: string; source: string; cause: string }
  | { kind: 'position-by-gtid'; node: string; source: string; cause: string }
  | { kind: 'start-replica'; node: string; cause: string }
  | { kind: 'set-delay'; node: string; seconds: number; cause: string }
  | { kind: 'run-init'; node: string; cause: string }
  | { kind: 'set-read-only'; node: string; readOnly: boolean; cause: string };

export type Operation = ContainerOperation | ServerOperation;
export type OperationKind = Operation['kind'];

/** What each kind of operation disrupts: `plan` prints it, README documents it. */
export const DISRUPTION: Record<OperationKind, string> = {
  'pull-image': 'none',
  'create-network': 'none',
  'create-volume': 'none',
  'create-container': 'none (a new node)',
  'recreate-container': 'the node is down while its container is replaced; its data volume is kept',
  'write-config': 'none: my.cnf is rewritten in place and read at the next start',
  'start-container': 'none (the node was not running)',
  'restart-container': 'the node alone restarts (a static setting changed); its replicas reconnect',
  'remove-orphan': 'the node is removed with its container; its data volume is kept',
  'remove-moved': 'none beyond the move: the node runs anew on its new engine and joins like a new node',
  'set-settings': 'none for clients: SET GLOBAL; a replica pauses its applier for the change',
  'renew-certificates': 'none: the server reloads its TLS files; connections made before keep theirs',
  'create-replication-user': 'none',
  'set-replication-password': 'none: connected replicas keep their session',
  'set-mode': 'none for clients: GTIDs are turned on step by step, each replica pauses briefly',
  'connect-replica': 'a consistent snapshot: on the source, DDL (MariaDB) or writes (MySQL) wait while the dump starts, a fraction of a second',
  'change-source': 'the moving replica and one neighbour (its new or its old source) pause applying until both stand at one point',
  'update-credentials': 'the replica pauses replication for a moment',
  'readdress-source': 'the replica pauses replication for a moment and fetches again from where it had applied',
  'position-by-gtid': 'the replica pauses for a moment and goes on from where it stands, now by GTID',
  'start-replica': 'none',
  'set-delay': 'the replica pauses for a moment; from then on it applies changes that much later',
  'run-init': 'none',
  'set-read-only': 'writes on that node are refused (replica) or accepted (primary) from now on',
};

const CONTAINER_KINDS: readonly OperationKind[] = [
  'pull-image', 'create-network', 'create-volume', 'create-container', 'recreate-container', 'write-config', 'start-container', 'restart-container', 'remove-orphan', 'remove-moved',
];

export function isContainerOperation(o: Operation): o is ContainerOperation {
  return CONTAINER_KINDS.includes(o.kind);
}

/** The node or resource an operation acts on, for one-line display. */
export function targetOf(o: Operation): string {
  if ('image' in o) return o.image;
  if (o.kind === 'set-mode') return 'topology';
  if ('node' in o) return o.node;
  return o.name;
}

export function describe(o: Operation): string {
  return `${o.kind} ${targetOf(o)}: ${o.cause}`;
}

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
    return this.operations.filter((o): o is Extract<Operation, { kind: K }> => o.kind === kind && (node === undefined || ('node' in o && o.node === node)));
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
    return UP_STEPS.map((step) => ({ step, operations: this.operations.filter((o) => step.kinds.includes(o.kind)) })).filter((s) => s.operations.length);
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
