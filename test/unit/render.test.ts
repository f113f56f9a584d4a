import { derivedServerId } from '../../src/topology/server-id';
import * as ini from 'ini';
import { profileCnf, renderNode } from '../../src/render/mycnf';
import { dialectFor, parseServerVersion } from '../../src/flavors';
import { parse, VALID } from './helpers';

const d = (version: string) => dialectFor(parseServerVersion(version));
const v = d;
const mysqld = (text: string) => (ini.decode(text) as Record<string, Record<string, string>>).mysqld;

describe('my.cnf rendering', () => {
  const t = parse(VALID);
  const [primary, replica] = t.nodes;

  it('renders the primary with the base settings and utf8mb4 for server and clients', () => {
    const text = renderNode(t, primary).text;
    const cnf = ini.decode(text) as Record<string, Record<string, string>>;
    expect(cnf.mysqld).toMatchObject({
      server_id: '101',
      log_bin: 'primary-bin',
      binlog_format: 'ROW',
      binlog_ignore_db: 'mysql',
      binlog_expire_logs_seconds: '604800',
      character_set_server: 'utf8mb4',
      collation_server: 'utf8mb4_unicode_ci',
      read_only: 'OFF',
    });
    // Role-independent so that a switchover changes nothing but read_only.
    expect(cnf.mysqld).toMatchObject({ relay_log: 'primary-relay-bin', log_replica_updates: 'ON' });
    expect(cnf.client).toEqual({ default_character_set: 'utf8mb4' });
  });

  it('renders replicas read-only, node settings last', () => {
    const cnf = mysqld(renderNode(t, replica).text);
    expect(cnf).toMatchObject({
      server_id: String(derivedServerId('shop', 'replica1')),
      relay_log: 'replica1-relay-bin',
      log_replica_updates: 'ON',
      read_only: 'ON',
      max_connections: '200',
    });
  });

  it("a my.cnf written for mysqld: its binary log basename is used, its expire_logs_days in the server's own setting", () => {
    const seed = parse(VALID.replace('max_connections: 200', 'log-bin: mall-mysql-slave1-bin\n      expire_logs_days: 7'));
    const onMysql = mysqld(renderNode(seed, seed.nodes[1], v('9.7.4')).text);
    expect([onMysql['log-bin'], onMysql.log_bin, onMysql.binlog_expire_logs_seconds, onMysql.expire_logs_days]).toEqual([
      'mall-mysql-slave1-bin',
      undefined,
      '604800',
      undefined,
    ]);
    const onMariaDb = mysqld(renderNode(seed, seed.nodes[1], v('10.11.6-MariaDB')).text);
    expect([onMariaDb['log-bin'], onMariaDb.expire_logs_days, onMariaDb.binlog_expire_logs_seconds]).toEqual([
      'mall-mysql-slave1-bin',
      '7',
      undefined,
    ]);
  });

  it('spells settings the way the server version needs', () => {
    const legacy = mysqld(renderNode(t, replica, v('8.0.25')).text);
    expect(legacy.log_slave_updates).toBe('ON');
    expect(legacy.log_replica_updates).toBeUndefined();
    const maria = mysqld(renderNode(t, replica, v('10.11.6-MariaDB')).text);
    expect([maria.log_slave_updates, maria.expire_logs_days, maria.binlog_expire_logs_seconds]).toEqual(['ON', '7', undefined]);
    expect(mysqld(renderNode(t, replica, v('5.7.44')).text).expire_logs_days).toBe('7');
  });

  it('writes repeated binlog_ignore_db lines, skip errors and GTID settings when asked', () => {
    const g = parse(
      VALID.replace('mode: position', 'mode: gtid')
        .replace('[mysql]', '[mysql, audit]')
        .replace('skip_errors: []', 'skip_errors: [1062, 1032]'),
    );
    const text = renderNode(g, g.nodes[1]).text;
    expect(text).toContain('binlog_ignore_db = mysql\nbinlog_ignore_db = audit\n');
    expect(text).not.toContain('[]');
    expect(mysqld(text)).toMatchObject({ replica_skip_errors: '1062,1032', gtid_mode: 'ON', enforce_gtid_consistency: 'ON' });
    const maria = g.nodes.map((n) => ({ ...n, image: 'mariadb:11.4' }));
    const m = mysqld(renderNode({ ...g, nodes: maria }, maria[1]).text);
    expect([m.gtid_strict_mode, m.gtid_mode, m.slave_skip_errors]).toEqual(['ON', undefined, '1062,1032']);
  });

  it('renders primary and replica alike but for read_only, which binds root too where the server can', () => {
    const asReplica = { ...primary, role: 'replica' as const };
    const diff = (a: string, b: string) => a.split('\n').filter((l) => !b.split('\n').includes(l));
    expect(diff(renderNode(t, asReplica).text, renderNode(t, primary).text)).toEqual([
      "# my.cnf for node 'primary' (replica) of topology 'shop', rendered by replikit.",
      'read_only = ON',
      'super_read_only = ON',
    ]);
    const maria = diff(renderNode(t, asReplica, v('10.11.6-MariaDB')).text, renderNode(t, primary, v('10.11.6-MariaDB')).text);
    expect(maria).toEqual(["# my.cnf for node 'primary' (replica) of topology 'shop', rendered by replikit.", 'read_only = ON']);
  });

  it("writes the dev profile redo log size in each version's own setting", () => {
    const dev = parse(VALID);
    const redo = (version: string) => {
      const m = mysqld(renderNode(dev, dev.nodes[0], v(version)).text);
      return [m.innodb_redo_log_capacity, m.innodb_log_file_size];
    };
    expect(redo('9.7.4')).toEqual(['8M', undefined]);
    expect(redo('8.0.30')).toEqual(['8M', undefined]);
    // Before 8.0.30 the capacity is two files of innodb_log_file_size each.
    expect(redo('8.0.29')).toEqual([undefined, '4M']);
    expect(redo('5.7.44')).toEqual([undefined, '4M']);
    expect(redo('10.11.6-MariaDB')).toEqual([undefined, '8M']);
    expect(profileCnf('dev', d('10.11.6-MariaDB'))).toContain('innodb_log_file_size = 8M');
    expect(profileCnf('dev', d('9.7.4'))).toContain('innodb_redo_log_capacity = 8M');
  });

  it('lets a node override a template setting, whatever its spelling', () => {
    const custom = parse(VALID.replace('max_connections: 200', 'binlog-cache-size: 2M\n      binlog_format: MIXED'));
    const cnf = mysqld(renderNode(custom, custom.nodes[1]).text);
    expect(cnf['binlog-cache-size']).toBe('2M');
    expect(cnf.binlog_cache_size).toBeUndefined();
    expect(cnf.binlog_format).toBe('MIXED');
  });

  it('is pure: same topology, same text and hash; a change changes the hash', () => {
    const a = renderNode(t, replica);
    expect(renderNode(parse(VALID), parse(VALID).nodes[1])).toEqual(a);
    const changed = parse(VALID.replace('max_connections: 200', 'max_connections: 300'));
    expect(renderNode(changed, changed.nodes[1]).hash).not.toBe(a.hash);
  });

  it('renders the dev profile by default, production when asked', () => {
    const dev = renderNode(parse(VALID), parse(VALID).nodes[0]).text;
    expect(dev).toContain('innodb_buffer_pool_size = 32M');
    expect(dev).toContain('performance_schema = OFF');
    expect(dev).toContain('loose-aria_pagecache_buffer_size = 1M');
    const prodTopology = parse(VALID.replace('image: mysql:8.0', 'image: mysql:8.0\nprofile: production'));
    const prod = renderNode(prodTopology, prodTopology.nodes[0]).text;
    expect(prod).toContain('innodb_buffer_pool_size = 256M');
    expect(prod).toContain('sync_binlog = 1');
    expect(prod).not.toContain('performance_schema');
  });
});

