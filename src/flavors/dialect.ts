import { escape } from 'mysql2';
import { TLS_FILES } from '../names';
import type { ReplicationMode, ReplicationTls, Role, SemiSync } from '../topology/types';
import { optionKey } from '../topology/types';

/**
 * A flavour is a server family (MariaDB, MySQL) with everything replikit needs to know about it:
 * its image contract, how a data directory is initialised, and one SQL dialect per version.
 * Each flavour lives in one file of this folder; nothing outside it branches on the flavour.
 */
export type FlavorName = 'mariadb' | 'mysql';

export interface Flavor {
  readonly name: FlavorName;
  /** The official image's environment prefix: the root password goes in as PREFIX_ROOT_PASSWORD_FILE. */
  readonly envPrefix: 'MARIADB' | 'MYSQL';
  /** Server binaries that answer `--version`, newest name first. */
  readonly serverBinaries: readonly string[];
  /** Whether a version string (`VERSION()`, `mysqld --version`) or an image name is of this flavour. */
  matches(text: string): boolean;
  /** What a tag without a full version ("latest", "lts") is taken to mean. */
  readonly newest: { major: number; minor: number; patch: number };
  dialect(v: ServerVersion): Dialect;
  /**
   * Shell script, run as root in a throw-away container of the image, that initialises an empty
   * /var/lib/mysql with the server's own initialiser and the profile's my.cnf in conf.d. It sets
   * no password: every node's init_file sets root's from the topology.
   */
  readonly initialiseScript: string;
  /** Files of an initialised data directory that identify one server and must not be copied. */
  readonly perCopyFiles: readonly string[];
  /** Client binaries by the names older releases of the image carry instead. */
  readonly binaryFallbacks: Readonly<Record<string, string>>;
}

/** One SQL dialect per flavour and version: steps ask it for statements and setting names. */
export interface ServerVersion {
  flavor: FlavorName;
  major: number;
  minor: number;
  patch: number;
  /** As the server or image reported it. */
  text: string;
}

/** Transactions one GTID position has and another lacks (Dialect.gtidsMissing). */
export interface GtidGap {
  /** As the flavour names them; '' when none. */
  text: string;
  count: number;
}

export interface BinlogCoordinates {
  file: string;
  position: number;
  /** Executed GTID set (MySQL) or binlog GTID position (MariaDB), when the server has one. */
  gtid?: string;
}

export interface ChangeSourceOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Seconds between reconnect attempts; the servers' default of 60 makes a transient failure slow. */
  connectRetry: number;
  mode: ReplicationMode;
  /** Required in position mode. */
  coordinates?: BinlogCoordinates;
  tls: ReplicationTls;
}

/** SHOW REPLICA/SLAVE STATUS, with column names made the same for every dialect. */
export interface ReplicaStatus {
  sourceHost: string;
  sourcePort: number;
  ioRunning: string;
  sqlRunning: string;
  secondsBehind: number | null;
  lastIoError: string;
  lastIoErrno: number;
  lastSqlError: string;
  lastSqlErrno: number;
  sourceLogFile: string;
  readSourceLogPos: number;
  execSourceLogPos: number;
  relaySourceLogFile: string;
  /** The server_id of the source it last connected to; 0 before its first connection. */
  sourceServerId: number;
  usingGtid: string;
  /** Whether the link uses TLS, and whether it checks the source's certificate. */
  sslAllowed: string;
  sslVerify: string;
  /** The delay on purpose (MASTER_DELAY / SOURCE_DELAY), seconds. */
  sqlDelay: number;
}

export type Row = Record<string, unknown>;

export interface WaitQuery {
  sql: string;
  /** Whether the `result` column says the wait reached its target (not timed out, not failed). */
  reached(result: unknown): boolean;
}

/** MASTER_POS_WAIT and its renames: -1 on timeout, NULL when replication is not running. */
export function positionWait(fn: string, c: BinlogCoordinates, timeoutSeconds: number): WaitQuery {
  return {
    sql: `SELECT ${fn}(${literal(c.file)}, ${c.position}, ${timeoutSeconds}) AS result`,
    reached: (r) => r !== null && r !== undefined && Number(r) >= 0,
  };
}

export interface Dialect {
  readonly id: 'mariadb' | 'mysql-5.7' | 'mysql-8.0' | 'mysql-8.4';
  readonly version: ServerVersion;
  readonly flavor: Flavor;

