import { dialectFor, FLAVORS, guessImageVersion, parseServerVersion } from '../../src/flavors';
import { mysqlGtidsMissing } from '../../src/flavors/mysql';
import { mariadbGtidsMissing } from '../../src/flavors/mariadb';
import { versionFromEnv } from '../../src/docker/detect-image';
import { ChangeSourceOptions, normaliseReplicaStatus, parseBinlogStatus, setGlobal } from '../../src/flavors/dialect';

/**
 * The exact SQL of every dialect. MySQL's are checked against the MySQL 5.7, 8.0 and 8.4
 * reference manuals (CHANGE MASTER TO / CHANGE REPLICATION SOURCE TO, START REPLICA,
 * SHOW BINARY LOG STATUS), since only MariaDB servers can run in this project's tests.
 */
const d = (version: string) => dialectFor(parseServerVersion(version));
const position: ChangeSourceOptions = {
  host: 'shop-primary',
  port: 3306,
  user: 'repl',
  password: `p'w"\\$x`,
  connectRetry: 2,
  mode: 'position',
  coordinates: { file: 'primary-bin.000003', position: 1234 },
  tls: 'verify',
};
const gtid: ChangeSourceOptions = { ...position, mode: 'gtid', coordinates: undefined };
const pw = `'p\\'w\\"\\\\$x'`;

describe('dialect detection', () => {
  it.each([
    ['10.11.6-MariaDB-0+deb12u1-log', 'mariadb'],
    ['11.8.2-MariaDB', 'mariadb'],
    ['5.7.44-log', 'mysql-5.7'],
    ['8.0.21', 'mysql-8.0'],
    ['8.0.36', 'mysql-8.0'],
    ['8.3.0', 'mysql-8.0'],
    ['8.4.3', 'mysql-8.4'],
    ['9.1.0', 'mysql-8.4'],
  ])('%s speaks %s', (version, id) => expect(d(version).id).toBe(id));

  it('guesses the version an image runs from its name and tag', () => {
    expect(guessImageVersion('mysql:8.0')).toMatchObject({ flavor: 'mysql', major: 8, minor: 0, patch: 999 });
    expect(guessImageVersion('mysql:5.7.44')).toMatchObject({ major: 5, minor: 7, patch: 44 });
    expect(guessImageVersion('mariadb:11.4')).toMatchObject({ flavor: 'mariadb', major: 11, minor: 4 });
    expect(guessImageVersion('registry:5000/team/mariadb')).toMatchObject({ flavor: 'mariadb' });
    expect(dialectFor(guessImageVersion('mysql')).id).toBe('mysql-8.4');
    expect(dialectFor(guessImageVersion('replikit/mariadb:10.11')).id).toBe('mariadb');
  });
});

describe('MariaDB', () => {
  const m = d('10.11.6-MariaDB');
  it('creates the replication user with only the replication privileges', () => {
    expect(m.createReplicationUser('repl', `p'w"\\$x`, true)).toEqual([
      `CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY ${pw} REQUIRE SSL`,
      `ALTER USER 'repl'@'%' IDENTIFIED BY ${pw} REQUIRE SSL`,
      "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'repl'@'%'",
    ]);
  });
  it('uses CHANGE MASTER TO with file and position, or MASTER_USE_GTID=slave_pos', () => {
    expect(m.changeSource(position)).toBe(
      `CHANGE MASTER TO MASTER_HOST='shop-primary', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=${pw}, MASTER_CONNECT_RETRY=2, MASTER_SSL=1, MASTER_SSL_CA='/run/secrets/replikit-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT=1, MASTER_LOG_FILE='primary-bin.000003', MASTER_LOG_POS=1234`,
    );
    expect(m.changeSource(gtid)).toBe(
      `CHANGE MASTER TO MASTER_HOST='shop-primary', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=${pw}, MASTER_CONNECT_RETRY=2, MASTER_SSL=1, MASTER_SSL_CA='/run/secrets/replikit-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT=1, MASTER_USE_GTID=slave_pos`,
    );
  });
  it('keeps the SLAVE statements and has no super_read_only', () => {
    expect([m.binlogStatus(), m.startReplica(), m.stopReplica(), m.replicaStatus(), m.resetReplica()]).toEqual([
      'SHOW MASTER STATUS',
      'START SLAVE',
      'STOP SLAVE',
      'SHOW SLAVE STATUS',
      'RESET SLAVE ALL',
    ]);
    expect(m.readOnly()).toEqual(['SET GLOBAL read_only=ON']);
    expect(m.gtidPosition()).toBe('SELECT @@GLOBAL.gtid_binlog_pos AS gtid');
  });
  it('reads a dump header and adopts its GTID position', () => {
    const header =
      "-- CHANGE MASTER TO MASTER_LOG_FILE='primary-bin.000001', MASTER_LOG_POS=2375;\n-- SET GLOBAL gtid_slave_pos='0-101-12';\n";
    const c = m.parseDumpCoordinates(header)!;
    expect(c).toEqual({ file: 'primary-bin.000001', position: 2375, gtid: '0-101-12' });
    expect(m.adoptSnapshot(c)).toEqual(["SET GLOBAL gtid_slave_pos = '0-101-12'"]);
    expect(m.dumpCommand(['shop'])).toEqual(
      expect.arrayContaining(['mariadb-dump', '--single-transaction', '--master-data=2', '--gtid', '--databases', 'shop']),
    );
  });
});

