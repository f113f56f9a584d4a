import type { BinlogCoordinates, ChangeSourceOptions, Dialect, ServerVersion, WaitQuery } from './dialect';
import { connectionOptions, expireLogsDays, legacySettingName, literal, parseChangeComment, positionWait, replicationUserStatements } from './dialect';

/**
 * MySQL 5.7: the classic spellings (CHANGE MASTER TO, START SLAVE, SHOW SLAVE STATUS,
 * log_slave_updates, expire_logs_days), super_read_only, and MASTER_AUTO_POSITION for GTID.
 */
export class MySql57Dialect implements Dialect {
  readonly id: Dialect['id'] = 'mysql-5.7';
  constructor(readonly version: ServerVersion) {}

  settingName(name: string): string {
    return legacySettingName(name);
  }

  gtidSettings(): Record<string, string> {
    return { gtid_mode: 'ON', enforce_gtid_consistency: 'ON' };
  }

  binlogExpiry(seconds: number): Record<string, number> {
    return expireLogsDays(seconds);
  }

  createReplicationUser(user: string, password: string): string[] {
    return replicationUserStatements(user, password);
  }

  binlogStatus(): string {
    return 'SHOW MASTER STATUS';
  }

  changeSource(o: ChangeSourceOptions): string {
    const parts = [...connectionOptions(o, 'MASTER'), ...this.coordinates(o, 'MASTER')];
    return `CHANGE MASTER TO ${parts.join(', ')}`;
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
    // super_read_only implies read_only and binds accounts with SUPER too.
    return ['SET GLOBAL read_only=ON', 'SET GLOBAL super_read_only=ON'];
  }
  readWrite(): string[] {
    return ['SET GLOBAL super_read_only=OFF', 'SET GLOBAL read_only=OFF'];
  }
  dumpCommand(schemas: string[]): string[] {
    return [
      'mysqldump', '--single-transaction', `${this.sourceDataOption()}=2`, '--set-gtid-purged=AUTO', '--routines', '--events',
      '--triggers', '--hex-blob', '--default-character-set=utf8mb4', '--databases', ...schemas,
    ];
  }
  clientCommand(): string[] {
    return ['mysql', '--default-character-set=utf8mb4'];
  }
  parseDumpCoordinates(header: string): BinlogCoordinates | undefined {
    // With GTIDs on, the dump itself sets GTID_PURGED and auto-positioning needs nothing else.
    return parseChangeComment(header);
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
}
