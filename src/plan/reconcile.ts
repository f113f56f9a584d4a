import type { ContainerPlan } from '../docker/container-spec';
import { createHash } from 'node:crypto';
import { keptVolumeName, TLS_FILES } from '../names';
import type { ObservedContainer } from '../docker/engine';
import type { Misplaced } from '../docker/engines';
import type { Dialect, ReplicaStatus } from '../flavors/dialect';
import { startOnlyChange, variableName } from '../flavors/dialect';
import type { NodeSpec, ReplicationTls, Topology } from '../topology/types';
import type { AccountState } from '../replication/link';
import { promotedAtFor, type FailoverRecord } from '../replication/init-sql';
import { configChanges, describeChange, ownedElsewhere } from './config-diff';
import { certificateNames } from '../tls/names';
import { sourceAddress, sourceNode } from '../replication/address';
import type { Operation, Reason } from './operations';
import { Plan } from './plan';
import { inRunOrder } from './steps';

export { Plan } from './plan';
export type { Operation } from './operations';

/** What a node's server says about the things the topology controls (plan/observe.ts asks it). */
export interface ObservedServer {
  /** read_only, and super_read_only where the server has it, all on. */
  readOnly: boolean;
  /** Its replication, as SHOW REPLICA STATUS reports it; undefined when it replicates from nowhere. */
  replica?: ReplicaStatus & { gtid: boolean };
  /** The replication account: absent, refusing the topology's password, or requiring TLS when the topology does not (or the other way round). */
  account: AccountState;
  /** The init files already ran (the marker row); true when the topology has none. */
  initDone: boolean;
  /** Asked only of a server that replicates from nowhere: whether it holds data of its own. */
  holdsData?: boolean;
  /** Its GTID position (Dialect.gtidPosition): what it holds. */
  gtids?: string;
  /** The last failover this server knows of (replikit.meta, written by the promoted primary). */
  failover?: FailoverRecord;
}

/** What exists now, as far as replikit owns it (by label). */
export interface Observed {
  network: boolean;
  volumes: string[];
  /** The server_id each node's existing data was made with (its volume's record, or its my.cnf's). */
  serverIds: Map<string, number>;
  containers: ObservedContainer[];
  images: string[];
  /** my.cnf as each existing container holds it, by container name. */
  configs: Map<string, string>;
  /** The TLS CA certificate each existing container holds, by container name. */
  certificates: Map<string, string>;
  /** The names and addresses the node certificate each existing container holds is valid for (tls/names.ts). */
  certificateNames?: Map<string, string[]>;
  /** What each server answered, by node; a node that was not asked (not running) is absent. */
  servers: Map<string, ObservedServer>;
  /** Containers of nodes the file now places on another engine, with the engine they are on. */
  misplaced?: Misplaced[];
}

export interface DesiredNode {
  spec: NodeSpec;
  plan: ContainerPlan;
  volume: string;
  /** The my.cnf the topology renders for it. */
  config: string;
  dialect: Dialect;
  /** A swarm service (docker/swarm.ts): its files are secrets and configs, changed only by a new task. */
  swarmService: boolean;
}

export interface Desired {
  topology: Topology;
  network: string;
  images: string[];
  nodes: DesiredNode[];
}

export interface ReconcileOptions {
  /** Remove containers of this topology whose node left the file (compose's --remove-orphans). */
  removeOrphans?: boolean;
}

/**
 * Pure: compares what should exist and run with what does, and lists the operations that close
 * the gap, each with its cause. Anything already right gets no operation, which makes `up`
 * idempotent. The plan is in the order `up` runs it (plan/steps.ts): containers first, then each
 * server's settings, accounts, mode, sources, init and read-only state.
 */