describe('MySQL 5.7', () => {
  const m = d('5.7.44');
  it('uses the classic statements with MASTER_AUTO_POSITION for GTID and super_read_only', () => {
    expect(m.changeSource(position)).toBe(
      `CHANGE MASTER TO MASTER_HOST='shop-primary', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=${pw}, MASTER_CONNECT_RETRY=2, MASTER_SSL=1, MASTER_SSL_CA='/run/secrets/replikit-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT=1, MASTER_RETRY_COUNT=86400, MASTER_LOG_FILE='primary-bin.000003', MASTER_LOG_POS=1234`,
    );
    expect(m.changeSource(gtid)).toMatch(/, MASTER_AUTO_POSITION=1$/);
    expect([m.binlogStatus(), m.startReplica(), m.replicaStatus()]).toEqual(['SHOW MASTER STATUS', 'START SLAVE', 'SHOW SLAVE STATUS']);
    expect(m.readOnly()).toEqual(['SET GLOBAL read_only=ON', 'SET GLOBAL super_read_only=ON']);
    expect(m.gtidSettings()).toEqual({ gtid_mode: 'ON', enforce_gtid_consistency: 'ON' });
    expect(m.dumpCommand(['a'])).toContain('--master-data=2');
  });
});

describe('MySQL 8.0', () => {
  it('before 8.0.22: CHANGE MASTER TO with GET_MASTER_PUBLIC_KEY for caching_sha2_password', () => {
    const m = d('8.0.21');
    expect(m.changeSource(position)).toBe(
      `CHANGE MASTER TO MASTER_HOST='shop-primary', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD=${pw}, MASTER_CONNECT_RETRY=2, MASTER_SSL=1, MASTER_SSL_CA='/run/secrets/replikit-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT=1, MASTER_RETRY_COUNT=86400, MASTER_LOG_FILE='primary-bin.000003', MASTER_LOG_POS=1234, GET_MASTER_PUBLIC_KEY=1`,
    );
    expect([m.startReplica(), m.replicaStatus(), m.settingName('log_replica_updates')]).toEqual([
      'START SLAVE',
      'SHOW SLAVE STATUS',
      'log_slave_updates',
    ]);
    expect(m.binlogExpiry(604800)).toEqual({ binlog_expire_logs_seconds: 604800 });
  });
  it('8.0.22: START REPLICA and SHOW REPLICA STATUS, still CHANGE MASTER TO', () => {
    const m = d('8.0.22');
    expect([m.startReplica(), m.stopReplica(), m.resetReplica(), m.replicaStatus()]).toEqual([
      'START REPLICA',
      'STOP REPLICA',
      'RESET REPLICA ALL',
      'SHOW REPLICA STATUS',
    ]);
    expect(m.changeSource(position)).toMatch(/^CHANGE MASTER TO .*GET_MASTER_PUBLIC_KEY=1$/);
  });
  it('8.0.23+: CHANGE REPLICATION SOURCE TO with GET_SOURCE_PUBLIC_KEY', () => {
    const m = d('8.0.36');
    expect(m.changeSource(position)).toBe(
      `CHANGE REPLICATION SOURCE TO SOURCE_HOST='shop-primary', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=${pw}, SOURCE_CONNECT_RETRY=2, SOURCE_SSL=1, SOURCE_SSL_CA='/run/secrets/replikit-ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1, SOURCE_RETRY_COUNT=86400, SOURCE_LOG_FILE='primary-bin.000003', SOURCE_LOG_POS=1234, GET_SOURCE_PUBLIC_KEY=1`,
    );
    expect(m.changeSource(gtid)).toBe(
      `CHANGE REPLICATION SOURCE TO SOURCE_HOST='shop-primary', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD=${pw}, SOURCE_CONNECT_RETRY=2, SOURCE_SSL=1, SOURCE_SSL_CA='/run/secrets/replikit-ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT=1, SOURCE_RETRY_COUNT=86400, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1`,
    );
    expect(m.binlogStatus()).toBe('SHOW MASTER STATUS');
    expect([m.settingName('log_replica_updates'), m.settingName('replica_skip_errors')]).toEqual([
      'log_replica_updates',
      'replica_skip_errors',
    ]);
    expect(m.waitForCoordinates({ file: 'f', position: 4 }, 10).sql).toBe("SELECT SOURCE_POS_WAIT('f', 4, 10) AS result");
    expect(m.dumpCommand(['a'])).toContain('--source-data=2');
  });
});

