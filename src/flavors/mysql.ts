import type { BinlogCoordinates, ChangeSourceOptions, Dialect, Flavor, GtidGap, ReplicaStatus, ServerVersion, WaitQuery } from './dialect';
import type { ReplicationMode, ReplicationTls, Role, SemiSync } from '../topology/types';
import {
  atLeast,
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
 * Oracle MySQL, everything replikit knows about it in one place: the official image's contract,
 * how a data directory is initialised, and one SQL dialect per release series (5.7; 8.0 to 8.3,
 * which renamed in steps; 8.4 LTS and 9.x).
 */
export const mysql: Flavor = {
  name: 'mysql',
  envPrefix: 'MYSQL',
  serverBinaries: ['mysqld'],
  // Anything that is not MariaDB speaks MySQL's protocol and SQL: Percona Server, for one.
  matches: () => true,
  newest: { major: 9, minor: 99, patch: 999 },
  dialect(v: ServerVersion): Dialect {
    if (atLeast(v, 8, 4)) return new MySql84Dialect(v);
    if (atLeast(v, 8, 0)) return new MySql80Dialect(v);
    return new MySql57Dialect(v);
  },
  // The server's own initialiser, without the official entrypoint's temporary server: about 6 s
  // against 10 s. root@localhost has no password until the node's init_file gives it one.
  // The data directory is the mysql user's, whatever its uid in this image.
  initialiseScript: 'chown mysql:mysql /var/lib/mysql && exec mysqld --initialize-insecure --user=mysql --datadir=/var/lib/mysql',
  // A copy of a data directory must not keep the seed's server_uuid: the server makes a new one
  // when auto.cnf is missing.
  perCopyFiles: ['auto.cnf'],
  binaryFallbacks: {},
};

/**
 * MySQL 5.7: the classic spellings (CHANGE MASTER TO, START SLAVE, SHOW SLAVE STATUS,
 * log_slave_updates, expire_logs_days), super_read_only, and MASTER_AUTO_POSITION for GTID.
 */
export class MySql57Dialect implements Dialect {
  readonly id: Dialect['id'] = 'mysql-5.7';
  readonly flavor = mysql;
  constructor(readonly version: ServerVersion) {}

  settingName(name: string): string {
    // innodb_redo_log_capacity (8.0.30) replaced innodb_log_file_size × innodb_log_files_in_group (2).
    if (name === 'innodb_redo_log_capacity') return 'innodb_log_file_size';
    return legacySettingName(name);
  }

  settingValue(name: string, value: string): string {
    return name === 'innodb_redo_log_capacity' ? halfOf(value) : value;
  }

  gtidSettings(): Record<string, string> {
    return { gtid_mode: 'ON', enforce_gtid_consistency: 'ON' };
  }

  parallelApplySettings(workers: number): Record<string, string | number> {
    // Commit order needs the LOGICAL_CLOCK scheduler, which became the only one in 8.0.27.
    if (workers === 0) return { replica_parallel_workers: 0 };
    return { replica_parallel_workers: workers, replica_parallel_type: 'LOGICAL_CLOCK', replica_preserve_commit_order: 'ON' };
  }

  semiSyncSettings(role: Role, s: SemiSync): Record<string, string | number> {
    const primary = role === 'primary';
    // Before 8.0.26 the plugins and their variables say master and slave.
    const [source, replica] = this.semiSyncNames();
    return {
      plugin_load_add: `semisync_${source}.so;semisync_${replica}.so`,
      [`rpl_semi_sync_${source}_enabled`]: primary ? 'ON' : 'OFF',
      [`rpl_semi_sync_${source}_wait_point`]: 'AFTER_SYNC',
      [`rpl_semi_sync_${source}_wait_for_${replica}_count`]: s.replicas,
      [`rpl_semi_sync_${source}_timeout`]: s.timeoutMs,
      [`rpl_semi_sync_${replica}_enabled`]: primary ? 'OFF' : 'ON',
    };
  }
  semiSyncStatus(): string {
    const [source, replica] = this.semiSyncNames();
    return `SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_${source}_status', 'Rpl_semi_sync_${replica}_status')`;
  }
  protected semiSyncNames(): [string, string] {
    return ['master', 'slave'];
  }

  readOnlySettings(on: boolean): Record<string, string> {
    // super_read_only binds accounts with SUPER (root) too; it implies read_only.
    return { read_only: on ? 'ON' : 'OFF', super_read_only: on ? 'ON' : 'OFF' };
  }

  binlogExpiry(seconds: number): Record<string, number> {
    return expireLogsDays(seconds);
  }

  createReplicationUser(user: string, password: string, requireTls: boolean): string[] {
    return replicationUserStatements(user, password, requireTls);
  }

  binlogStatus(): string {
    return 'SHOW MASTER STATUS';
  }

  changeSource(o: ChangeSourceOptions): string {
    const parts = [...connectionOptions(o, 'MASTER'), ...this.retry('MASTER'), ...this.coordinates(o, 'MASTER')];
    return `CHANGE MASTER TO ${parts.join(', ')}`;
  }

  changeCredentials(user: string, password: string, tls: ReplicationTls): string {
    return credentialsChange('CHANGE MASTER TO', user, password, tls);
  }

  blockDdl(waitSeconds: number): string[] {
    // A global read lock: writes wait too, for the moment the dump takes to start (a few hundred
    // ms). MySQL's backup lock would let writes through, but a DDL statement waiting on it holds
    // the global intention lock the dump's own FLUSH TABLES WITH READ LOCK then waits for.
    // While the lock waits for a long statement, every write waits behind it: the wait is short.
    return globalReadLock(waitSeconds);
  }
  unblockDdl(): string[] {
    return this.unlockWrites();
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
    // 8.0.16 and later; 5.7 reads its TLS files only at start.
    if (!atLeast(this.version, 8, 0, 16))
      throw new Error(`MySQL ${this.version.text} reloads TLS files only at start: restart the node (docker restart)`);
    return 'ALTER INSTANCE RELOAD TLS';
  }

  changeDelay(seconds: number): string {
    return `${this.changeStatement()} ${this.changePrefix()}_DELAY=${seconds}`;
  }

  /**
   * A replica gives up reconnecting after the retry count (10 on 8.4 and 9.x): a source away
   * longer than count × delay left it stopped for good. 86400 × 2 s is two days.
   */
  protected retry(prefix: 'MASTER' | 'SOURCE'): string[] {
    return [`${prefix}_RETRY_COUNT=86400`];
  }

  /** SOURCE_/MASTER_ position or auto-position options. */
  protected coordinates(o: ChangeSourceOptions, prefix: 'MASTER' | 'SOURCE'): string[] {
    if (o.mode === 'gtid') return [`${prefix}_AUTO_POSITION=1`];
    if (!o.coordinates) throw new Error('position mode needs binary log coordinates');
    return [`${prefix}_LOG_FILE=${literal(o.coordinates.file)}`, `${prefix}_LOG_POS=${o.coordinates.position}`];
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
    return ['SET GLOBAL read_only=ON', 'SET GLOBAL super_read_only=ON'];
  }
  readWrite(): string[] {
    return ['SET GLOBAL super_read_only=OFF', 'SET GLOBAL read_only=OFF'];
  }
  adminWritable() {
    // read_only stays on: ordinary accounts remain refused while root does its work.
    return {
      check: 'SELECT @@GLOBAL.super_read_only AS ro',
      lift: ['SET GLOBAL super_read_only=OFF'],
      restore: ['SET GLOBAL super_read_only=ON'],
    };
  }
  dumpCommand(schemas: string[]): string[] {
    return [
      'mysqldump',
      '--single-transaction',
      `${this.sourceDataOption()}=2`,
      '--set-gtid-purged=AUTO',
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
    return ['mysql', '--default-character-set=utf8mb4'];
  }
  parseDumpCoordinates(header: string): BinlogCoordinates | undefined {
    // With GTIDs on, the dump itself sets GTID_PURGED and auto-positioning needs nothing else;
    // the set is read only to report it. 8.0+ writes it as /*!80000 '+'*/ 'uuid:1-5'.
    const c = parseChangeComment(header);
    const gtid = /GTID_PURGED=(?:\/\*!\d+ '\+'\*\/ )?'([^']*)'/.exec(header);
    return c && (gtid ? { ...c, gtid: gtid[1].replace(/\s+/g, '') } : c);
  }
  prepareSnapshotTarget(): string[] {
    // The dump sets GTID_PURGED, which only an empty GTID_EXECUTED accepts; the new replica's own
    // binary log holds nothing it needs.
    return [this.resetBinaryLogs()];
  }
  protected resetBinaryLogs(): string {
    return 'RESET MASTER';
  }
  adoptSnapshot(): string[] {
    return [];
  }
  protected sourceDataOption(): string {
    return '--master-data';
  }
  gtidPosition(): string {
    return 'SELECT @@GLOBAL.gtid_executed AS gtid';
  }
  gtidsMissing(held: string, other: string): GtidGap {
    // GTID sets name every transaction: the other's set is exact, promotion point or not.
    return mysqlGtidsMissing(held, other);
  }
  usingGtid(s: Pick<ReplicaStatus, 'usingGtid'>): boolean {
    return s.usingGtid === '1';
  }
  linkMode(mode: ReplicationMode): ReplicationMode {
    // Its applier's position is a table row written in each transaction (relay_log_recovery in
    // every my.cnf fetches the rest again after a crash): both modes are crash-safe as they are.
    return mode;
  }
  waitForCoordinates(c: BinlogCoordinates, timeoutSeconds: number): WaitQuery {
    if (c.gtid === undefined) return positionWait(this.positionWaitFunction(), c, timeoutSeconds);
    // WAIT_FOR_EXECUTED_GTID_SET: 0 when reached, 1 on timeout.
    return {
      sql: `SELECT WAIT_FOR_EXECUTED_GTID_SET(${literal(c.gtid)}, ${timeoutSeconds}) AS result`,
      reached: (r) => Number(r) === 0,
    };
  }
  protected positionWaitFunction(): string {
    return 'MASTER_POS_WAIT';
  }
  startReplicaUntil(c: BinlogCoordinates): string {
    return `START SLAVE UNTIL MASTER_LOG_FILE=${literal(c.file)}, MASTER_LOG_POS=${c.position}`;
  }
  isDynamic(name: string): boolean {
    // The applier's settings change at run time while the replica is stopped.
    const applier = [
      'replica_parallel_workers',
      'replica_preserve_commit_order',
      'replica_parallel_type',
      'slave_parallel_workers',
      'slave_preserve_commit_order',
      'slave_parallel_type',
    ];
    return DYNAMIC_SETTINGS.includes(name) || applier.includes(name) || name === 'max_execution_time' || name.startsWith('rpl_semi_sync_');
  }
  gtidOnline() {
    // The manual's "Enabling GTID Transactions Online": each step on every server before the next,
    // and no anonymous transaction left anywhere before gtid_mode=ON.
    return {
      // MySQL 9.x runs with gtid_mode=ON unless told otherwise: such servers need no step.
      enabled: "SELECT @@GLOBAL.gtid_mode = 'ON' AS enabled",
      phases: [['SET GLOBAL enforce_gtid_consistency=ON'], ['SET GLOBAL gtid_mode=OFF_PERMISSIVE'], ['SET GLOBAL gtid_mode=ON_PERMISSIVE']],
      // SHOW, not performance_schema: the dev profile turns performance_schema off.
      drain: "SHOW GLOBAL STATUS LIKE 'Ongoing_anonymous_transaction_count'",
      finish: ['SET GLOBAL gtid_mode=ON'],
    };
  }
  positionByGtid(): string[] {
    return [`${this.changeStatement()} ${this.changePrefix()}_AUTO_POSITION=1`];
  }
  rejoinFromHere(): string[] {
    // Auto-position sends what gtid_executed lacks: nothing to set.
    return [];
  }
  gtidAtSourcePosition(): undefined {
    return undefined;
  }
  protected changeStatement(): string {
    return 'CHANGE MASTER TO';
  }
  protected changePrefix(): 'MASTER' | 'SOURCE' {
    return 'MASTER';
  }
}

