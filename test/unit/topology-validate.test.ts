import { parse, problemsOf, VALID } from './helpers';
import { formatProblem, InputError } from '../../src/errors';
import { loadTopology } from '../../src/topology/load';
import { derivedServerId } from '../../src/topology/server-id';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('server ids', () => {
  const file = (nodes: string) =>
    `version: 1\nname: s\nimage: mariadb:11.4\ncredentials: { root_password: a, replication_password: b }\nnodes:\n${nodes}`;
  const ids = (nodes: string) => Object.fromEntries(parse(file(nodes)).nodes.map((n) => [n.name, n.serverId]));

  it('do not move when other nodes are added, removed or reordered', () => {
    const before = ids('  p: { role: primary }\n  r1: { role: replica }\n  r2: { role: replica }\n');
    const after = ids('  r0: { role: replica }\n  r2: { role: replica }\n  r1: { role: primary }\n');
    expect(after.r2).toBe(before.r2);
    expect(after.r1).toBe(before.r1);
    expect(new Set(Object.values(after)).size).toBe(3);
    // The id depends on the topology too: two topologies' nodes of one name differ.
    expect(derivedServerId('s', 'r1')).not.toBe(derivedServerId('t', 'r1'));
    for (const id of Object.values(after)) {
      expect(id).toBeGreaterThanOrEqual(1);
      expect(id).toBeLessThanOrEqual(4294967295);
    }
  });

  it('refuses a given id equal to one derived for another node, at the derived node', () => {
    const taken = derivedServerId('s', 'r1');
    const [problem, ...more] = problemsOf(file(`  p: { role: primary, server_id: ${taken} }\n  r1: { role: replica }\n`));
    expect(more).toEqual([]);
    expect(problem).toMatchObject({
      path: 'nodes.r1',
      message: `the server_id derived from this node's name (${taken}) is already used by 'p'`,
      hint: 'give this node a server_id: of its own',
    });
  });
});

describe('a valid topology', () => {
  it('loads with every default filled in and sources before replicas', () => {
    const t = parse(VALID);
    expect(t.name).toBe('shop');
    expect(t.credentials).toEqual({ rootPassword: 'rootpw', replicationUser: 'repl', replicationPassword: 'replpw' });
    expect(t.replication).toEqual({
      mode: 'position',
      binlogFormat: 'ROW',
      ignoreDatabases: ['mysql'],
      skipErrors: [],
      parallelWorkers: 4,
      semiSync: false,
      tls: 'verify',
      charset: 'utf8mb4',
    });
    expect(t.nodes.map((n) => [n.name, n.role, n.source, n.serverId, n.port, n.bind, n.image])).toEqual([
      ['primary', 'primary', undefined, 101, 3307, '127.0.0.1', 'mysql:8.0'],
      ['replica1', 'replica', 'primary', derivedServerId('shop', 'replica1'), 3308, '127.0.0.1', 'mysql:8.0'],
    ]);
    expect(t.nodes[1].mysqld).toEqual({ max_connections: 200 });
    expect(t.warnings).toEqual([]);
  });

  it('derives server ids from the names, keeps the explicit ones and defaults source to the primary', () => {
    const t = parse(`version: 1
name: s
image: mariadb:11.4
credentials: { root_password: a, replication_password: b }
nodes:
  r2: { role: replica, source: r1 }
  p: { role: primary, server_id: 2 }
  r1: { role: replica }
`);
    expect(t.nodes.map((n) => `${n.name}:${n.serverId}:${n.source ?? '-'}`)).toEqual([
      'p:2:-',
      `r1:${derivedServerId('s', 'r1')}:p`,
      `r2:${derivedServerId('s', 'r2')}:r1`,
    ]);
    // Every default comes from the schema, into a file that says none of them.
    expect([t.profile, t.credentials.replicationUser, t.replication, t.init, t.nodes[0].bind, t.nodes[0].mysqld]).toEqual([
      'dev',
      'repl',
      {
        mode: 'position',
        binlogFormat: 'ROW',
        ignoreDatabases: [],
        skipErrors: [],
        parallelWorkers: 4,
        tls: 'verify',
        semiSync: false,
        charset: 'utf8mb4',
      },
      [],
      '127.0.0.1',
      {},
    ]);
  });

  it('warns about skip_errors without refusing them', () => {
    const t = parse(VALID.replace('skip_errors: []', 'skip_errors: [1062]'));
    expect(t.replication.skipErrors).toEqual([1062]);
    expect(t.warnings[0]).toMatch(/skip_errors \(1062\).*diverge/);
  });

  it('ships example configs that all validate', () => {
    for (const f of ['classic', 'two-replicas', 'gtid', 'chain', 'many-replicas', 'seeded', 'swarm']) {
      const t = loadTopology(`${__dirname}/../../configs/${f}.yaml`, {
        env: { MYSQL_ROOT_PASSWORD: 'x', MYSQL_REPLICATION_PASSWORD: 'y' },
      });
      expect(t.nodes.filter((n) => n.role === 'primary')).toHaveLength(1);
    }
  });
});