describe('MySQL 8.4 and later', () => {
  const m = d('8.4.3');
  it('reads coordinates with SHOW BINARY LOG STATUS; only the new statement forms', () => {
    expect(m.binlogStatus()).toBe('SHOW BINARY LOG STATUS');
    expect(m.changeSource(position)).toMatch(/^CHANGE REPLICATION SOURCE TO SOURCE_HOST=.*GET_SOURCE_PUBLIC_KEY=1$/);
    const all = [
      m.binlogStatus(),
      m.startReplica(),
      m.stopReplica(),
      m.resetReplica(),
      m.replicaStatus(),
      m.changeSource(position),
      m.changeSource(gtid),
    ];
    for (const sql of all) expect(sql).not.toMatch(/MASTER|SLAVE/);
  });
  it('leaves the authentication plugin to the server default (no mysql_native_password)', () => {
    for (const sql of m.createReplicationUser('repl', 'x', false)) expect(sql).not.toMatch(/IDENTIFIED WITH|native/i);
    expect(m.readOnly()).toEqual(['SET GLOBAL read_only=ON', 'SET GLOBAL super_read_only=ON']);
    expect(m.waitForCoordinates({ file: 'f', position: 1, gtid: 'uuid:1-5' }, 5).sql).toBe(
      "SELECT WAIT_FOR_EXECUTED_GTID_SET('uuid:1-5', 5) AS result",
    );
  });
});

describe('settings changed at run time', () => {
  it('turns option-file values into SET GLOBAL values, and a removed setting into DEFAULT', () => {
    expect(setGlobal('max-connections', '80')).toBe('SET GLOBAL max_connections = 80');
    expect(setGlobal('binlog_cache_size', '1M')).toBe('SET GLOBAL binlog_cache_size = 1048576');
    expect(setGlobal('loose-slave_parallel_mode', 'optimistic')).toBe("SET GLOBAL slave_parallel_mode = 'optimistic'");
    expect(setGlobal('slow_query_log', 'on')).toBe('SET GLOBAL slow_query_log = ON');
    expect(setGlobal('max_connections', undefined)).toBe('SET GLOBAL max_connections = DEFAULT');
  });
  it('knows which settings change without a restart, per flavour', () => {
    expect(
      ['binlog_format', 'max_connections', 'slave_parallel_threads', 'thread_stack'].map((n) => d('10.11.6-MariaDB').isDynamic(n)),
    ).toEqual([true, true, true, false]);
    expect(
      ['binlog_format', 'replica_parallel_workers', 'slave_parallel_threads', 'innodb_log_file_size'].map((n) => d('9.7.4-2').isDynamic(n)),
    ).toEqual([true, true, false, false]);
    // Each flavour's own name for a statement's time limit: MariaDB has no max_execution_time.
    expect(['max_execution_time', 'max_statement_time'].map((n) => d('10.11.6-MariaDB').isDynamic(n))).toEqual([false, true]);
    expect(['max_execution_time', 'max_statement_time'].map((n) => d('9.7.4-2').isDynamic(n))).toEqual([true, false]);
  });
});

