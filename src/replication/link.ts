import type { BinlogCoordinates, Dialect, ReplicaStatus } from '../flavors/dialect';
import { normaliseReplicaStatus, parseBinlogStatus } from '../flavors/dialect';
import { NodeError } from '../errors';
import type { ReplicationMode, ReplicationTls, Topology } from '../topology/types';
import { sourceAddress } from './address';
import { SqlSession } from './session';

/** Schemas every server has; anything else on a source is data a newcomer must receive. */
export const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export interface SourceLink {
  host: string;
  port: number;
  user: string;
  password: string;
  mode: ReplicationMode;
  tls: ReplicationTls;
}

/** How `replica` (whose server speaks `dialect`) logs in to `source`, and how its link is positioned. */
export function sourceLink(t: Topology, replica: string, source: string, dialect: Pick<Dialect, 'linkMode'>): SourceLink {
  const { replicationUser: user, replicationPassword: password } = t.credentials;
  return { ...sourceAddress(t, replica, source), user, password, mode: dialect.linkMode(t.replication.mode), tls: t.replication.tls };
}

/**
 * A replica positioned by file and offset, stopped, positioned by GTID where it stands (its
 * source's GTID position at the coordinates it applied up to), and started again.
 */
export async function positionByGtidHere(s: SqlSession, source: SqlSession): Promise<void> {
  await s.run(s.dialect.stopReplica());
  const r = await replicaStatus(s);
  const query = r && s.dialect.gtidAtSourcePosition({ file: r.relaySourceLogFile, position: r.execSourceLogPos });
  // No answer (a position the source no longer has): the replica's own bookkeeping stands.
  const found = query ? (await source.first(query))?.gtid : undefined;
  await s.run(...s.dialect.positionByGtid(found ? String(found) : undefined), s.dialect.startReplica());
}

export type AccountState = 'missing' | 'accepted' | 'refused' | 'tls-differs';

/**
 * Whether a node has the replication account, whether it takes the topology's password, and
 * whether it requires TLS exactly when the topology does (`requireTls`).
 */
export async function replicationAccount(s: SqlSession, user: string, password: string, requireTls: boolean): Promise<AccountState> {
  const found = await s.first('SELECT ssl_type AS tls FROM mysql.user WHERE User = ? AND Host = ?', [user, '%']);
  if (!found) return 'missing';
  const requires = String(found.tls ?? '') !== '';
  const works = await passwordWorks(s, user, password, requires);
  // An account that requires TLS on a server that has none: nobody can log in with it.
  if (works === 'no-tls') return 'tls-differs';
  if (!works) return 'refused';
  return requires === requireTls ? 'accepted' : 'tls-differs';
}

/**
 * The replication account on a node with the topology's password, created locally (not
 * binlogged) so that every node, not only the primary, can serve replicas: chains and
 * switchovers need it.
 */
export async function setReplicationAccount(s: SqlSession, user: string, password: string, requireTls: boolean): Promise<void> {
  await s.asAdmin(() => s.runUnlogged(...s.dialect.createReplicationUser(user, password, requireTls)));
}

/**
 * Whether a replica applies its source's log up to `c` within `seconds`, asked as one
 * server-side wait (MASTER_POS_WAIT / SOURCE_POS_WAIT): the one way every step waits for it.
 */
export async function waitUntilApplied(s: SqlSession, c: Pick<BinlogCoordinates, 'file' | 'position'>, seconds: number): Promise<boolean> {
  const wait = s.dialect.waitForCoordinates({ file: c.file, position: c.position }, seconds);
  return wait.reached((await s.first(wait.sql))?.result);
}

/**
 * Logs in as the account, the way a replica would, over root's own session's TLS (the server's
 * certificate checked): the password never crosses in clear. Only an account that requires TLS
 * on a topology with replication.tls off (no CA to check against) is asked over unchecked TLS.
 * Only "access denied" counts as a wrong password.
 */
async function passwordWorks(s: SqlSession, user: string, password: string, tls: boolean): Promise<boolean | 'no-tls'> {
  const ssl = s.endpoint.ssl ?? (tls ? { rejectUnauthorized: false } : undefined);
  try {
    await (await SqlSession.open({ ...s.endpoint, user, password, ...(ssl ? { ssl } : {}) }, 5000)).close();
    return true;
  } catch (e) {
    if ((e as { errno?: number }).errno === 1045) return false;
    if ((e as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT') return 'no-tls';
    throw new NodeError(s.node, `cannot log in as ${user} to check its password`, undefined, e);
  }
}

export async function userSchemas(s: SqlSession): Promise<string[]> {
  const rows = await s.rows('SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA');
  return rows
    .map((r) => String(r.name))
    .filter((n) => !SYSTEM_SCHEMAS.includes(n.toLowerCase()))
    .sort();
}

export async function readCoordinates(s: SqlSession): Promise<BinlogCoordinates> {
  const c = parseBinlogStatus(await s.first(s.dialect.binlogStatus()));
  if (!c) {
    throw new NodeError(
      s.node,
      'binary logging is off, so it cannot be a source',
      'its my.cnf must set log_bin (replikit render shows it)',
    );
  }
  // MySQL reports its GTID set with the coordinates; MariaDB's position needs a query of its own.
  if (c.gtid !== undefined) return c;
  const gtid = await heldGtids(s);
  return gtid ? { ...c, gtid } : c;
}

/** The server's GTID position (Dialect.gtidPosition) without the line breaks MySQL prints; '' when it has none. */
export async function heldGtids(s: SqlSession): Promise<string> {
  return String((await s.first(s.dialect.gtidPosition()))?.gtid ?? '').replace(/\s+/g, '');
}

export async function replicaStatus(s: SqlSession): Promise<ReplicaStatus | undefined> {
  return normaliseReplicaStatus(await s.first(s.dialect.replicaStatus()));
}

/** Gives a replica the account (and TLS) it logs in to its source with; its source and position stay. */
export async function updateCredentials(s: SqlSession, link: SourceLink): Promise<void> {
  const d = s.dialect;
  await s.run(d.stopReplica(), d.changeCredentials(link.user, link.password, link.tls), d.startReplica());
}

/**
 * Points a replica at the same source under another address. By file and offset it goes on
 * from what it has applied (what it had fetched beyond that is fetched again); by GTID the
 * source works that out itself.
 */
export async function readdress(s: SqlSession, link: SourceLink): Promise<void> {
  await s.run(s.dialect.stopReplica());
  const r = await replicaStatus(s);
  if (!r) throw new NodeError(s.node, 'is not a replica any more', 'run replikit status, then replikit up');
  await pointAt(s, link, link.mode === 'position' ? { file: r.relaySourceLogFile, position: r.execSourceLogPos } : undefined);
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
      tls: link.tls,
    }),
  );
  await s.run(d.startReplica());
}
