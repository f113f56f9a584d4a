import type { BinlogCoordinates, ChangeSourceOptions, Dialect, Flavor, GtidGap, ReplicaStatus, ServerVersion, WaitQuery } from './dialect';
import type { ReplicationMode, ReplicationTls, Role, SemiSync } from '../topology/types';
import {
  BUSY_STATEMENTS,
  connectionOptions,
  credentialsChange,
  DYNAMIC_SETTINGS,
  expireLogsDays,
  globalReadLock,
  legacySettingName,
  literal,
  parseChangeComment,
  positionWait,
  replicationUserStatements,
} from './dialect';

/**
 * MariaDB, everything replikit knows about it in one place: the official image's contract
 * (MARIADB_ variables, mariadbd), how a data directory is initialised, and its SQL dialect.
 */
export const mariadb: Flavor = {
  name: 'mariadb',
  envPrefix: 'MARIADB',
  serverBinaries: ['mariadbd', 'mysqld'],
  matches: (text) => /mariadb/i.test(text),
  newest: { major: 11, minor: 8, patch: 999 },
  dialect: (v) => new MariaDbDialect(v),
  // The server's own initialiser, without the official entrypoint's temporary server, its
  // shutdown and restart. mariadb-install-db exists from 10.4; root@localhost gets a password
  // (none yet) rather than unix_socket login, and the node's init_file sets it.
  initialiseScript: [
    'chown mysql:mysql /var/lib/mysql',
    'bin=$(command -v mariadb-install-db || command -v mysql_install_db)',
    'exec "$bin" --user=mysql --datadir=/var/lib/mysql --skip-test-db --auth-root-authentication-method=normal --skip-log-bin >/dev/null',
  ].join('; '),
  // MariaDB has no server_uuid file; nothing in its data directory names one server.
  perCopyFiles: [],
  // mariadb-* names exist from MariaDB 10.5; older images only have the mysql* ones.
  binaryFallbacks: { 'mariadb-dump': 'mysqldump', mariadb: 'mysql' },
};

/**
 * MariaDB 10.x and 11.x: keeps CHANGE MASTER TO / START SLAVE / SHOW MASTER STATUS, has no
 * super_read_only (root holds READ ONLY ADMIN, so read_only already binds ordinary accounts only),
 * and does GTID with MASTER_USE_GTID=slave_pos and gtid_strict_mode.
 */
export class MariaDbDialect implements Dialect {
  readonly id = 'mariadb' as const;
  readonly flavor = mariadb;
  constructor(readonly version: ServerVersion) {}

  settingName(name: string): string {
    // MariaDB has one redo log file and never took innodb_redo_log_capacity.
    if (name === 'innodb_redo_log_capacity') return 'innodb_log_file_size';
    return legacySettingName(name);
  }

  settingValue(_name: string, value: string): string {
    return value;
  }

  parallelApplySettings(workers: number): Record<string, string | number> {
    // optimistic applies transactions in parallel and commits them in the source's order.
    return workers > 0 ? { slave_parallel_threads: workers, slave_parallel_mode: 'optimistic' } : { slave_parallel_threads: 0 };
  }

  readOnlySettings(on: boolean): Record<string, string> {
    // No super_read_only: root holds READ ONLY ADMIN, and read_only binds every other account.
    return { read_only: on ? 'ON' : 'OFF' };
  }

  gtidSettings(): Record<string, string> {
    return { gtid_strict_mode: 'ON' };
  }

  semiSyncSettings(role: Role, s: SemiSync): Record<string, string | number> {
    // Built in (no plugin); a commit waits for one replica: MariaDB has no count to set.
    const primary = role === 'primary';
    return {
      rpl_semi_sync_master_enabled: primary ? 'ON' : 'OFF',
      rpl_semi_sync_master_wait_point: 'AFTER_SYNC',
      rpl_semi_sync_master_timeout: s.timeoutMs,
      rpl_semi_sync_slave_enabled: primary ? 'OFF' : 'ON',
    };
  }

  semiSyncStatus(): string {
    return "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_slave_status')";
  }