describe('snapshot dumps', () => {
  it('pass schema names after --, so a name that starts with - is never read as an option', () => {
    for (const v of ['10.11.6-MariaDB', '5.7.44', '8.0.36', '9.7.4-2'])
      expect(d(v).dumpCommand(['-weird', 'shop']).slice(-4)).toEqual(['--databases', '--', '-weird', 'shop']);
  });
});

describe('status rows', () => {
  it('reads both the Slave_/Master_ and the Replica_/Source_ column names', () => {
    const old = normaliseReplicaStatus({
      Master_Host: 'h',
      Master_Port: 3306,
      Slave_IO_Running: 'Yes',
      Slave_SQL_Running: 'No',
      Seconds_Behind_Master: null,
      Last_IO_Error: '',
      Last_SQL_Error: 'boom',
    });
    const neu = normaliseReplicaStatus({
      Source_Host: 'h',
      Source_Port: 3306,
      Replica_IO_Running: 'Yes',
      Replica_SQL_Running: 'No',
      Seconds_Behind_Source: null,
      Last_IO_Error: '',
      Last_SQL_Error: 'boom',
    });
    expect(neu).toEqual(old);
    expect(old).toMatchObject({ sourceHost: 'h', ioRunning: 'Yes', sqlRunning: 'No', secondsBehind: null, lastSqlError: 'boom' });
    expect(normaliseReplicaStatus(undefined)).toBeUndefined();
    expect(parseBinlogStatus({ File: 'b.000001', Position: 328, Executed_Gtid_Set: 'u:1-3,\nv:1' })).toEqual({
      file: 'b.000001',
      position: 328,
      gtid: 'u:1-3,v:1',
    });
    expect(parseBinlogStatus(undefined)).toBeUndefined();
  });
});