export function reconcile(desired: Desired, observed: Observed, options: ReconcileOptions = {}): Plan {
  const ops: Operation[] = [];
  const refused: string[] = [];
  const pending: string[] = [];
  for (const image of desired.images) {
    if (!observed.images.includes(image)) ops.push({ kind: 'pull-image', reason: 'image_missing', image, cause: 'image not present' });
  }
  if (!observed.network)
    ops.push({ kind: 'create-network', reason: 'network_missing', name: desired.network, cause: 'no existing network' });
  for (const d of desired.nodes) ops.push(...containerOperations(d, observed));

  const wanted = new Set(desired.nodes.map((n) => n.plan.name));
  const strays = observed.containers.filter((c) => !wanted.has(c.name)).map((c) => c.name);
  if (options.removeOrphans)
    for (const name of strays)
      ops.push({ kind: 'remove-orphan', reason: 'orphan_removed', name, cause: 'its node is no longer in the topology file' });

  ops.push(...movedOperations(desired, observed, refused));
  refused.push(...serverIdChanges(desired, observed));

  const fresh = new Set(ops.flatMap((o) => (o.kind === 'create-volume' ? [o.node] : [])));
  const all = [...ops, ...serverOperations(desired, observed, fresh, pending, refused)];
  // A node's certificates are renewed once, whichever of its container or its replicas asks first.
  const once = all.filter(
    (o, i) => o.kind !== 'renew-certificates' || all.findIndex((x) => x.kind === 'renew-certificates' && x.node === o.node) === i,
  );
  return new Plan(inRunOrder(once), options.removeOrphans ? [] : strays, pending, refused);
}

function containerOperations(d: DesiredNode, observed: Observed): Operation[] {
  const ops = containerOrFileOperations(d, observed);
  if (!d.swarmService || observed.containers.find((c) => c.name === d.plan.name)?.state !== 'running') return ops;
  // A running task cannot take new files: what a container takes in place, a service takes with a new task.
  const inPlace: Operation['kind'][] = ['write-config', 'set-settings', 'renew-certificates', 'restart-container'];
  const taken = ops.filter((o) => inPlace.includes(o.kind));
  if (!taken.length) return ops;
  const cause = `${taken.map((o) => o.cause).join('; ')} (a swarm task's files are secrets and configs: a new task takes the changed ones)`;
  return [
    ...ops.filter((o) => !taken.includes(o)),
    { kind: 'restart-container', reason: 'swarm_files_changed', node: d.spec.name, name: d.plan.name, cause },
  ];
}

