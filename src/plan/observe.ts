import type { TopologyEngines } from '../docker/engines';
import { onSwarm, Topology } from '../topology/types';
import { containerPlan } from '../docker/container-spec';
import { networkName, TLS_FILES, volumeName } from '../names';
import type { ObservedContainer, ObservedVolume } from '../docker/engine';
import { derivedServerId, serverIdIn } from '../topology/server-id';
import { publishAddress } from '../docker/context';
import { MYCNF_PATH, renderNode } from '../render/mycnf';
import { Dialect, dialectFor, guessImageVersion } from '../flavors';
import type { ImageFacts } from '../docker/detect-image';
import type { TopologyTls } from '../tls/certificates';
import { certificateNames } from '../tls/names';
import { heldGtids, replicaStatus, replicationAccount, userSchemas } from '../replication/link';
import { initAlreadyRan, lastFailover } from '../replication/init-sql';
import type { SqlSession } from '../replication/session';
import type { Desired, Observed, ObservedServer } from './reconcile';

/** What each image runs and as whom, as asked of the image (docker/detect-image.ts). */
export type ImageFactsByImage = ReadonlyMap<string, ImageFacts>;

/** The dialect a node's my.cnf is written in: its image's, or a guess from the image name. */
export function nodeDialect(image: string, facts: ImageFactsByImage): Dialect {
  return dialectFor(facts.get(image)?.version ?? guessImageVersion(image));
}

/**
 * The topology as Docker resources and server state: pure. `tls`: the certificates new
 * containers get; `remoteAddresses`: for nodes on a remote engine, that host's address, where
 * their loopback binds publish.
 */
export function desiredState(
  t: Topology,
  facts: ImageFactsByImage = new Map(),
  tls?: TopologyTls,
  remoteAddresses: ReadonlyMap<string, string> = new Map(),
): Desired {
  return {
    topology: t,
    network: networkName(t),
    images: [...new Set(t.nodes.map((n) => n.image))],
    nodes: t.nodes.map((n) => {
      const dialect = nodeDialect(n.image, facts);
      const rendered = renderNode(t, n, dialect);
      const certificate = tls?.nodes.get(n.name);
      const published = { ...n, bind: publishAddress(n.bind, remoteAddresses.get(n.name)) };
      const plan = containerPlan(t, published, rendered, dialect, facts.get(n.image)?.user, certificate && { ca: tls!.ca, ...certificate });
      return { spec: n, plan, volume: volumeName(t, n.name), config: rendered.text, dialect, swarmService: onSwarm(t.engines, n) };
    }),
  };
}

/** The topology as its files must read until a switch to GTIDs has run: set-mode writes the GTID lines after it. */
export function beforeGtidSwitch(t: Topology): Topology {
  return { ...t, replication: { ...t.replication, mode: 'position' } };
}

/**
 * One look at the engines: only resources carrying the topology's label, image presence and the
 * my.cnf in each container. The network counts as there when every engine in use has it, an
 * image when every engine that runs it has it. `sessions`: the servers that can be asked.
 * `files: false` skips reading my.cnf and the CA out of each container (the slow part of the
 * look), for one that only needs names, ports and images.
 */
export async function observe(
  engines: TopologyEngines,
  t: Topology,
  images: string[],
  sessions: ReadonlyMap<string, SqlSession> = new Map(),
  { files = true } = {},
): Promise<Observed> {
  const inUse = engines.inUse();
  const [{ containers, misplaced }, networks, volumes, present, servers] = await Promise.all([
    engines.look(),
    Promise.all(inUse.map((e) => e.networks(t.name))),
    engines.volumes(),
    Promise.all(
      images.map(async (i) => ((await Promise.all(engines.forImage(i).map((e) => e.hasImage(i)))).every(Boolean) ? i : undefined)),
    ),
    observeServers(t, sessions),
  ]);
  const configs = new Map<string, string>();
  const certificates = new Map<string, string>();
  const certificateNamesHeld = new Map<string, string[]>();
  await Promise.all(
    containers.map(async (c) => {
      if (c.state === 'created' || !files) return;
      const docker = (await engines.holding(c.name))!;
      const held = await docker.readFiles(c.name, [MYCNF_PATH, TLS_FILES.ca, TLS_FILES.cert], c.state === 'running');
      if (held.has(MYCNF_PATH)) configs.set(c.name, held.get(MYCNF_PATH)!);
      if (held.has(TLS_FILES.ca)) certificates.set(c.name, held.get(TLS_FILES.ca)!);
      if (held.has(TLS_FILES.cert)) certificateNamesHeld.set(c.name, certificateNames(held.get(TLS_FILES.cert)));
    }),
  );
  return {
    network: networks.every((list) => list.includes(networkName(t))),
    volumes: volumes.map((v) => v.name),
    serverIds: recordedServerIds(t, volumes, containers, configs),
    containers,
    images: present.filter((i): i is string => i !== undefined),
    configs,
    certificates,
    certificateNames: certificateNamesHeld,
    servers,
    misplaced,
  };
}