describe('what every flavour needs beyond statements', () => {
  const maria = dialectFor(parseServerVersion('10.11.6-MariaDB'));
  const my97 = dialectFor(parseServerVersion('9.7.4-2'));
  const my80 = dialectFor(parseServerVersion('8.0.36'));
  it('changes only the credentials of a replica, so its source and position stay', () => {
    expect(maria.changeCredentials('repl', "n'w", 'off')).toBe(
      "CHANGE MASTER TO MASTER_USER='repl', MASTER_PASSWORD='n\\'w', MASTER_SSL=0, MASTER_SSL_VERIFY_SERVER_CERT=0",
    );
    expect(my97.changeCredentials('repl', 'x', 'required')).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_USER='repl', SOURCE_PASSWORD='x', SOURCE_SSL=1, SOURCE_SSL_CA='/run/secrets/replikit-ca.pem', SOURCE_SSL_VERIFY_SERVER_CERT=0",
    );
    expect(d('5.7.44').changeCredentials('repl', 'x', 'verify')).toBe(
      "CHANGE MASTER TO MASTER_USER='repl', MASTER_PASSWORD='x', MASTER_SSL=1, MASTER_SSL_CA='/run/secrets/replikit-ca.pem', MASTER_SSL_VERIFY_SERVER_CERT=1",
    );
  });
  it('lifts super_read_only for root work where it exists, and nothing on MariaDB', () => {
    expect(maria.adminWritable()).toBeUndefined();
    expect(my97.adminWritable()).toEqual({
      check: 'SELECT @@GLOBAL.super_read_only AS ro',
      lift: ['SET GLOBAL super_read_only=OFF'],
      restore: ['SET GLOBAL super_read_only=ON'],
    });
  });
  it("empties the GTID state of a snapshot target in each version's words", () => {
    expect([maria.prepareSnapshotTarget(), my97.prepareSnapshotTarget(), my80.prepareSnapshotTarget()]).toEqual([
      [],
      ['RESET BINARY LOGS AND GTIDS'],
      ['RESET MASTER'],
    ]);
  });
  it('reads GTID use from the status of each flavour', () => {
    expect([maria.usingGtid({ usingGtid: 'Slave_Pos' }), maria.usingGtid({ usingGtid: 'No' })]).toEqual([true, false]);
    expect([my97.usingGtid({ usingGtid: '1' }), my97.usingGtid({ usingGtid: '0' })]).toEqual([true, false]);
    // MariaDB keeps a position by file and offset outside the transaction: its links are by GTID in both modes.
    expect([maria.linkMode('position'), maria.linkMode('gtid'), my97.linkMode('position'), my97.linkMode('gtid')]).toEqual([
      'gtid',
      'gtid',
      'position',
      'gtid',
    ]);
  });
  it("reads the flavour and version from a server binary's --version", () => {
    expect(parseServerVersion('/usr/sbin/mysqld  Ver 9.7.4-2 for Linux on x86_64 ((Debian))')).toMatchObject({
      flavor: 'mysql',
      major: 9,
      minor: 7,
      patch: 4,
    });
    expect(parseServerVersion('mariadbd  Ver 11.8.9-MariaDB-0+deb13u1 from Debian')).toMatchObject({
      flavor: 'mariadb',
      major: 11,
      minor: 8,
      patch: 9,
    });
  });
  it("takes the version from the official images' environment", () => {
    expect(versionFromEnv(['PATH=/bin', 'MARIADB_VERSION=1:11.4.2+maria~ubu2404'])).toMatchObject({
      flavor: 'mariadb',
      major: 11,
      minor: 4,
      patch: 2,
    });
    expect(versionFromEnv(['MYSQL_MAJOR=8.4', 'MYSQL_VERSION=8.4.0-1.el9'])).toMatchObject({
      flavor: 'mysql',
      major: 8,
      minor: 4,
      patch: 0,
    });
    expect(versionFromEnv(['PATH=/bin'])).toBeUndefined();
  });
  it("keeps every flavour's image facts in its module", () => {
    expect(FLAVORS.map((f) => [f.name, f.envPrefix, f.perCopyFiles])).toEqual([
      ['mariadb', 'MARIADB', []],
      ['mysql', 'MYSQL', ['auto.cnf']],
    ]);
  });
});

describe('MySQL dump header', () => {
  it('gives the coordinates and the GTID set the dump purges', () => {
    const header = [
      "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5';",
      "-- CHANGE REPLICATION SOURCE TO SOURCE_LOG_FILE='primary-bin.000001', SOURCE_LOG_POS=1887;",
    ].join('\n');
    expect(d('9.7.4').parseDumpCoordinates(header)).toEqual({
      file: 'primary-bin.000001',
      position: 1887,
      gtid: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5',
    });
    expect(d('5.7.44').parseDumpCoordinates("-- CHANGE MASTER TO MASTER_LOG_FILE='b.000002', MASTER_LOG_POS=4;")).toEqual({
      file: 'b.000002',
      position: 4,
    });
  });
});

describe('GTIDs one server holds and another lacks (failover picks, errant transactions)', () => {
  const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const B = '4a22fb58-82db-22f2-af44-d91bb0530673';
  it('MySQL: interval arithmetic on GTID sets, tags and line breaks as gtid_executed prints them', () => {
    expect(mysqlGtidsMissing(`${A}:1-20`, `${A}:1-20`)).toEqual({ text: '', count: 0 });
    expect(mysqlGtidsMissing(`${A}:1-20,\n${B}:1-3`, `${A}:1-17`)).toEqual({ text: `${A}:18-20,${B}:1-3`, count: 6 });
    expect(mysqlGtidsMissing(`${A}:1-10:12-20`, `${A}:3-5:15`)).toEqual({ text: `${A}:1-2:6-10:12-14:16-20`, count: 15 });
    expect(mysqlGtidsMissing(`${A.toUpperCase()}:1-5:tag:1-2`, `${A}:1-5`)).toEqual({ text: `${A}:tag:1-2`, count: 2 });
    expect(mysqlGtidsMissing('', `${A}:1-5`)).toEqual({ text: '', count: 0 });
  });

  it('MariaDB: sequence numbers past the other position, domain by domain', () => {
    expect(mariadbGtidsMissing('0-101-20', '0-101-25')).toEqual({ text: '', count: 0 });
    // Two servers that each wrote their own transaction 20: not the same one.
    expect(mariadbGtidsMissing('0-101-20', '0-102-20')).toEqual({ text: '0-101-20', count: 1 });
    expect(mariadbGtidsMissing('0-101-20', '0-101-17')).toEqual({ text: '0-101-18..20', count: 3 });
    expect(mariadbGtidsMissing('0-101-20,1-7-4', '0-101-30')).toEqual({ text: '1-7-1..4', count: 4 });
    expect(mariadbGtidsMissing('0-101-18', '0-101-17')).toEqual({ text: '0-101-18', count: 1 });
  });
});