describe('validation errors', () => {
  it('points a misspelt key at its file:line:column and suggests the nearest valid key', () => {
    const [p, ...rest] = problemsOf(VALID.replace('    source: primary', '    sorce: primary'));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({
      file: '/tmp/topo/replikit.yaml',
      line: 21,
      column: 5,
      path: 'nodes.replica1.sorce',
      message: "unknown key 'sorce'",
      hint: "did you mean 'source'?",
    });
    expect(formatProblem(p)).toBe("/tmp/topo/replikit.yaml:21:5: nodes.replica1.sorce: unknown key 'sorce' (did you mean 'source'?)");
  });

  it('suggests the nearest enum value', () => {
    const [p] = problemsOf(VALID.replace('mode: position', 'mode: gtd'));
    expect(p).toMatchObject({ path: 'replication.mode', line: 9, hint: "did you mean 'gtid'?" });
  });

  it('reports every problem of a file at once', () => {
    const text = VALID.replace('name: shop', 'name: Shop')
      .replace('mode: position', 'mode: nope')
      .replace('    port: 3308', '    port: 3307')
      .replace('    source: primary', '    source: ghost');
    const problems = problemsOf(text);
    expect(problems.map((p) => p.path)).toEqual(['name', 'replication.mode', 'nodes.replica1.source', 'nodes.replica1.port']);
  });

  it('requires exactly one primary', () => {
    expect(problemsOf(VALID.replace('role: primary', 'role: replica'))[0].message).toMatch(/no node has role: primary/);
    const two = problemsOf(VALID.replace('    role: replica\n    source: primary', '    role: primary'));
    expect(two.map((p) => `${p.path}: ${p.message}`)).toContain("nodes.replica1.role: a second primary ('primary' is already primary)");
  });

  it('refuses duplicate server ids and host ports, naming the node that has them', () => {
    const text = VALID.replace('    port: 3308', '    port: 3307\n    server_id: 101');
    expect(problemsOf(text).map((p) => p.message)).toEqual([
      "host port 3307 is already used by 'primary'",
      "server_id 101 is already used by 'primary'",
    ]);
  });

  it('refuses a source that is missing, the node itself, or part of a cycle', () => {
    expect(problemsOf(VALID.replace('source: primary', 'source: nobody'))[0].message).toBe("no node named 'nobody'");
    expect(problemsOf(VALID.replace('source: primary', 'source: replica1'))[0].message).toBe('a node cannot replicate from itself');
    const cycle = `${VALID}  a:\n    role: replica\n    source: b\n  b:\n    role: replica\n    source: a\n`;
    const [p] = problemsOf(cycle);
    expect(p).toMatchObject({ path: 'nodes.a.source', message: 'sources form a cycle: a → b → a' });
  });

  it('refuses names that are not valid Docker and host names', () => {
    expect(problemsOf(VALID.replace('name: shop', 'name: 9shop'))[0].path).toBe('name');
    const [p] = problemsOf(VALID.replace('  replica1:', '  Replica_1:'));
    expect(p).toMatchObject({ path: 'nodes.Replica_1', message: 'invalid node name "Replica_1"' });
  });

  it('names an unset ${VAR} once, at the key that uses it', () => {
    const problems = problemsOf(VALID, { ROOT_PW: 'x' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'credentials.replication_password', line: 7, message: '${REPL_PW} is not set' });
  });

  it('refuses mysqld settings that could break out of their line or section', () => {
    const bad = VALID.replace(
      'max_connections: 200',
      'max_connections: "200\\n[client]"\n      "bad key=1": 2\n      general_log_file: "/x;#"',
    );
    const problems = problemsOf(bad);
    expect(problems.map((p) => p.path)).toEqual([
      'nodes.replica1.mysqld.max_connections',
      'nodes.replica1.mysqld."bad key=1"',
      'nodes.replica1.mysqld.general_log_file',
    ]);
    expect(problems[0].message).toMatch(/break out of its line/);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(problemsOf('version: 1\nname: [unclosed\n')[0].line).toBeGreaterThan(1);
    const dup = problemsOf(VALID.replace('  replica1:', '  primary:'));
    expect(dup[0].message).toMatch(/unique/i);
  });

  it('requires the passwords and an image', () => {
    const text = VALID.replace(/credentials:\n( {2}.*\n)+/, '').replace('image: mysql:8.0\n', '');
    const messages = problemsOf(text).map((p) => p.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'credentials.root_password is required',
        'credentials.replication_password is required',
        'no image for this node',
      ]),
    );
  });

  it('says where to look when the file does not exist', () => {
    expect(() => loadTopology('/nonexistent/replikit.yaml')).toThrow(InputError);
    expect(() => loadTopology('/nonexistent/replikit.yaml')).toThrow(/no topology file at \/nonexistent\/replikit.yaml/);
  });
});