function containerOrFileOperations({ spec, plan, volume, config, dialect }: DesiredNode, observed: Observed): Operation[] {
  const ops: Operation[] = [];
  const node = spec.name;
  const name = plan.name;
  if (!observed.volumes.includes(volume))
    ops.push({ kind: 'create-volume', reason: 'volume_missing', node, name: volume, cause: 'no existing volume' });
  const current = observed.containers.find((c) => c.name === name);
  const start = { kind: 'start-container', reason: 'container_new', node, name, cause: 'its container is new' } as const;
  if (!current)
    return [...ops, { kind: 'create-container', reason: 'container_missing', node, name, cause: 'no existing container' }, start];
  // Created but never started: an earlier up stopped between creating it and putting its files in.
  if (current.state === 'created')
    return [
      ...ops,
      {
        kind: 'recreate-container',
        reason: 'never_started',
        node,
        name,
        cause: 'created but never started (an earlier up was interrupted)',
      },
      start,
    ];
  if (current.configHash !== plan.configHash) {
    return [
      ...ops,
      {
        kind: 'recreate-container',
        reason: 'container_spec_changed',
        node,
        name,
        cause: `image, address, port or placement changed (container hash ${current.configHash || 'none'} → ${plan.configHash})`,
      },
      start,
    ];
  }
  const running = current.state === 'running';
  const before = observed.configs.get(name);
  if (before !== config) {
    const all = before === undefined ? [] : configChanges(before, config);
    const what =
      [roleChange(before, spec), ...all.map(describeChange)].filter(Boolean).join(', ') || 'my.cnf differs from the rendered one';
    const changes = all.filter((c) => !ownedElsewhere(c));
    const staticOnes = changes.filter((c) => !dialect.isDynamic(variableName(c.name)) || startOnlyChange(c.name, c.from, c.to));
    if (!running || !changes.length) ops.push({ kind: 'write-config', reason: 'config_changed', node, name, cause: what });
    else if (staticOnes.length)
      ops.push({
        kind: 'restart-container',
        reason: 'static_setting_changed',
        node,
        name,
        cause: `${what} (${staticOnes.map((c) => c.name).join(', ')} cannot change at run time)`,
      });
    else ops.push({ kind: 'set-settings', reason: 'dynamic_setting_changed', node, settings: changes, cause: what });
  }
  const ca = plan.files.find((f) => f.path === TLS_FILES.ca)?.content;
  const held = observed.certificates.get(name);
  // Names as well as the CA: a node that gained an address (advertise:, an engine's host) must be verifiable at it.
  const needed = certificateNames(plan.files.find((f) => f.path === TLS_FILES.cert)?.content);
  const missing = needed.filter((n) => !(observed.certificateNames?.get(name) ?? needed).includes(n));
  if (
    ca !== undefined &&
    (held !== ca || missing.length) &&
    !ops.some((o) => o.kind === 'write-config' || o.kind === 'restart-container')
  ) {
    const whyCode: Reason = held === undefined ? 'certificate_missing' : held !== ca ? 'certificate_foreign_ca' : 'certificate_lacks_name';
    const why =
      held === undefined
        ? 'it has no TLS certificate yet'
        : held !== ca
          ? "its CA is not the topology's"
          : `its certificate does not name ${missing.join(', ')}`;
    ops.push(
      running
        ? { kind: 'renew-certificates', reason: whyCode, node, cause: why }
        : { kind: 'write-config', reason: whyCode, node, name, cause: why },
    );
  }
  // A container its restart policy keeps restarting (a server that exits, e.g. on a bad setting)
  // is not started by a start (the engine answers "already started"): it is restarted, now with
  // the my.cnf written above.
  if (current.state === 'restarting')
    ops.push({
      kind: 'restart-container',
      reason: 'server_keeps_exiting',
      node,
      name,
      cause: 'its server keeps exiting (the container is restarting)',
    });
  else if (!running) ops.push({ kind: 'start-container', reason: 'container_stopped', node, name, cause: `container is ${current.state}` });
  return ops;
}

/**
 * A node the file moved to another engine gets a new container and data volume there (the
 * container operations above), and joins as a new node; its old container is removed, its old
 * volume kept. A primary would start with no data, and its replicas could not go on in the new
 * node's binary log (by file and offset, or by GTID: error 1236): both are refused, with the way round.
 */
function movedOperations(desired: Desired, observed: Observed, refused: string[]): Operation[] {
  const t = desired.topology;
  const ops: Operation[] = [];
  for (const m of observed.misplaced ?? []) {
    const spec = desired.nodes.find((d) => d.spec.name === m.node)!.spec;
    const to = spec.engine ? `engine ${spec.engine}` : "the environment's engine";
    const below = t.nodes.filter((n) => n.source === spec.name).map((n) => n.name);
    if (spec.role === 'primary') {
      refused.push(
        `${spec.name}: runs on ${m.engine}; moved to ${to} as the primary it would start with no data (switch over to a replica there first: replikit switchover NODE --write, then move this one as a replica)`,
      );
    } else if (below.length) {
      // Its new data is a snapshot loaded without binary logging: neither by file and offset nor
      // by GTID (error 1236) could its replicas go on from its new binary log.
      refused.push(
        `${spec.name}: runs on ${m.engine}; moved to ${to} it starts anew from a snapshot, with a binary log that holds nothing ${below.join(', ')} still need (point them at another source first with source:, move it, then point them back)`,
      );
    } else {
      ops.push({
        kind: 'remove-moved',
        reason: 'moved_to_other_engine',
        node: spec.name,
        name: m.name,
        engine: m.engine,
        cause: `moved to ${to}: its container on ${m.engine} is removed (its data volume there is kept)`,
      });
    }
  }
  return ops;
}

/**
 * A node keeps the server_id its data was made with: events it wrote carry it, and a node given
 * another's id skips that node's events as its own. A changed id in the file is refused.
 */
