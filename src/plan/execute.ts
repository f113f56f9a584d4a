import type { TopologyEngines } from '../docker/engines';
import { LABEL, containerName, networkName, TLS_FILES, topologyLabels, volumeName } from '../names';
import { MYCNF_PATH } from '../render/mycnf';
import { setGlobal } from '../flavors/dialect';
import { NodeError } from '../errors';
import { enableGtid } from '../replication/gtid-mode';
import { joinReplica, LinkEnd } from '../replication/join';
import {
  pointAt,
  positionByGtidHere,
  readdress,
  replicaStatus,
  setReplicationAccount,
  sourceLink,
  updateCredentials,
} from '../replication/link';
import { sourceNode } from '../replication/address';
import { moveByPosition } from '../replication/move';
import { runInit } from '../replication/init-sql';
import type { SqlSession } from '../replication/session';
import { levels, nodeByName, Topology } from '../topology/types';
import { waitForThreads } from '../verify/threads';
import type { DockerEngine } from '../docker/engine';
import type { Operation, OperationKind } from './operations';
import type { Desired } from './reconcile';
import { WAITS_FOR } from './steps';

/** Resources one `up` run created; nothing that existed before the run is ever listed. */
export interface Created {
  containers: string[];
  /** The network is made on each engine in use; only where this run made it is it removed again. */
  networks: { name: string; on: DockerEngine }[];
  volumes: string[];
}

/** What every operation may use. Sessions are there once the servers answer (server operations). */
export interface ExecContext {
  t: Topology;
  /** Each node's engine (docker/engines.ts). */
  engines: TopologyEngines;
  desired: Desired;
  sessions: Map<string, SqlSession>;
  /** What this run created, so a failed run can take exactly that away again. */
  created: Created;
  signal?: AbortSignal;
  /** How long a snapshot stream may send nothing before a join fails. */
  snapshotStallMs?: number;
  /** With a switch to GTIDs planned: the state after it (plan/observe.ts beforeGtidSwitch). */
  afterGtidSwitch?: Desired;
  /** Fills a node's empty data volume from the seed, as a new node's is filled (up's seeding). */
  reseed(node: string): Promise<void>;
  /** A session to a node whose server this run (re)started, once it answers (up's wait for SQL). */
  reconnect(node: string): Promise<SqlSession>;
}

type Executor<K extends OperationKind> = (
  c: ExecContext,
  op: Extract<Operation, { kind: K }>,
  progress: (text: string) => void,
) => Promise<string | void>;

/** How long a replica may take to reach a point it is asked to reach during a change. */
const APPLY_TIMEOUT_S = 120;
/** How long a replica's threads may take to run once its link changed (they start within milliseconds). */
const REPLICA_START_TIMEOUT_MS = 60_000;

/**
 * One function per kind of operation: the only code that changes containers or servers for
 * `up`. Each returns a detail of what it did, when there is more to say than the operation's cause.
 */