  binlogExpiry(seconds: number): Record<string, number> {
    // expire_logs_days is understood by every MariaDB release; binlog_expire_logs_seconds only from 10.6.
    return expireLogsDays(seconds);
  }

  createReplicationUser(user: string, password: string, requireTls: boolean): string[] {
    return replicationUserStatements(user, password, requireTls);
  }

  binlogStatus(): string {
    return 'SHOW MASTER STATUS';
  }

  changeSource(o: ChangeSourceOptions): string {
    const parts = connectionOptions(o, 'MASTER');
    if (o.mode === 'gtid') parts.push('MASTER_USE_GTID=slave_pos');
    else parts.push(...positionOptions(o));
    return `CHANGE MASTER TO ${parts.join(', ')}`;
  }

  blockDdl(waitSeconds: number): string[] {
    // Waits for running DDL only, and not for ever.
    return [`SET SESSION lock_wait_timeout = ${waitSeconds}`, 'BACKUP STAGE START', 'BACKUP STAGE BLOCK_DDL'];
  }
  unblockDdl(): string[] {
    return ['BACKUP STAGE END'];
  }

  lockWrites(waitSeconds: number): string[] {
    return globalReadLock(waitSeconds);
  }
  unlockWrites(): string[] {
    return ['UNLOCK TABLES'];
  }
  busyStatements(): string {
    return BUSY_STATEMENTS;
  }

  reloadTls(): string {
    return 'FLUSH SSL';
  }

  changeDelay(seconds: number): string {
    return `CHANGE MASTER TO MASTER_DELAY=${seconds}`;
  }

  changeCredentials(user: string, password: string, tls: ReplicationTls): string {
    return credentialsChange('CHANGE MASTER TO', user, password, tls);
  }

  startReplica(): string {
    return 'START SLAVE';
  }
  stopReplica(): string {
    return 'STOP SLAVE';
  }
  resetReplica(): string {
    return 'RESET SLAVE ALL';
  }
  replicaStatus(): string {
    return 'SHOW SLAVE STATUS';
  }
  readOnly(): string[] {
    return ['SET GLOBAL read_only=ON'];
  }
  readWrite(): string[] {
    return ['SET GLOBAL read_only=OFF'];
  }
  adminWritable(): undefined {
    return undefined;
  }
  dumpCommand(schemas: string[]): string[] {
    return [
      'mariadb-dump',
      '--single-transaction',
      '--master-data=2',
      '--gtid',
      '--routines',
      '--events',
      '--triggers',
      '--hex-blob',
      '--default-character-set=utf8mb4',
      '--databases',
      '--',
      ...schemas,
    ];
  }
  clientCommand(): string[] {
    return ['mariadb', '--default-character-set=utf8mb4'];
  }
  parseDumpCoordinates(header: string): BinlogCoordinates | undefined {
    const c = parseChangeComment(header);
    const gtid = /gtid_slave_pos='([^']*)'/.exec(header);
    return c && (gtid ? { ...c, gtid: gtid[1] } : c);
  }
  prepareSnapshotTarget(): string[] {
    // gtid_slave_pos is set from the dump afterwards; the replica's own binary log may stay.
    return [];
  }
  adoptSnapshot(c: BinlogCoordinates): string[] {
    // MASTER_USE_GTID=slave_pos starts from gtid_slave_pos: set it to the snapshot's position.
    return c.gtid !== undefined ? [`SET GLOBAL gtid_slave_pos = ${literal(c.gtid)}`] : [];
  }
  gtidPosition(): string {
    return 'SELECT @@GLOBAL.gtid_binlog_pos AS gtid';
  }
  gtidsMissing(held: string, other: string, promotedAt?: string): GtidGap {
    return mariadbGtidsMissing(held, other, promotedAt);
  }
  usingGtid(s: Pick<ReplicaStatus, 'usingGtid'>): boolean {
    return s.usingGtid !== '' && s.usingGtid !== 'No';
  }
  linkMode(): ReplicationMode {
    // relay-log.info is written just after each transaction commits (a SIGKILL between the two
    // applied it again: error 1062), mysql.gtid_slave_pos inside it: every link is by GTID, and
    // mode: gtid adds gtid_strict_mode.
    return 'gtid';
  }
  waitForCoordinates(c: BinlogCoordinates, timeoutSeconds: number): WaitQuery {
    if (c.gtid === undefined) return positionWait('MASTER_POS_WAIT', c, timeoutSeconds);
    // MASTER_GTID_WAIT: 0 when reached, -1 on timeout.
    return { sql: `SELECT MASTER_GTID_WAIT(${literal(c.gtid)}, ${timeoutSeconds}) AS result`, reached: (r) => Number(r) === 0 };
  }
  startReplicaUntil(c: BinlogCoordinates): string {
    return `START SLAVE UNTIL MASTER_LOG_FILE=${literal(c.file)}, MASTER_LOG_POS=${c.position}`;
  }
  isDynamic(name: string): boolean {
    // The parallel applier's settings change at run time while the replica is stopped.
    // max_statement_time is MariaDB's name for what MySQL calls max_execution_time (which MariaDB lacks).
    return (
      DYNAMIC_SETTINGS.includes(name) ||
      name.startsWith('rpl_semi_sync_') ||
      ['slave_parallel_threads', 'slave_parallel_mode', 'slave_parallel_max_queued', 'gtid_strict_mode', 'max_statement_time'].includes(
        name,
      )
    );
  }
  gtidOnline() {
    // MariaDB writes GTIDs to its binary log whatever the mode: only the replicas' positioning changes.
    return { enabled: 'SELECT @@GLOBAL.gtid_strict_mode AS enabled', phases: [['SET GLOBAL gtid_strict_mode=ON']], finish: [] };
  }
  positionByGtid(gtid?: string): string[] {
    // gtid_slave_pos set from the source's own answer, not trusted from the replica's bookkeeping.
    return [...(gtid !== undefined ? [`SET GLOBAL gtid_slave_pos = ${literal(gtid)}`] : []), 'CHANGE MASTER TO MASTER_USE_GTID=slave_pos'];
  }
  rejoinFromHere(): string[] {
    // Its own writes are in its binary log, not in its replica position.
    return ['SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos'];
  }
  gtidAtSourcePosition(c: BinlogCoordinates): string {
    return `SELECT BINLOG_GTID_POS(${literal(c.file)}, ${c.position}) AS gtid`;
  }
}