/**
 * The server_id each node's data was made with: as its volume records it, else (a volume made
 * before ids were recorded) as the my.cnf its container runs with says.
 */
function recordedServerIds(
  t: Topology,
  volumes: ObservedVolume[],
  containers: ObservedContainer[],
  configs: Map<string, string>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of t.nodes) {
    const onVolume = volumes.find((v) => v.name === volumeName(t, n.name))?.serverId;
    const container = containers.find((c) => c.node === n.name)?.name;
    const inConfig = container === undefined ? undefined : serverIdIn(configs.get(container) ?? '');
    const id = onVolume ?? inConfig;
    if (id !== undefined) out.set(n.name, id);
  }
  return out;
}

/**
 * The topology with each node's server_id as its data records it, where the file gives none of
 * its own (the derived one): a node keeps its id for the life of its data volume. A given id that
 * differs from the recorded one stays, and the plan refuses it.
 */
export function withRecordedServerIds(t: Topology, observed: Pick<Observed, 'serverIds'>): Topology {
  const nodes = t.nodes.map((n) => {
    const recorded = observed.serverIds.get(n.name);
    return recorded !== undefined && n.serverId === derivedServerId(t.name, n.name) ? { ...n, serverId: recorded } : n;
  });
  return { ...t, nodes };
}

export async function observeServers(t: Topology, sessions: ReadonlyMap<string, SqlSession>): Promise<Map<string, ObservedServer>> {
  const out = new Map<string, ObservedServer>();
  await Promise.all([...sessions].map(async ([node, s]) => out.set(node, await observeServer(s, t))));
  return out;
}

/** Asks one server, in one pass, what the topology controls: read-only state, its source, the replication account, init. */
export async function observeServer(s: SqlSession, t: Topology): Promise<ObservedServer> {
  const keys = Object.keys(s.dialect.readOnlySettings(true));
  const row = await s.first(`SELECT ${keys.map((k) => `@@GLOBAL.${k} AS ${k}`).join(', ')}`);
  const status = await replicaStatus(s);
  // In the topology's GTID mode: positioned by GTID, on a server with GTIDs on (a MariaDB link is
  // by GTID in either mode; gtid_strict_mode tells them apart).
  const gtid =
    Boolean(status?.sourceHost) && s.dialect.usingGtid(status!) && Number((await s.first(s.dialect.gtidOnline().enabled))?.enabled) === 1;
  return {
    readOnly: keys.every((k) => Number(row?.[k]) === 1),
    ...(status?.sourceHost ? { replica: { ...status, gtid } } : {}),
    account: await replicationAccount(s, t.credentials.replicationUser, t.credentials.replicationPassword, t.replication.tls !== 'off'),
    initDone: t.init.length === 0 || (await initAlreadyRan(s)),
    gtids: await heldGtids(s),
    // A server that replicates from nowhere: a primary, a new node, or a former primary back after a failover.
    ...(status?.sourceHost ? {} : await unlinked(s)),
  };
}

/** What a server that replicates from nowhere holds: whether it has data, and the last failover it knows. */
async function unlinked(s: SqlSession): Promise<Pick<ObservedServer, 'holdsData' | 'failover'>> {
  const [schemas, failover] = await Promise.all([userSchemas(s), lastFailover(s)]);
  return { holdsData: schemas.length > 0, ...(failover ? { failover } : {}) };
}