  /** The my.cnf name of a setting, given its current MySQL name (log_replica_updates, …). */
  settingName(name: string): string;
  /** The value under that name (a redo log capacity split over two files, …). */
  settingValue(name: string, value: string): string;
  /** my.cnf settings that turn GTID replication on. */
  gtidSettings(): Record<string, string>;
  /** my.cnf settings that make a replica apply changes with `workers` threads, in the source's commit order. */
  parallelApplySettings(workers: number): Record<string, string | number>;
  /**
   * my.cnf settings for lossless semi-synchronous replication (wait point AFTER_SYNC): the source
   * side on the primary, the replica side on replicas (the plugins loaded on both, where the
   * flavour has them as plugins, so a role change is a SET GLOBAL).
   */
  semiSyncSettings(role: Role, s: SemiSync): Record<string, string | number>;
  /** A query (rows Variable_name, Value) for whether this server's semi-sync source and replica sides are on now. */
  semiSyncStatus(): string;
  /** my.cnf settings that make a server read-only (for every account the server can bind), or writable. */
  readOnlySettings(on: boolean): Record<string, string>;
  /** my.cnf settings that expire binary logs after `seconds`. */
  binlogExpiry(seconds: number): Record<string, number>;

  /** The replication account with its password; `requireTls`: the server refuses it over plain text. */
  createReplicationUser(user: string, password: string, requireTls: boolean): string[];
  binlogStatus(): string;
  changeSource(o: ChangeSourceOptions): string;
  /**
   * Blocks DDL on this server from this session, until unblockDdl (MariaDB lets writes go on;
   * MySQL holds them too), waiting at most `waitSeconds` for statements that hold tables.
   */
  blockDdl(waitSeconds: number): string[];
  unblockDdl(): string[];
  /**
   * Holds back every write on this server, privileged accounts' included, until unlockWrites in
   * the same session: waits for writes in flight, at most `waitSeconds` for a statement that holds
   * a table (a switchover's stop point).
   */
  lockWrites(waitSeconds: number): string[];
  unlockWrites(): string[];
  /**
   * A query for the statements that would hold lockWrites back, the longest first (columns id,
   * user, seconds, verb): only each statement's first word, since its text can hold secrets.
   */
  busyStatements(): string;
  /** Makes the server read its TLS certificate, key and CA files again, without a restart. */
  reloadTls(): string;
  /** How long a stopped replica waits before applying what its source wrote (MASTER_DELAY / SOURCE_DELAY). */
  changeDelay(seconds: number): string;
  /** Changes only how a replica logs in (account and TLS): its position and source stay. */
  changeCredentials(user: string, password: string, tls: ReplicationTls): string;
  startReplica(): string;
  stopReplica(): string;
  /** Forgets the replica's source entirely (used when a node stops being a replica). */
  resetReplica(): string;
  replicaStatus(): string;
  /** Statements that make a replica read-only even for privileged accounts, where the server can. */
  readOnly(): string[];
  readWrite(): string[];
  /**
   * What lets root write on a read-only replica while ordinary accounts stay refused (MySQL's
   * super_read_only binds root too); undefined where read_only never binds root.
   */
  adminWritable(): { check: string; lift: string[]; restore: string[] } | undefined;
  /**
   * The dump client and its options for a consistent snapshot: one transaction, with the binary
   * log coordinates (and GTID state) of that very read written into the dump as comments.
   */
  dumpCommand(schemas: string[]): string[];
  /** The client that loads a dump. */
  clientCommand(): string[];
  /** The coordinates a dump recorded, read from its header. */
  parseDumpCoordinates(header: string): BinlogCoordinates | undefined;
  /** Statements run on a new replica before a snapshot is loaded into it. */
  prepareSnapshotTarget(): string[];
  /** Statements run on a freshly loaded replica before it starts, to adopt the dump's GTID state. */
  adoptSnapshot(c: BinlogCoordinates): string[];
  /** The GTID position this server has written to its binary log (every node logs what it applies: all it holds). */
  gtidPosition(): string;
  /**
   * The transactions of `held` (a gtidPosition answer) that `other` lacks: named as the flavour
   * writes them (`uuid:12-14`, `0-101-12..14`) with their number; count 0 when `other` has them all.
   * `promotedAt`: for a former primary, where `other` stood when a failover promoted it.
   */
  gtidsMissing(held: string, other: string, promotedAt?: string): GtidGap;
  /** Whether a replica's status says it replicates by GTID. */
  usingGtid(s: Pick<ReplicaStatus, 'usingGtid'>): boolean;
  /**
   * How this flavour positions a link of a topology in `mode`: by file and offset, or by GTID.
   * Where a position by file and offset is kept outside the transaction (MariaDB), links always
   * position by GTID, which the server keeps inside each transaction: a replica killed at any
   * moment neither skips nor repeats one.
   */
  linkMode(mode: ReplicationMode): ReplicationMode;
  /** A query (one row, column `result`) that waits until this replica has applied `c`. */
  waitForCoordinates(c: BinlogCoordinates, timeoutSeconds: number): WaitQuery;
  /** Starts replication and stops applying at `c`, a position in the source's binary log. */
  startReplicaUntil(c: BinlogCoordinates): string;
  /** Whether SET GLOBAL changes this my.cnf setting (its current MySQL name) on a running server. */
  isDynamic(name: string): boolean;
  /**
   * How a running topology turns GTIDs on without a restart: `enabled` (one row, column
   * `enabled`) says a server needs none of it; the others run the statements, one phase after
   * the other; `drain` (one row, column `Value`) must read 0 on every node, and every
   * replica must have applied all its source wrote, before `finish` runs.
   */
  gtidOnline(): { enabled: string; phases: string[][]; drain?: string; finish: string[] };
  /**
   * A stopped replica that was positioned by file and offset: the statements that make it
   * position by GTID from where it stands. `gtid` is the source's GTID position at the replica's
   * applied coordinates, where the flavour needs one (see gtidAtSourcePosition).
   */
  positionByGtid(gtid?: string): string[];
  /** Statements that make a server which replicates from nowhere (a former primary) go on by GTID from all it holds. */
  rejoinFromHere(): string[];
  /** A query run on the source (one row, column `gtid`) for its GTID position at `c`; undefined where none is needed. */
  gtidAtSourcePosition(c: BinlogCoordinates): string | undefined;
}