function serverIdChanges(desired: Desired, observed: Observed): string[] {
  return desired.nodes.flatMap(({ spec, volume }) => {
    const recorded = observed.serverIds.get(spec.name);
    if (recorded === undefined || recorded === spec.serverId) return [];
    return [
      `${spec.name}: server_id ${recorded} → ${spec.serverId}: a node keeps the server_id its data was made with (set server_id: ${recorded} again, or start the node anew without its data: remove the node from the file, up --remove-orphans, docker volume rm ${volume}, then put it back)`,
    ];
  });
}

/** `role primary → replica`, read from the header line of the my.cnf the node runs with. */
function roleChange(before: string | undefined, spec: NodeSpec): string | undefined {
  const was = /\((primary|replica)\)/.exec(before?.split('\n')[0] ?? '')?.[1];
  return was && was !== spec.role ? `role ${was} → ${spec.role}` : undefined;
}

function serverOperations(desired: Desired, observed: Observed, fresh: Set<string>, pending: string[], refused: string[]): Operation[] {
  const t = desired.topology;
  const ops: Operation[] = [];
  const server = (node: string): ObservedServer | undefined => {
    if (observed.servers.has(node)) return observed.servers.get(node);
    // A node made from nothing in this run starts as a fresh server: no account, no source, no init.
    if (fresh.has(node)) return { readOnly: false, account: 'missing', initDone: t.init.length === 0 };
    return undefined;
  };
  for (const d of desired.nodes) {
    if (!server(d.spec.name)) pending.push(`${d.spec.name}: its server is not running; replication is planned once it answers`);
  }
  const known = desired.nodes.filter((d) => server(d.spec.name));

  const passwordSet = new Set<string>();
  for (const { spec } of known) {
    const s = server(spec.name)!;
    if (s.account === 'missing')
      ops.push({
        kind: 'create-replication-user',
        reason: 'account_missing',
        node: spec.name,
        cause: `no ${t.credentials.replicationUser}@% account`,
      });
    if (s.account === 'refused')
      ops.push({
        kind: 'set-replication-password',
        reason: 'password_refused',
        node: spec.name,
        cause: "the topology's password is not accepted",
      });
    if (s.account === 'tls-differs')
      ops.push({
        kind: 'set-replication-password',
        reason: 'account_tls_differs',
        node: spec.name,
        cause: `the account's TLS requirement differs from replication.tls: ${t.replication.tls}`,
      });
    if (s.account === 'missing' || s.account === 'refused') passwordSet.add(spec.name);
  }

  const replicating = known.filter((d) => server(d.spec.name)!.replica?.sourceHost);
  const byGtid = replicating.filter((d) => server(d.spec.name)!.replica!.gtid);
  const modeChanges = t.replication.mode === 'gtid' && byGtid.length < replicating.length;
  if (modeChanges) {
    const behind = replicating.filter((d) => !byGtid.includes(d));
    // A MariaDB link is by GTID already; its server lacks gtid_strict_mode.
    const how = behind.every((d) => !d.dialect.usingGtid(server(d.spec.name)!.replica!))
      ? 'position by file and offset'
      : 'not in GTID mode';
    ops.push({
      kind: 'set-mode',
      reason: 'not_in_gtid_mode',
      from: 'position',
      to: 'gtid',
      cause: `${behind.map((d) => d.spec.name).join(', ')} ${how}`,
    });
  }
  if (t.replication.mode === 'position' && byGtid.length) {
    refused.push(
      `${byGtid.map((d) => d.spec.name).join(', ')}: replicate by GTID; replication.mode gtid → position is not done on a running topology (keep gtid, or recreate the data with replikit down --volumes)`,
    );
  }

  const sourceOf = (node: string) => {
    const link = server(node)?.replica;
    return link?.sourceHost ? (sourceNode(t, link) ?? link.sourceHost) : undefined;
  };
  for (const { spec, dialect } of known) {
    const s = server(spec.name)!;
    const current = sourceOf(spec.name);
    if (spec.role === 'primary') {
      if (current)
        refused.push(
          `${spec.name}: the topology makes it the primary, but it replicates from ${current}; use replikit switchover ${spec.name} (it stops writes and moves the other nodes without losing any)`,
        );
      continue;
    }
    const source = spec.source!;
    const to = sourceAddress(t, spec.name, source);
    if (!current && !fresh.has(spec.name) && s.holdsData) {
      ops.push(...rejoin(t, spec, dialect, s, server(source), refused));
    } else if (!current) {
      ops.push({
        kind: 'connect-replica',
        reason: fresh.has(spec.name) ? 'new_node' : 'replicates_from_nowhere',
        node: spec.name,
        source,
        cause: fresh.has(spec.name) ? 'new node' : 'replicates from nowhere',
      });
    } else if (current !== source) {
      // By file and offset, a replica moves only between nodes whose positions can be lined up:
      // into a chain under a sibling, or out of one to its source's source.
      const lined = sourceOf(source) === current || sourceOf(current) === source;
      if (dialect.linkMode(t.replication.mode) === 'position' && !lined && !modeChanges) {
        refused.push(
          `${spec.name}: replicates from ${current}; moving it to ${source} by file and offset needs ${source} to replicate from ${current} or the other way round (or replication.mode: gtid)`,
        );
      } else {
        ops.push({
          kind: 'change-source',
          reason: 'source_changed',
          node: spec.name,
          from: current,
          to: source,
          cause: `source ${current} → ${source}`,
        });
      }
    } else if (!sameAddress(s.replica!, to)) {
      // A verified link checks that the source's certificate names the address it is reached at.
      if (t.replication.tls !== 'off')
        ops.push({
          kind: 'renew-certificates',
          reason: 'certificate_lacks_name',
          node: source,
          cause: `its certificate must name ${to.host}, where its replicas now reach it`,
        });
      ops.push({
        kind: 'readdress-source',
        reason: 'source_readdressed',
        node: spec.name,
        source,
        cause: `${source} is reached at ${to.host}:${to.port}, not ${s.replica!.sourceHost}:${s.replica!.sourcePort}`,
      });
    } else if (passwordSet.has(source)) {
      ops.push({
        kind: 'update-credentials',
        reason: 'password_changed_on_source',
        node: spec.name,
        source,
        cause: `password changed on ${source}`,
      });
    } else if ([1045, 2061].includes(s.replica!.lastIoErrno)) {
      ops.push({
        kind: 'update-credentials',
        reason: 'login_refused',
        node: spec.name,
        source,
        cause: `${source} refuses its login (error ${s.replica!.lastIoErrno})`,
      });
    } else if (linkTls(s.replica!) !== t.replication.tls) {
      ops.push({
        kind: 'update-credentials',
        reason: 'link_tls_differs',
        node: spec.name,
        source,
        cause: `TLS ${linkTls(s.replica!)} → ${t.replication.tls}`,
      });
    } else if (s.replica!.ioRunning !== 'Yes' || s.replica!.sqlRunning !== 'Yes') {
      ops.push({
        kind: 'start-replica',
        reason: 'threads_stopped',
        node: spec.name,
        cause: `IO thread ${s.replica!.ioRunning}, SQL thread ${s.replica!.sqlRunning}`,
      });
    }
  }

  // A link by file and offset on a flavour that keeps such a position outside the transaction
  // (made by an earlier replikit): positioned by GTID where it stands. In GTID mode set-mode does it.
  for (const { spec, dialect } of known) {
    const link = server(spec.name)!.replica;
    if (t.replication.mode !== 'position' || !link?.sourceHost || sourceOf(spec.name) !== spec.source) continue;
    if (dialect.linkMode('position') === 'gtid' && !dialect.usingGtid(link)) {
      ops.push({
        kind: 'position-by-gtid',
        reason: 'position_outside_transaction',
        node: spec.name,
        source: spec.source!,
        cause:
          'its position by file and offset is kept outside each transaction: a replica killed between the two applies a transaction again',
      });
    }
  }

  // After the source is settled, in a step of its own: a delay applies to whatever link the replica has.
  for (const { spec } of known) {
    if (spec.role !== 'replica') continue;
    const now = server(spec.name)!.replica?.sqlDelay ?? 0;
    if (now !== spec.delaySeconds)
      ops.push({
        kind: 'set-delay',
        reason: 'delay_changed',
        node: spec.name,
        seconds: spec.delaySeconds,
        cause: `delay ${now} s → ${spec.delaySeconds} s`,
      });
  }

  const primary = known.find((d) => d.spec.role === 'primary');
  if (primary && !server(primary.spec.name)!.initDone)
    ops.push({
      kind: 'run-init',
      reason: fresh.has(primary.spec.name) ? 'new_node' : 'init_not_run',
      node: primary.spec.name,
      cause: fresh.has(primary.spec.name) ? 'new node' : 'init SQL has not run on this primary',
    });

  for (const { spec } of known) {
    const want = spec.role === 'replica';
    // A fresh server reads its role's read-only state from its my.cnf.
    if (fresh.has(spec.name) || server(spec.name)!.readOnly === want) continue;
    ops.push({
      kind: 'set-read-only',
      reason: want ? 'replica_writable' : 'primary_read_only',
      node: spec.name,
      readOnly: want,
      cause: want ? 'a replica is writable' : 'the primary is read-only',
    });
  }
  return ops;
}