describe('semi-synchronous replication, lossless', () => {
  const s = { replicas: 2, timeoutMs: 5000 };
  const of = (v: string) => dialectFor(parseServerVersion(v));
  it('MySQL 8.0.26 and later: the source and replica plugins, AFTER_SYNC, the count; each side by role', () => {
    expect(of('9.7.4').semiSyncSettings('primary', s)).toEqual({
      plugin_load_add: 'semisync_source.so;semisync_replica.so',
      rpl_semi_sync_source_enabled: 'ON',
      rpl_semi_sync_source_wait_point: 'AFTER_SYNC',
      rpl_semi_sync_source_wait_for_replica_count: 2,
      rpl_semi_sync_source_timeout: 5000,
      rpl_semi_sync_replica_enabled: 'OFF',
    });
    expect(of('8.0.26').semiSyncSettings('replica', s)).toMatchObject({
      rpl_semi_sync_source_enabled: 'OFF',
      rpl_semi_sync_replica_enabled: 'ON',
    });
  });
  it('MySQL before 8.0.26: master and slave names and plugins', () => {
    expect(Object.keys(of('8.0.25').semiSyncSettings('primary', s))).toEqual([
      'plugin_load_add',
      'rpl_semi_sync_master_enabled',
      'rpl_semi_sync_master_wait_point',
      'rpl_semi_sync_master_wait_for_slave_count',
      'rpl_semi_sync_master_timeout',
      'rpl_semi_sync_slave_enabled',
    ]);
    expect(of('5.7.44').semiSyncSettings('primary', s).plugin_load_add).toBe('semisync_master.so;semisync_slave.so');
  });
  it('MariaDB: built in, AFTER_SYNC (its default, AFTER_COMMIT, is not lossless), one replica', () => {
    expect(of('10.11.6-MariaDB').semiSyncSettings('primary', s)).toEqual({
      rpl_semi_sync_master_enabled: 'ON',
      rpl_semi_sync_master_wait_point: 'AFTER_SYNC',
      rpl_semi_sync_master_timeout: 5000,
      rpl_semi_sync_slave_enabled: 'OFF',
    });
  });
  it('every semi-sync variable changes at run time; the plugins load only at start', () => {
    for (const v of ['9.7.4', '8.0.25', '10.11.6-MariaDB']) {
      const d = of(v);
      const names = Object.keys(d.semiSyncSettings('primary', s));
      expect(names.filter((n) => !d.isDynamic(n))).toEqual(names.includes('plugin_load_add') ? ['plugin_load_add'] : []);
    }
  });
});

describe('a former primary measured against the point its successor was promoted at (MariaDB)', () => {
  it('its own tail past that point is errant; what it applied from its successor since is not', () => {
    expect(mariadbGtidsMissing('0-101-13', '0-102-20', '0-101-10')).toEqual({ text: '0-101-11..13', count: 3 });
    expect(mariadbGtidsMissing('0-101-10', '0-102-20', '0-101-10')).toEqual({ text: '', count: 0 });
    // Rebuilt or rejoined, it holds its successor's own transactions: nothing errant.
    expect(mariadbGtidsMissing('0-102-20', '0-102-20', '0-101-10')).toEqual({ text: '', count: 0 });
  });
});
