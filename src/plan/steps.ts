import type { OperationKind } from './operations';

/**
 * The order of `up`, as data: each step, its title, the kinds of operation it runs and how they
 * are grouped. reconcile orders its plan by it, `plan` prints under its titles, and the runner
 * (run/runner.ts) walks it; up.ts binds the steps that are not operations (connect, lock, plan…).
 */
export type StepId =
  | 'connect'
  | 'preflight'
  | 'pull'
  | 'images'
  | 'lock'
  | 'plan'
  | 'storage'
  | 'containers'
  | 'start'
  | 'plan-servers'
  | 'settings'
  | 'accounts'
  | 'mode'
  | 'replicas'
  | 'delay'
  | 'init'
  | 'read-only'
  | 'verify';

/**
 * How a step's operations run: `together` all at once (they touch different nodes); `by-depth`
 * sources before their replicas, a depth at a time; `per-node` one line a node, its operations in turn.
 */
export type Grouping = 'together' | 'by-depth' | 'per-node';

export interface StepSpec {
  id: StepId;
  title: string;
  /** The operations this step runs; none: the step is work of its own (up.ts). */
  kinds: readonly OperationKind[];
  grouping: Grouping;
}

const step = (id: StepId, title: string, kinds: readonly OperationKind[] = [], grouping: Grouping = 'together'): StepSpec => ({
  id,
  title,
  kinds,
  grouping,
});

export const UP_STEPS: readonly StepSpec[] = [
  step('connect', 'Connect to the Docker engine'),
  step('preflight', 'Preflight: names, images, ports'),
  step('pull', 'Pull images', ['pull-image']),
  step('images', 'Ask each image which server it runs'),
  // A second up of the same topology would plan from a state this one is changing: it stops here.
  step('lock', 'Lock the topology'),
  step('plan', 'Plan: compare the topology with what runs'),
  step('storage', 'Create the network and data volumes', ['create-network', 'create-volume']),
  // Seeding writes into the volumes while the containers are being created: only start waits for both.
  step('containers', 'Create containers and seed new data directories', [
    'create-container',
    'recreate-container',
    'write-config',
    'remove-orphan',
    'remove-moved',
  ]),
  // Each node is waited for as soon as it starts: one server's start-up overlaps the next one's start.
  step('start', 'Start the nodes and wait until each accepts SQL connections', ['start-container', 'restart-container'], 'per-node'),
  step('plan-servers', 'Plan replication: ask every server'),
  step('settings', 'Apply changed settings and certificates at run time', ['set-settings', 'renew-certificates']),
  step('accounts', 'Replication account on every node', ['create-replication-user', 'set-replication-password']),
  step('mode', 'Turn GTIDs on', ['set-mode']),
  // Sources before their replicas: a replica joins a source that already replicates.
  step(
    'replicas',
    'Connect each replica to its source',
    [
      'connect-replica',
      'rejoin-replica',
      'rebuild-replica',
      'change-source',
      'readdress-source',
      'update-credentials',
      'position-by-gtid',
      'start-replica',
    ],
    'by-depth',
  ),
  step('delay', 'Delay replicas on purpose', ['set-delay']),
  step('init', 'Run init SQL on the primary', ['run-init']),
  step('read-only', 'Make replicas read-only and the primary writable', ['set-read-only']),
  step('verify', 'Verify: a heartbeat written on the primary reaches every replica'),
];

/** The step that runs each kind of operation (a unit test checks every kind has exactly one). */
export function stepOf(kind: OperationKind): StepSpec {
  const found = UP_STEPS.find((s) => s.kinds.includes(kind));
  if (!found) throw new Error(`no step runs ${kind} operations`);
  return found;
}

/**
 * What an operation waits for once its statements ran, before the step counts it done: a replica
 * whose link it changed has both threads running (or fails with the server's own error).
 */
export const WAITS_FOR: { readonly [K in OperationKind]?: 'replica-running' } = {
  'connect-replica': 'replica-running',
  'rejoin-replica': 'replica-running',
  'rebuild-replica': 'replica-running',
  'change-source': 'replica-running',
  'update-credentials': 'replica-running',
  'readdress-source': 'replica-running',
  'position-by-gtid': 'replica-running',
  'start-replica': 'replica-running',
  'set-delay': 'replica-running',
};

/** Operations in the order `up` runs them: by step; within a step as planned (stable). */
export function inRunOrder<O extends { kind: OperationKind }>(ops: readonly O[]): O[] {
  const at = (o: O) => UP_STEPS.indexOf(stepOf(o.kind));
  return [...ops].sort((a, b) => at(a) - at(b));
}