/**
 * A replica that replicates from nowhere but holds data: a former primary back after a failover
 * (or a node whose link was reset). It follows its source from where it stands when it holds
 * nothing the source lacks; what it holds beyond (errant: written on it after the last point its
 * successor received) is named, never merged and never dropped silently. Measured against the
 * point where the source was promoted when it recorded that failover (MariaDB's sequence numbers
 * go on past it on the new primary).
 */
function rejoin(
  t: Topology,
  spec: NodeSpec,
  dialect: Dialect,
  s: ObservedServer,
  src: ObservedServer | undefined,
  refused: string[],
): Operation[] {
  const source = spec.source!;
  if (s.failover?.to === spec.name && !s.readOnly) {
    refused.push(
      `${spec.name}: is the primary since a failover from ${s.failover.from} (${s.failover.when}), but the file makes it a replica of ${source}: write the edit replikit failover printed (replikit failover --write makes it), then run up`,
    );
    return [];
  }
  if (src?.gtids === undefined) return []; // its source is not asked yet: planned once it answers
  const errant = dialect.gtidsMissing(s.gtids ?? '', src.gtids, promotedAtFor(spec.name, src));
  if (errant.count) {
    // Neither merged nor dropped: its data, errant transactions and all, goes to a volume of its own.
    const keep = keptVolumeName(t, spec.name, createHash('sha256').update(errant.text).digest('hex').slice(0, 8));
    return [
      {
        kind: 'rebuild-replica',
        reason: 'errant_transactions',
        node: spec.name,
        source,
        keep,
        cause: `holds ${errant.text} (${errant.count} transaction(s)) that ${source} never received (errant: written on ${spec.name} after ${source} last heard from it): its data is kept in volume ${keep}, and it joins ${source} anew`,
      },
    ];
  }
  if (dialect.linkMode(t.replication.mode) === 'position') {
    refused.push(
      `${spec.name}: holds data but replicates from nowhere (a former primary?); by file and offset it cannot follow ${source} from where it stands (with replication.mode: gtid up rejoins it in place; or start it anew without its data: remove its volume)`,
    );
    return [];
  }
  return [
    {
      kind: 'rejoin-replica',
      reason: 'rejoins_in_place',
      node: spec.name,
      source,
      cause: `holds data and nothing ${source} lacks${src.failover?.from === spec.name ? ` (the primary before the failover to ${src.failover.to})` : ''}: it follows ${source} from where it stands`,
    },
  ];
}

const sameAddress = (link: ReplicaStatus, at: { host: string; port: number }) => link.sourceHost === at.host && link.sourcePort === at.port;

/** The TLS a replica's link uses, as its status reports it. */
function linkTls(r: Pick<ReplicaStatus, 'sslAllowed' | 'sslVerify'>): ReplicationTls {
  if (r.sslAllowed !== 'Yes') return 'off';
  return r.sslVerify === 'Yes' ? 'verify' : 'required';
}