export const EXECUTORS: { [K in OperationKind]: Executor<K> } = {
  // On every engine that runs the image and lacks it (each engine has its own image store).
  'pull-image': async (c, op, progress) => {
    for (const e of c.engines.forImage(op.image)) if (!(await e.hasImage(op.image))) await e.pull(op.image, progress);
  },
  // Each engine in use gets the network: containers on one engine reach each other by name there.
  'create-network': async (c) => {
    for (const e of c.engines.inUse())
      if (await e.ensureNetwork(networkName(c.t), topologyLabels(c.t))) c.created.networks.push({ name: networkName(c.t), on: e });
  },
  'create-volume': async (c, op) => {
    // The node's server_id goes with its data for as long as the volume lives (plan/observe.ts reads it back).
    const labels = { ...topologyLabels(c.t), [LABEL.node]: op.node, [LABEL.serverId]: String(nodeByName(c.t, op.node)!.serverId) };
    if (await c.engines.of(op.node).ensureVolume(op.name, labels)) c.created.volumes.push(op.name);
  },
  'create-container': async (c, op) => {
    c.created.containers.push(op.name);
    await c.engines.of(op.node).create(planOf(c, op.node));
  },
  'recreate-container': async (c, op) => {
    await c.engines.of(op.node).remove(op.name);
    await c.engines.of(op.node).create(planOf(c, op.node));
  },
  'write-config': async (c, op) => {
    await writeConfig(c, op.node);
  },
  'start-container': (c, op) => c.engines.of(op.node).start(op.name),
  'restart-container': async (c, op) => {
    // A swarm service takes changed files with a new task: that is the restart.
    if (!(await writeConfig(c, op.node))) await c.engines.of(op.node).restart(op.name);
  },
  'remove-orphan': async (c, op) => (await c.engines.holding(op.name))?.remove(op.name),
  'remove-moved': async (c, op) => c.engines.describedAs(op.engine)?.remove(op.name),

  'set-settings': async (c, op) => {
    const s = session(c, op.node);
    // The applier's own settings change only while it is stopped, and it reads the others at start.
    const replicating = Boolean(await s.first(s.dialect.replicaStatus()));
    if (replicating) await s.run(s.dialect.stopReplica());
    try {
      await s.run(...op.settings.map((x) => setGlobal(x.name, x.to)));
    } catch (e) {
      throw new NodeError(
        op.node,
        `the server refused ${op.settings.map((x) => `${x.name} = ${x.to ?? '(default)'}`).join(', ')}`,
        'its my.cnf was left as it was; correct the value in the topology file and run replikit up again',
        e,
      );
    } finally {
      if (replicating) await s.run(s.dialect.startReplica());
    }
    // Only what the server took reaches the file it starts from: a refused value would make the
    // next up see nothing to do, and the next start fail.
    await writeConfig(c, op.node);
    if (replicating) await waitForThreads(s, REPLICA_START_TIMEOUT_MS, c.signal);
  },
  'renew-certificates': async (c, op) => {
    await writeConfig(c, op.node);
    const s = session(c, op.node);
    await s.run(s.dialect.reloadTls());
  },
  'create-replication-user': (c, op) => account(c, op.node),
  'set-replication-password': (c, op) => account(c, op.node),
  'set-mode': async (c) => {
    // The tree as it replicates now: sources the plan changes later in this run do not count yet.
    const current = await Promise.all(
      c.t.nodes.map(async (n) => {
        const status = await replicaStatus(session(c, n.name));
        return { name: n.name, source: status?.sourceHost ? sourceNode(c.t, status) : undefined };
      }),
    );
    const nodes = levels(current)
      .flat()
      .map((n) => ({ name: n.name, session: session(c, n.name), source: n.source ? session(c, n.source) : undefined }));
    const detail = await enableGtid(nodes, APPLY_TIMEOUT_S, c.signal);
    // Only now may the files say what the servers do: the next start keeps GTIDs on.
    if (c.afterGtidSwitch) {
      c.desired = c.afterGtidSwitch;
      await Promise.all(c.t.nodes.map((n) => writeConfig(c, n.name)));
    }
    return detail;
  },
  'connect-replica': (c, op, progress) =>
    joinReplica({
      replica: end(c, op.node),
      source: end(c, op.source),
      link: linkOf(c, op.node, op.source),
      progress,
      stallMs: c.snapshotStallMs,
    }),
  'change-source': async (c, op) => {
    const link = linkOf(c, op.node, op.to);
    if (link.mode === 'gtid') return pointAt(session(c, op.node), link);
    return moveByPosition({
      replica: end(c, op.node),
      from: end(c, op.from),
      to: end(c, op.to),
      link,
      timeoutSeconds: APPLY_TIMEOUT_S,
      sourceOf: (st) => sourceNode(c.t, st),
    });
  },
  'rejoin-replica': async (c, op) => {
    const s = session(c, op.node);
    // Where it stands is what it holds: its own writes from when it was the primary, and all it applied.
    await s.run(...s.dialect.rejoinFromHere());
    await pointAt(s, linkOf(c, op.node, op.source));
  },
  'rebuild-replica': async (c, op, progress) => {
    const engine = c.engines.of(op.node);
    const container = containerName(c.t, op.node);
    await c.sessions.get(op.node)?.close();
    c.sessions.delete(op.node);
    await engine.stop(container);
    // Its data, errant transactions and all, moved whole into a volume of its own; never in
    // `created`: a failed run must not take it away.
    await engine.ensureVolume(op.keep, { ...topologyLabels(c.t), [LABEL.keptFrom]: op.node });
    const moved = await engine.runOnce({
      image: nodeByName(c.t, op.node)!.image,
      script: 'cp -a /from/. /to/ && find /from -mindepth 1 -delete',
      mounts: [
        { Type: 'volume', Source: volumeName(c.t, op.node), Target: '/from' },
        { Type: 'volume', Source: op.keep, Target: '/to' },
      ],
    });
    if (moved.code !== 0) {
      throw new NodeError(
        op.node,
        `could not move its data into ${op.keep}: ${moved.output}`,
        `its data is as it was; see docker volume inspect ${op.keep}`,
      );
    }
    await c.reseed(op.node);
    await engine.start(container);
    c.sessions.set(op.node, await c.reconnect(op.node));
    const joined = await joinReplica({
      replica: end(c, op.node),
      source: end(c, op.source),
      link: linkOf(c, op.node, op.source),
      progress,
      stallMs: c.snapshotStallMs,
    });
    return `its former data kept in volume ${op.keep}; ${joined}`;
  },
  'update-credentials': (c, op) => updateCredentials(session(c, op.node), linkOf(c, op.node, op.source)),
  'readdress-source': (c, op) => readdress(session(c, op.node), linkOf(c, op.node, op.source)),
  'position-by-gtid': (c, op) => positionByGtidHere(session(c, op.node), session(c, op.source)),
  'start-replica': async (c, op) => {
    const s = session(c, op.node);
    // Stop first: an IO thread stuck retrying keeps its old error until it next connects.
    await s.run(s.dialect.stopReplica(), s.dialect.startReplica());
  },
  'set-delay': async (c, op) => {
    const s = session(c, op.node);
    await s.run(s.dialect.stopReplica(), s.dialect.changeDelay(op.seconds), s.dialect.startReplica());
  },
  'run-init': (c, op, progress) =>
    runInit(c.engines.of(op.node), containerName(c.t, op.node), session(c, op.node), c.t.init, (file) => progress(`running ${file}`)),
  'set-read-only': async (c, op) => {
    const s = session(c, op.node);
    await s.run(...(op.readOnly ? s.dialect.readOnly() : s.dialect.readWrite()));
  },
};

