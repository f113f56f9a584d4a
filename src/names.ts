import type { NodeSpec, Topology } from './topology/types';

/** Docker names and labels: everything replikit creates is named after the topology and labelled. */
export const LABEL = {
  topology: 'io.replikit.topology',
  node: 'io.replikit.node',
  configHash: 'io.replikit.config-hash',
  /** On a data volume: the server_id its node was created with, kept for the life of the data. */
  serverId: 'io.replikit.server-id',
  /** An initialised data directory kept to copy into new nodes' volumes (see docker/seed.ts). */
  seed: 'io.replikit.seed',
  /** A short-lived container asking whether a node's advertise: address answers from an engine (preflight). */
  probe: 'io.replikit.probe',
  /** A volume holding a node's former data, kept when up rebuilt the node (errant transactions): the node's name. */
  keptFrom: 'io.replikit.kept-from',
} as const;

/** Where each container finds the root password (a file, never an environment value). */
export const ROOT_PASSWORD_FILE = '/run/secrets/replikit-root-password';
/**
 * SQL the server runs at every start (my.cnf init_file): sets root's password from the topology.
 * A data directory copied from the seed was initialised with a throwaway password; this file
 * gives every node the topology's. Readable by the server only, like the password file.
 */
export const ROOT_INIT_FILE = '/run/secrets/replikit-root-init.sql';
/** root's password as the server's own clients read it ([client] password=…), for sql, init and snapshots. */
export const CLIENT_OPTION_FILE = '/run/secrets/replikit-client.cnf';
/** TLS material in each container: the topology's CA, the node's certificate, and its key (readable by the server only). */
export const TLS_FILES = {
  ca: '/run/secrets/replikit-ca.pem',
  cert: '/run/secrets/replikit-cert.pem',
  key: '/run/secrets/replikit-key.pem',
} as const;
/** The official images run mysqld as uid/gid 999; the secret is theirs to read and no one else's. */
export const MYSQL_UID = 999;

export const containerName = (t: Pick<Topology, 'name'>, node: string) => `${t.name}-${node}`;
export const volumeName = (t: Pick<Topology, 'name'>, node: string) => `${t.name}-${node}-data`;
/** Where a rebuilt node's former data is kept: named after what made it differ, so plan can say it before up makes it. */
export const keptVolumeName = (t: Pick<Topology, 'name'>, node: string, tag: string) => `${volumeName(t, node)}-errant-${tag}`;
export const networkName = (t: Pick<Topology, 'name'>) => `${t.name}-net`;

export function topologyLabels(t: Pick<Topology, 'name'>): Record<string, string> {
  return { [LABEL.topology]: t.name };
}

export function nodeLabels(t: Pick<Topology, 'name'>, node: NodeSpec): Record<string, string> {
  // No role: it changes with a switchover, which keeps the container (see plan/reconcile.ts).
  return { ...topologyLabels(t), [LABEL.node]: node.name };
}
