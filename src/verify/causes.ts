import type { ReplicaStatus } from '../flavors/dialect';

/**
 * The likely cause of a replication error, from the server's error number and text, with what
 * to do about it. Error numbers are the servers' own (1045 access denied, 2003 cannot connect, …).
 */
export function likelyCause(
  s: Pick<ReplicaStatus, 'lastIoErrno' | 'lastIoError' | 'lastSqlErrno' | 'lastSqlError' | 'sourceHost' | 'sourcePort'>,
): string | undefined {
  const source = `${s.sourceHost}:${s.sourcePort}`;
  const io = s.lastIoError;
  if (s.lastIoErrno === 1045 || /Access denied/i.test(io)) {
    return `authentication: ${source} refused the replication user or its password; replikit up sets the user's password from the topology again`;
  }
  if (s.lastIoErrno === 2061 || /requires secure connection/i.test(io)) {
    return `authentication: ${source} uses caching_sha2_password and the replica has neither TLS nor the source's public key; replikit up points the replica at its source again with GET_SOURCE_PUBLIC_KEY=1`;
  }
  if (s.lastIoErrno === 2026 || /SSL connection error|certificate|TLS/i.test(io)) {
    return `TLS: the link to ${source} cannot be secured: the source's certificate is not signed by the CA the replica trusts or does not name the host, or one side has no TLS; replikit up gives every node the topology's CA and certificates again, and replication.tls: required skips the check`;
  }
  if ([2002, 2003, 2005, 2013].includes(s.lastIoErrno) || /can't connect|unknown (server )?host|lost connection/i.test(io)) {
    return `network: ${source} cannot be reached from the replica; is the source container running (replikit status) and on the topology network? The replica retries by itself every 2 s`;
  }
  if (/server[ _]ids?/i.test(io) && /equal|same/i.test(io)) {
    return 'duplicate server id: two nodes share a server_id; give each node its own server_id in the topology';
  }
  if (/uuid/i.test(io)) {
    return "duplicate server UUID: the replica's data directory was copied from another server; remove auto.cnf from its data volume and restart it";
  }
  if (s.lastIoErrno === 1236) {
    return `${source} no longer has the binary log the replica needs (purged or reset); recreate the replica: remove its volume and run replikit up`;
  }
  if ([1032, 1062, 1146].includes(s.lastSqlErrno)) {
    return 'divergence: the replica does not hold the rows its source changed (written to directly, or events skipped); rebuild it from a snapshot: remove its volume and run replikit up';
  }
  return undefined;
}