/**
 * Settings both flavours change with SET GLOBAL: a change to one of them needs no restart. Any
 * setting not known here restarts the node, which is always correct, only slower.
 */
export const DYNAMIC_SETTINGS: readonly string[] = [
  'binlog_format',
  'binlog_row_image',
  'binlog_cache_size',
  'max_binlog_size',
  'sync_binlog',
  'innodb_flush_log_at_trx_commit',
  'max_connections',
  'max_allowed_packet',
  'table_open_cache',
  'table_definition_cache',
  'thread_cache_size',
  'key_buffer_size',
  'tmp_table_size',
  'max_heap_table_size',
  'sort_buffer_size',
  'join_buffer_size',
  'read_buffer_size',
  'innodb_buffer_pool_size',
  'long_query_time',
  'slow_query_log',
  'general_log',
  'sql_mode',
  'wait_timeout',
  'interactive_timeout',
  'lock_wait_timeout',
  'innodb_lock_wait_timeout',
  'event_scheduler',
  'expire_logs_days',
  'binlog_expire_logs_seconds',
  'auto_increment_increment',
  'auto_increment_offset',
  'time_zone',
  'net_read_timeout',
  'net_write_timeout',
  'group_concat_max_len',
];

/**
 * A change SET GLOBAL cannot make although the setting is dynamic: event_scheduler goes to or
 * from DISABLED only at start.
 */
export function startOnlyChange(name: string, from: string | undefined, to: string | undefined): boolean {
  return variableName(name) === 'event_scheduler' && [from, to].some((v) => String(v ?? '').toUpperCase() === 'DISABLED');
}

/** A setting's name without the `loose-` prefix and in one spelling: what SET GLOBAL takes. */
export function variableName(name: string): string {
  return optionKey(name);
}

/** SET GLOBAL for a changed my.cnf setting; a removed one goes back to the server's default. */
export function setGlobal(name: string, value: string | undefined): string {
  return `SET GLOBAL ${variableName(name)} = ${variableValue(value)}`;
}

