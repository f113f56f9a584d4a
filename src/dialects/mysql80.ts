import type { ChangeSourceOptions, ServerVersion } from './dialect';
import { connectionOptions } from './dialect';
import { MySql57Dialect } from './mysql57';

/** True when `v` is at least major.minor.patch. */
export function atLeast(v: ServerVersion, major: number, minor: number, patch = 0): boolean {
  return v.major !== major ? v.major > major : v.minor !== minor ? v.minor > minor : v.patch >= patch;
}

/**
 * MySQL 8.0 through 8.3. The 8.0 series renamed in steps, so this dialect follows the exact
 * release: 8.0.22 START/STOP/RESET REPLICA and SHOW REPLICA STATUS; 8.0.23 CHANGE REPLICATION
 * SOURCE TO with SOURCE_* options; 8.0.26 log_replica_updates, replica_skip_errors and
 * SOURCE_POS_WAIT. caching_sha2_password (the 8.0 default) needs the source's RSA public key
 * when replication runs without TLS: GET_MASTER_PUBLIC_KEY / GET_SOURCE_PUBLIC_KEY.
 */
export class MySql80Dialect extends MySql57Dialect {
  override readonly id: MySql57Dialect['id'] = 'mysql-8.0';
  constructor(version: ServerVersion) {
    super(version);
  }

  override settingName(name: string): string {
    return atLeast(this.version, 8, 0, 26) ? name : super.settingName(name);
  }

  override binlogExpiry(seconds: number): Record<string, number> {
    return { binlog_expire_logs_seconds: seconds };
  }

  override changeSource(o: ChangeSourceOptions): string {
    if (!atLeast(this.version, 8, 0, 23)) return `${super.changeSource(o)}, GET_MASTER_PUBLIC_KEY=1`;
    const parts = [...connectionOptions(o, 'SOURCE'), ...this.coordinates(o, 'SOURCE'), 'GET_SOURCE_PUBLIC_KEY=1'];
    return `CHANGE REPLICATION SOURCE TO ${parts.join(', ')}`;
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

  private renamed(): boolean {
    return atLeast(this.version, 8, 0, 22);
  }
}
