import type { ServerVersion } from './dialect';
import { MySql80Dialect } from './mysql80';

/**
 * MySQL 8.4 LTS and 9.x: SHOW MASTER STATUS and the CHANGE MASTER/START SLAVE forms are gone
 * (SHOW BINARY LOG STATUS since 8.2). mysql_native_password is off by default in 8.4 and removed
 * in 9.0, so the replication user keeps the server's default plugin (caching_sha2_password).
 */
export class MySql84Dialect extends MySql80Dialect {
  override readonly id = 'mysql-8.4' as const;
  constructor(version: ServerVersion) {
    super(version);
  }

  override binlogStatus(): string {
    return 'SHOW BINARY LOG STATUS';
  }
}