/**
 * MySQL 8.0 through 8.3. The 8.0 series renamed in steps, so this dialect follows the exact
 * release: 8.0.22 START/STOP/RESET REPLICA and SHOW REPLICA STATUS; 8.0.23 CHANGE REPLICATION
 * SOURCE TO with SOURCE_* options; 8.0.26 log_replica_updates, replica_skip_errors and
 * SOURCE_POS_WAIT; 8.0.30 innodb_redo_log_capacity. caching_sha2_password (the 8.0 default)
 * needs the source's RSA public key when replication runs without TLS: GET_MASTER_PUBLIC_KEY /
 * GET_SOURCE_PUBLIC_KEY.
 */
export class MySql80Dialect extends MySql57Dialect {
  override readonly id: MySql57Dialect['id'] = 'mysql-8.0';
  constructor(version: ServerVersion) {
    super(version);
  }

  protected override semiSyncNames(): [string, string] {
    return atLeast(this.version, 8, 0, 26) ? ['source', 'replica'] : super.semiSyncNames();
  }

  override settingName(name: string): string {
    if (name === 'innodb_redo_log_capacity') return this.redoCapacity() ? name : super.settingName(name);
    return atLeast(this.version, 8, 0, 26) ? name : super.settingName(name);
  }

  override settingValue(name: string, value: string): string {
    return this.redoCapacity() ? value : super.settingValue(name, value);
  }