/** Runs one operation, then waits for what its kind waits for (plan/steps.ts WAITS_FOR). */
export async function execute(c: ExecContext, op: Operation, progress: (text: string) => void = () => undefined): Promise<string | void> {
  const detail = await (EXECUTORS[op.kind] as Executor<typeof op.kind>)(c, op as never, progress);
  if (WAITS_FOR[op.kind] === 'replica-running' && 'node' in op)
    await waitForThreads(session(c, op.node), REPLICA_START_TIMEOUT_MS, c.signal);
  return detail;
}

function account(c: ExecContext, node: string): Promise<void> {
  const { replicationUser, replicationPassword } = c.t.credentials;
  return setReplicationAccount(session(c, node), replicationUser, replicationPassword, c.t.replication.tls !== 'off');
}

function planOf(c: ExecContext, node: string) {
  return c.desired.nodes.find((n) => n.spec.name === node)!.plan;
}

/**
 * The rendered my.cnf, and the TLS files it names, into the container, running or not: the
 * server reads them at its next start. The root password files stay as they were made.
 * Resolves whether the node restarted to take them (a swarm service).
 */
async function writeConfig(c: ExecContext, node: string): Promise<boolean> {
  const d = c.desired.nodes.find((n) => n.spec.name === node)!;
  const tls: string[] = Object.values(TLS_FILES);
  return c.engines.of(node).putFiles(
    d.plan.name,
    d.plan.files.filter((f) => f.path === MYCNF_PATH || tls.includes(f.path)),
  );
}

function session(c: ExecContext, node: string): SqlSession {
  const s = c.sessions.get(node);
  if (!s) throw new Error(`no SQL session to ${node}`); // up connects every node before server operations
  return s;
}

/** How a replica reaches its source, positioned as its flavour keeps links. */
function linkOf(c: ExecContext, node: string, source: string) {
  return sourceLink(c.t, node, source, session(c, node).dialect);
}

function end(c: ExecContext, node: string): LinkEnd {
  return { name: node, container: containerName(c.t, node), session: session(c, node), engine: c.engines.of(node) };
}