function positionOptions(o: ChangeSourceOptions): string[] {
  if (!o.coordinates) throw new Error('position mode needs binary log coordinates');
  return [`MASTER_LOG_FILE=${literal(o.coordinates.file)}`, `MASTER_LOG_POS=${o.coordinates.position}`];
}

/**
 * What of a MariaDB GTID position (`domain-server-seq`, one a domain) another lacks: in each
 * domain, the sequence numbers past the other's. A position names only the last transaction of
 * each domain: one written by another server at or below the other's sequence number cannot be
 * shown to be in the other's binary log (two servers that each wrote their own), and counts as
 * lacking, on the safe side. The server id named is `held`'s last one.
 */
export function mariadbGtidsMissing(held: string, other: string, promotedAt?: string): GtidGap {
  const parse = (pos: string) =>
    new Map(
      pos
        .replace(/\s+/g, '')
        .split(',')
        .filter(Boolean)
        .map((g) => g.split('-').map(Number))
        .map(([domain, server, seq]) => [domain, { server, seq }] as const),
    );
  const theirs = parse(other);
  const promotion = parse(promotedAt ?? '');
  const parts: string[] = [];
  let count = 0;
  for (const [domain, { server, seq }] of parse(held)) {
    // A former primary's own last writes: measured from where its successor stood when promoted
    // (the successor's own sequence numbers go on past them).
    const at = promotion.get(domain);
    const other = at?.server === server ? at : theirs.get(domain);
    const from = (other?.seq ?? 0) + 1;
    if (seq < from && other?.server !== server) {
      count += 1;
      parts.push(`${domain}-${server}-${seq}`);
      continue;
    }
    if (seq < from) continue;
    count += seq - from + 1;
    parts.push(seq === from ? `${domain}-${server}-${seq}` : `${domain}-${server}-${from}..${seq}`);
  }
  return { text: parts.join(','), count };
}