/** An option-file value as SET GLOBAL takes it: sizes in bytes, ON/OFF bare, anything else quoted. */
export function variableValue(value: string | number | boolean | undefined): string {
  if (value === undefined) return 'DEFAULT';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  const size = /^(\d+)([KMG])$/i.exec(value.trim());
  if (size) return String(Number(size[1]) * 1024 ** ('KMG'.indexOf(size[2].toUpperCase()) + 1));
  if (/^-?\d+(\.\d+)?$/.test(value.trim())) return value.trim();
  if (/^(ON|OFF)$/i.test(value.trim())) return value.trim().toUpperCase();
  return literal(value);
}

/** True when `v` is at least major.minor.patch. */
export function atLeast(v: ServerVersion, major: number, minor: number, patch = 0): boolean {
  return v.major !== major ? v.major > major : v.minor !== minor ? v.minor > minor : v.patch >= patch;
}

/** A SQL string literal, escaped for any server (quotes, backslashes, NUL). */
export function literal(value: string): string {
  return escape(value);
}

/**
 * The replication account: the same statements on every server. No IDENTIFIED WITH, so it gets
 * the server's default authentication plugin (caching_sha2_password on MySQL 8, which 8.4 and 9
 * require); only the two privileges replication needs.
 */
export function replicationUserStatements(user: string, password: string, requireTls: boolean): string[] {
  const require = requireTls ? 'REQUIRE SSL' : 'REQUIRE NONE';
  return [
    `CREATE USER IF NOT EXISTS ${account(user)} IDENTIFIED BY ${literal(password)} ${require}`,
    `ALTER USER ${account(user)} IDENTIFIED BY ${literal(password)} ${require}`,
    `GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ${account(user)}`,
  ];
}

/**
 * root@localhost and root@'%' with the topology's password, as an init_file: one statement per
 * line, nothing binlogged, safe to run at every start. The initialisers also make root accounts
 * for 127.0.0.1 and ::1 with no password, which the official entrypoints drop; so does this.
 * The server runs an init_file even when super_read_only is on.
 */
export function rootAccountStatements(password: string): string[] {
  return [
    'SET SESSION sql_log_bin=0;',
    "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';",
    `ALTER USER IF EXISTS 'root'@'localhost' IDENTIFIED BY ${literal(password)};`,
    `CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ${literal(password)};`,
    `ALTER USER 'root'@'%' IDENTIFIED BY ${literal(password)};`,
    "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;",
  ];
}

/** How to reach the source: the options every CHANGE statement starts with, MASTER_ or SOURCE_. */
export function connectionOptions(o: ChangeSourceOptions, prefix: 'MASTER' | 'SOURCE'): string[] {
  return [
    `${prefix}_HOST=${literal(o.host)}`,
    `${prefix}_PORT=${o.port}`,
    `${prefix}_USER=${literal(o.user)}`,
    `${prefix}_PASSWORD=${literal(o.password)}`,
    `${prefix}_CONNECT_RETRY=${o.connectRetry}`,
    ...tlsOptions(o.tls, prefix),
  ];
}

/**
 * How a replica secures its link: verify checks the source's certificate (its container name is
 * in the certificate) against the topology's CA; required only encrypts; off is plain text, said
 * explicitly because MariaDB 11 replicas ask for TLS by default.
 */
export function tlsOptions(tls: ReplicationTls, prefix: 'MASTER' | 'SOURCE'): string[] {
  if (tls === 'off') return [`${prefix}_SSL=0`, `${prefix}_SSL_VERIFY_SERVER_CERT=0`];
  return [`${prefix}_SSL=1`, `${prefix}_SSL_CA=${literal(TLS_FILES.ca)}`, `${prefix}_SSL_VERIFY_SERVER_CERT=${tls === 'verify' ? 1 : 0}`];
}

/** Changes only the account a replica logs in with: `CHANGE MASTER TO` or `CHANGE REPLICATION SOURCE TO`. */
export function credentialsChange(
  statement: 'CHANGE MASTER TO' | 'CHANGE REPLICATION SOURCE TO',
  user: string,
  password: string,
  tls: ReplicationTls,
): string {
  const prefix = statement === 'CHANGE MASTER TO' ? 'MASTER' : 'SOURCE';
  return `${statement} ${[`${prefix}_USER=${literal(user)}`, `${prefix}_PASSWORD=${literal(password)}`, ...tlsOptions(tls, prefix)].join(', ')}`;
}