  override binlogExpiry(seconds: number): Record<string, number> {
    return { binlog_expire_logs_seconds: seconds };
  }

  override parallelApplySettings(workers: number): Record<string, string | number> {
    const settings = super.parallelApplySettings(workers);
    // replica_parallel_type is deprecated from 8.0.29 and gone in 8.4; 0 workers is deprecated
    // from 8.0.30, where 1 worker is the one-at-a-time apply.
    if (atLeast(this.version, 8, 0, 27)) delete settings.replica_parallel_type;
    if (atLeast(this.version, 8, 0, 30) && workers === 0) settings.replica_parallel_workers = 1;
    return settings;
  }

  override changeSource(o: ChangeSourceOptions): string {
    if (!this.sourceSyntax()) return `${super.changeSource(o)}, GET_MASTER_PUBLIC_KEY=1`;
    const parts = [...connectionOptions(o, 'SOURCE'), ...this.retry('SOURCE'), ...this.coordinates(o, 'SOURCE'), 'GET_SOURCE_PUBLIC_KEY=1'];
    return `CHANGE REPLICATION SOURCE TO ${parts.join(', ')}`;
  }

  override changeCredentials(user: string, password: string, tls: ReplicationTls): string {
    if (!this.sourceSyntax()) return super.changeCredentials(user, password, tls);
    return credentialsChange('CHANGE REPLICATION SOURCE TO', user, password, tls);
  }