describe('inputs that would break up or do harm', () => {
  const at = (yaml: string) => problemsOf(yaml).map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);

  it('refuses a server account as the replication user', () => {
    expect(at(VALID.replace('replication_user: repl', 'replication_user: root'))).toEqual([
      expect.stringMatching(/^\d+:\d+ credentials\.replication_user: 'root' is an account the server itself uses \(choose another name/),
    ]);
  });

  it('refuses mysqld settings replikit manages, in any spelling, and names the key that owns each', () => {
    const yaml = VALID.replace(
      'max_connections: 200',
      'server-id: 9\n      loose-skip-log-bin: 1\n      READ_ONLY: 0\n      gtid_mode: "ON"\n      skip-grant-tables: 1\n      init-file: /x.sql',
    ).replace('    port: 3308', '    port: 3308\n    server_id: 10');
    const problems = problemsOf(yaml);
    expect(problems.map((p) => p.path)).toEqual([
      'nodes.replica1.mysqld.server-id',
      'nodes.replica1.mysqld.loose-skip-log-bin',
      'nodes.replica1.mysqld.READ_ONLY',
      'nodes.replica1.mysqld.gtid_mode',
      'nodes.replica1.mysqld.skip-grant-tables',
      'nodes.replica1.mysqld.init-file',
    ]);
    expect(problems.map((p) => p.hint)).toEqual([
      'remove it; the key that decides it is nodes.replica1.server_id',
      expect.stringMatching(/^remove it; the key that decides it is replikit/),
      'remove it; the key that decides it is nodes.replica1.role',
      'remove it; the key that decides it is replication.mode',
      'remove it',
      expect.stringMatching(/credentials\.root_password/),
    ]);
  });

  it('honours what agrees with replikit, as a my.cnf written for mysqld says it: a binary log basename, read_only by role, server_id', () => {
    const seed = VALID.replace('    role: primary\n', '    role: primary\n    mysqld: { log-bin: mall-mysql-bin, read_only: 0 }\n').replace(
      'max_connections: 200',
      'max_connections: 200\n      server_id: 102\n      log-bin: mall-mysql-slave1-bin\n      relay_log: mall-mysql-relay-bin\n      read_only: 1\n      log_slave_updates: 1\n      expire_logs_days: 7',
    );
    const t = parse(seed.replace('    server_id: 101\n', ''));
    expect(t.nodes.map((n) => [n.name, n.serverId])).toEqual([
      ['primary', derivedServerId('shop', 'primary')],
      ['replica1', 102],
    ]);
    // Only what turns the binary log off, or disagrees with the role, is refused.
    expect(
      problemsOf(seed.replace('log-bin: mall-mysql-bin', 'log-bin: "OFF"').replace('read_only: 1', 'read_only: 0')).map((p) => p.path),
    ).toEqual(['nodes.primary.mysqld.log-bin', 'nodes.replica1.mysqld.read_only']);
  });

  it("refuses ignoring replikit's own schema, a replication password longer than 32, and says the length only", () => {
    const long = 'x'.repeat(33);
    const problems = problemsOf(
      VALID.replace('ignore_databases: [mysql]', 'ignore_databases: [mysql, replikit]').replace(
        'replication_password: ${REPL_PW}',
        `replication_password: ${long}`,
      ),
    );
    expect(problems.map((p) => p.path)).toEqual(['credentials.replication_password', 'replication.ignore_databases.1']);
    expect(problems[0].message).toBe('the replication password has 33 characters; replicas accept at most 32');
    expect(JSON.stringify(problems)).not.toContain(long);
  });

  it('refuses an image reference Docker cannot parse and a bind that is not an address', () => {
    const problems = problemsOf(
      VALID.replace('image: mysql:8.0', 'image: mysql:8.0:latest').replace('port: 3308', 'port: 3308\n    bind: "::::"'),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['image', "'mysql:8.0:latest' is not a valid image reference"],
      ['nodes.replica1.bind', "'::::' is not an IP address"],
    ]);
    for (const ok of [
      'mysql:8.4',
      'mariadb',
      'registry.example.com:5000/team/mysql:8.4-oracle',
      'replikit/mysql:9.7',
      `mysql@sha256:${'a'.repeat(64)}`,
    ]) {
      expect(parse(VALID.replace('image: mysql:8.0', `image: ${ok}`)).nodes[0].image).toBe(ok);
    }
  });

  it('refuses a bind address this host does not have, and takes any loopback address', () => {
    const problems = problemsOf(VALID.replace('port: 3308', 'port: 3308\n    bind: 192.0.2.1'));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['nodes.replica1.bind', '192.0.2.1 is not an address of this host, so Docker cannot publish the port on it'],
    ]);
    expect(problems[0].hint).toMatch(/^use one of .*127\.0\.0\.1/);
    expect(parse(VALID.replace('port: 3308', 'port: 3308\n    bind: 127.0.0.2')).nodes[1].bind).toBe('127.0.0.2');
  });

  it('refuses the same port on 0.0.0.0 and on 127.0.0.1', () => {
    const problems = problemsOf(VALID.replace('port: 3307', 'port: 3307\n    bind: 0.0.0.0').replace('port: 3308', 'port: 3307'));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ['nodes.replica1.port', "host port 3307 is also published by 'primary' on 0.0.0.0, and 0.0.0.0 takes it on every address"],
    ]);
  });

  it('refuses init: entries that are folders', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-init-'));
    fs.mkdirSync(path.join(dir, 'sql'));
    const file = path.join(dir, 'replikit.yaml');
    fs.writeFileSync(file, `${VALID}init: [sql]\n`);
    expect(() => loadTopology(file, { env: { ROOT_PW: 'a', REPL_PW: 'b' } })).toThrow(/init\.0: 'sql' is a folder, not a SQL file/);
  });
});