describe('parallel apply', () => {
  const t = parse(VALID);
  const settings = (version: string, workers = 4) => {
    const m = mysqld(renderNode({ ...t, replication: { ...t.replication, parallelWorkers: workers } }, t.nodes[0], d(version)).text);
    return Object.fromEntries(Object.entries(m).filter(([k]) => /parallel|commit_order/.test(k)));
  };
  it("is on for every node by default, in each version's own settings, keeping the commit order", () => {
    expect(settings('10.11.6-MariaDB')).toEqual({ slave_parallel_threads: '4', slave_parallel_mode: 'optimistic' });
    expect(settings('9.7.4')).toEqual({ replica_parallel_workers: '4', replica_preserve_commit_order: 'ON' });
    expect(settings('8.0.26')).toEqual({
      replica_parallel_workers: '4',
      replica_parallel_type: 'LOGICAL_CLOCK',
      replica_preserve_commit_order: 'ON',
    });
    expect(settings('8.0.25')).toEqual({
      slave_parallel_workers: '4',
      slave_parallel_type: 'LOGICAL_CLOCK',
      slave_preserve_commit_order: 'ON',
    });
    expect(settings('5.7.44')).toEqual({
      slave_parallel_workers: '4',
      slave_parallel_type: 'LOGICAL_CLOCK',
      slave_preserve_commit_order: 'ON',
    });
  });
  it('follows replication.parallel_workers, down to one at a time', () => {
    expect(settings('10.11.6-MariaDB', 8)).toEqual({ slave_parallel_threads: '8', slave_parallel_mode: 'optimistic' });
    expect(settings('10.11.6-MariaDB', 0)).toEqual({ slave_parallel_threads: '0' });
    expect(settings('9.7.4', 0)).toEqual({ replica_parallel_workers: '1' });
    expect(settings('5.7.44', 0)).toEqual({ slave_parallel_workers: '0' });
  });
});

describe('TLS settings', () => {
  it('every server gets the topology CA, its certificate and key unless replication.tls is off', () => {
    const t = parse(VALID);
    expect(mysqld(renderNode(t, t.nodes[0]).text)).toMatchObject({
      ssl_ca: '/run/secrets/replikit-ca.pem',
      ssl_cert: '/run/secrets/replikit-cert.pem',
      ssl_key: '/run/secrets/replikit-key.pem',
    });
    const off = parse(VALID.replace('replication:\n', 'replication:\n  tls: off\n'));
    expect(Object.keys(mysqld(renderNode(off, off.nodes[0]).text)).filter((k) => k.startsWith('ssl'))).toEqual([]);
  });
});
