import type { BinlogCoordinates, ReplicaStatus } from '../flavors/dialect';
import { normaliseReplicaStatus, parseBinlogStatus } from '../flavors/dialect';
import { NodeError } from '../errors';
import type { Credentials, ReplicationMode } from '../topology/types';
import { SqlSession } from './session';

/** Schemas every server has; anything else on a source is data a newcomer must receive. */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export interface SourceLink {
  host: string;
  port: number;
  user: string;
  password: string;
  mode: ReplicationMode;
}

/** How a replica reaches its source: the source's container name on the topology network. */
export function sourceLink(sourceContainer: string, credentials: Credentials, mode: ReplicationMode): SourceLink {
  return { host: sourceContainer, port: 3306, user: credentials.replicationUser, password: credentials.replicationPassword, mode };
}

/** Whether a node has the replication account, and whether it takes the topology's password. */
export async function replicationAccount(s: SqlSession, user: string, password: string): Promise<'missing' | 'accepted' | 'refused'> {
  const found = await s.first('SELECT 1 AS found FROM mysql.user WHERE User = ? AND Host = ?', [user, '%']);
  if (!found) return 'missing';
  return (await passwordWorks(s, user, password)) ? 'accepted' : 'refused';
}

/**
 * The replication account on a node with the topology's password, created locally (not
 * binlogged) so that every node, not only the primary, can serve replicas: chains and
 * switchovers need it.
 */
export async function setReplicationAccount(s: SqlSession, user: string, password: string): Promise<void> {
  await s.asAdmin(() => s.runUnlogged(...s.dialect.createReplicationUser(user, password)));
}

/** Logs in as the account, the way a replica would; only "access denied" counts as a wrong password. */
async function passwordWorks(s: SqlSession, user: string, password: string): Promise<boolean> {
  try {
    await (await SqlSession.open({ ...s.endpoint, user, password }, 5000)).close();
    return true;
  } catch (e) {
    if ((e as { errno?: number }).errno === 1045) return false;
    throw new NodeError(s.node, `cannot log in as ${user} to check its password`, undefined, e);
  }
}

export async function userSchemas(s: SqlSession): Promise<string[]> {
  const rows = await s.rows('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA');
  return rows.map((r) => String(r.name)).filter((n) => !SYSTEM_SCHEMAS.includes(n.toLowerCase())).sort();
}

export async function readCoordinates(s: SqlSession): Promise<BinlogCoordinates> {
  const c = parseBinlogStatus(await s.first(s.dialect.binlogStatus()));
  if (!c) {
    throw new NodeError(s.node, 'binary logging is off, so it cannot be a source', 'its my.cnf must set log_bin (replikit render shows it)');
  }
  // MySQL reports its GTID set with the coordinates; MariaDB's position needs a query of its own.
  if (c.gtid !== undefined) return c;
  const row = await s.first(s.dialect.gtidPosition());
  const gtid = row?.gtid ? String(row.gtid).replace(/\s+/g, '') : undefined;
  return gtid ? { ...c, gtid } : c;
}

export async function replicaStatus(s: SqlSession): Promise<ReplicaStatus | undefined> {
  return normaliseReplicaStatus(await s.first(s.dialect.replicaStatus()));
}

/** Gives a replica the account it logs in to its source with; its source and position stay. */
export async function updateCredentials(s: SqlSession, link: SourceLink): Promise<void> {
  const d = s.dialect;
  await s.run(d.stopReplica(), d.changeCredentials(link.user, link.password), d.startReplica());
}

/** Points a replica at its source and starts replication. */
export async function pointAt(s: SqlSession, link: SourceLink, coordinates?: BinlogCoordinates): Promise<void> {
  const d = s.dialect;
  await s.run(d.stopReplica());
  await s.run(
    d.changeSource({
      host: link.host,
      port: link.port,
      user: link.user,
      password: link.password,
      connectRetry: 2,
      mode: link.mode,
      coordinates,
    }),
  );
  await s.run(d.startReplica());
}