/** Setting names before MySQL 8.0.26's renames, which MariaDB and MySQL 5.7 keep. */
export function legacySettingName(name: string): string {
  const legacy: Record<string, string> = {
    log_replica_updates: 'log_slave_updates',
    replica_skip_errors: 'slave_skip_errors',
    replica_parallel_workers: 'slave_parallel_workers',
    replica_preserve_commit_order: 'slave_preserve_commit_order',
    replica_parallel_type: 'slave_parallel_type',
  };
  return legacy[name] ?? name;
}

/** expire_logs_days, for servers without binlog_expire_logs_seconds; never below one day. */
export function expireLogsDays(seconds: number): Record<string, number> {
  return { expire_logs_days: Math.max(1, Math.round(seconds / 86400)) };
}

/** 'user'@'%' */
export function account(user: string): string {
  return `${literal(user)}@'%'`;
}

export function normaliseReplicaStatus(row: Row | undefined): ReplicaStatus | undefined {
  if (!row) return undefined;
  // MySQL 8.0.22+ renamed Master/Slave columns to Source/Replica; the rest are shared.
  const pick = (...names: string[]) => names.map((n) => row[n]).find((v) => v !== undefined);
  const num = (v: unknown) => (v === null || v === undefined || v === '' ? null : Number(v));
  return {
    sourceHost: String(pick('Source_Host', 'Master_Host') ?? ''),
    sourcePort: Number(pick('Source_Port', 'Master_Port') ?? 0),
    ioRunning: String(pick('Replica_IO_Running', 'Slave_IO_Running') ?? 'No'),
    sqlRunning: String(pick('Replica_SQL_Running', 'Slave_SQL_Running') ?? 'No'),
    secondsBehind: num(pick('Seconds_Behind_Source', 'Seconds_Behind_Master')),
    lastIoError: String(row.Last_IO_Error ?? ''),
    lastIoErrno: Number(row.Last_IO_Errno ?? 0),
    lastSqlError: String(row.Last_SQL_Error ?? ''),
    lastSqlErrno: Number(row.Last_SQL_Errno ?? 0),
    sourceLogFile: String(pick('Source_Log_File', 'Master_Log_File') ?? ''),
    readSourceLogPos: Number(pick('Read_Source_Log_Pos', 'Read_Master_Log_Pos') ?? 0),
    execSourceLogPos: Number(pick('Exec_Source_Log_Pos', 'Exec_Master_Log_Pos') ?? 0),
    relaySourceLogFile: String(pick('Relay_Source_Log_File', 'Relay_Master_Log_File') ?? ''),
    sourceServerId: Number(pick('Source_Server_Id', 'Master_Server_Id') ?? 0),
    usingGtid: String(pick('Using_Gtid', 'Auto_Position') ?? ''),
    sslAllowed: String(pick('Source_SSL_Allowed', 'Master_SSL_Allowed') ?? ''),
    sslVerify: String(pick('Source_SSL_Verify_Server_Cert', 'Master_SSL_Verify_Server_Cert') ?? ''),
    sqlDelay: Number(row.SQL_Delay ?? 0),
  };
}

export function parseBinlogStatus(row: Row | undefined): BinlogCoordinates | undefined {
  if (!row || row.File === undefined) return undefined;
  const gtid = row.Executed_Gtid_Set;
  return {
    file: String(row.File),
    position: Number(row.Position),
    ...(typeof gtid === 'string' && gtid !== '' ? { gtid: gtid.replace(/\s+/g, '') } : {}),
  };
}

/** `-- CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=n;` or its SOURCE_ spelling. */
export function parseChangeComment(header: string): { file: string; position: number } | undefined {
  const m = /(?:MASTER|SOURCE)_LOG_FILE='([^']+)',\s*(?:MASTER|SOURCE)_LOG_POS=(\d+)/.exec(header);
  return m ? { file: m[1], position: Number(m[2]) } : undefined;
}

/** The global read lock, as both flavours take it (lockWrites, MySQL's blockDdl). */
export function globalReadLock(waitSeconds: number): string[] {
  return [`SET SESSION lock_wait_timeout = ${waitSeconds}`, 'FLUSH TABLES WITH READ LOCK'];
}

/** The processlist query both flavours answer the same (busyStatements). */
export const BUSY_STATEMENTS =
  "SELECT ID AS id, USER AS user, TIME AS seconds, SUBSTRING_INDEX(TRIM(INFO), ' ', 1) AS verb FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' AND INFO IS NOT NULL ORDER BY TIME DESC LIMIT 3";