  override startReplica(): string {
    return this.renamed() ? 'START REPLICA' : super.startReplica();
  }
  override stopReplica(): string {
    return this.renamed() ? 'STOP REPLICA' : super.stopReplica();
  }
  override resetReplica(): string {
    return this.renamed() ? 'RESET REPLICA ALL' : super.resetReplica();
  }
  override replicaStatus(): string {
    return this.renamed() ? 'SHOW REPLICA STATUS' : super.replicaStatus();
  }
  protected override sourceDataOption(): string {
    return atLeast(this.version, 8, 0, 26) ? '--source-data' : '--master-data';
  }
  protected override positionWaitFunction(): string {
    return atLeast(this.version, 8, 0, 26) ? 'SOURCE_POS_WAIT' : 'MASTER_POS_WAIT';
  }
  override startReplicaUntil(c: BinlogCoordinates): string {
    const p = this.changePrefix();
    return `${this.startReplica()} UNTIL ${p}_LOG_FILE=${literal(c.file)}, ${p}_LOG_POS=${c.position}`;
  }
  protected override changeStatement(): string {
    return this.sourceSyntax() ? 'CHANGE REPLICATION SOURCE TO' : super.changeStatement();
  }
  protected override changePrefix(): 'MASTER' | 'SOURCE' {
    return this.sourceSyntax() ? 'SOURCE' : 'MASTER';
  }

  private renamed(): boolean {
    return atLeast(this.version, 8, 0, 22);
  }
  private sourceSyntax(): boolean {
    return atLeast(this.version, 8, 0, 23);
  }
  private redoCapacity(): boolean {
    return atLeast(this.version, 8, 0, 30);
  }
}

/**
 * MySQL 8.4 LTS and 9.x: SHOW MASTER STATUS, RESET MASTER and the CHANGE MASTER/START SLAVE
 * forms are gone (SHOW BINARY LOG STATUS since 8.2, RESET BINARY LOGS AND GTIDS since 8.2).
 * mysql_native_password is off by default in 8.4 and removed in 9.0, so the replication user
 * keeps the server's default plugin (caching_sha2_password).
 */
export class MySql84Dialect extends MySql80Dialect {
  override readonly id = 'mysql-8.4' as const;
  constructor(version: ServerVersion) {
    super(version);
  }

  override binlogStatus(): string {
    return 'SHOW BINARY LOG STATUS';
  }
  protected override resetBinaryLogs(): string {
    return 'RESET BINARY LOGS AND GTIDS';
  }
}

/** Half of an option-file size ("8M" → "4M"): each of the two pre-8.0.30 redo log files. */
function halfOf(size: string): string {
  const m = /^(\d+)([KMG]?)$/i.exec(size.trim());
  if (!m) return size;
  const units = ['', 'K', 'M', 'G'];
  let n = Number(m[1]);
  let u = units.indexOf(m[2].toUpperCase());
  if (n % 2 !== 0 && u > 0) {
    n *= 1024;
    u -= 1;
  }
  return `${n / 2}${units[u]}`;
}

type Intervals = [number, number][];

/**
 * A MySQL GTID set (`uuid:1-5:7,uuid2[:tag]:1-3`, as gtid_executed prints it, newlines and all)
 * as intervals by source (uuid, with its tag from 8.3 on).
 */
export function parseMysqlGtidSet(set: string): Map<string, Intervals> {
  const out = new Map<string, Intervals>();
  for (const part of set.replace(/\s+/g, '').split(',').filter(Boolean)) {
    const [uuid, ...rest] = part.split(':');
    let key = uuid.toLowerCase();
    for (const item of rest) {
      const range = /^(\d+)(?:-(\d+))?$/.exec(item);
      if (!range) {
        key = `${uuid.toLowerCase()}:${item}`; // a tag: the intervals after it are the tagged ones
        continue;
      }
      const list = out.get(key) ?? out.set(key, []).get(key)!;
      list.push([Number(range[1]), Number(range[2] ?? range[1])]);
    }
  }
  return out;
}

/** What of `held` `other` lacks, as a GTID set and its number of transactions (GTID_SUBTRACT, computed here). */
export function mysqlGtidsMissing(held: string, other: string): GtidGap {
  const theirs = parseMysqlGtidSet(other);
  const parts: string[] = [];
  let count = 0;
  for (const [key, intervals] of parseMysqlGtidSet(held)) {
    let left: Intervals = intervals;
    for (const [a, b] of theirs.get(key) ?? []) {
      left = left.flatMap(([x, y]): Intervals =>
        b < x || a > y
          ? [[x, y]]
          : [...(x < a ? [[x, a - 1] as [number, number]] : []), ...(y > b ? [[b + 1, y] as [number, number]] : [])],
      );
    }
    if (!left.length) continue;
    count += left.reduce((n, [x, y]) => n + y - x + 1, 0);
    parts.push(`${key}:${left.map(([x, y]) => (x === y ? `${x}` : `${x}-${y}`)).join(':')}`);
  }
  return { text: parts.join(','), count };
}
