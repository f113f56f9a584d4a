import { parse, problemsOf, VALID } from './helpers';
import { formatProblem, InputError } from '../../src/errors';
import { loadTopology } from '../../src/topology/load';

describe('a valid topology', () => {
  it('loads with every default filled in and sources before replicas', () => {
    const t = parse(VALID);
    expect(t.name).toBe('shop');
    expect(t.credentials).toEqual({ rootPassword: 'rootpw', replicationUser: 'repl', replicationPassword: 'replpw' });
    expect(t.replication).toEqual({ mode: 'position', binlogFormat: 'ROW', ignoreDatabases: ['mysql'], skipErrors: [], charset: 'utf8mb4' });
    expect(t.nodes.map((n) => [n.name, n.role, n.source, n.serverId, n.port, n.bind, n.image])).toEqual([
      ['primary', 'primary', undefined, 101, 3307, '127.0.0.1', 'mysql:8.0'],
      ['replica1', 'replica', 'primary', 1, 3308, '127.0.0.1', 'mysql:8.0'],
    ]);
    expect(t.nodes[1].mysqld).toEqual({ max_connections: 200 });
    expect(t.warnings).toEqual([]);
  });

  it('assigns unique server ids around the explicit ones and defaults source to the primary', () => {
    const t = parse(`version: 1
name: s
image: mariadb:11.4
credentials: { root_password: a, replication_password: b }
nodes:
  r2: { role: replica, source: r1 }
  p: { role: primary, server_id: 2 }
  r1: { role: replica }
`);
    expect(t.nodes.map((n) => `${n.name}:${n.serverId}:${n.source ?? '-'}`)).toEqual(['p:2:-', 'r1:3:p', 'r2:1:r1']);
  });

  it('warns about skip_errors without refusing them', () => {
    const t = parse(VALID.replace('skip_errors: []', 'skip_errors: [1062]'));
    expect(t.replication.skipErrors).toEqual([1062]);
    expect(t.warnings[0]).toMatch(/skip_errors \(1062\).*diverge/);
  });

  it('ships example configs that all validate', () => {
    for (const f of ['classic', 'two-replicas', 'gtid', 'chain', 'many-replicas', 'seeded']) {
      const t = loadTopology(`${__dirname}/../../configs/${f}.yaml`, { env: { MYSQL_ROOT_PASSWORD: 'x', MYSQL_REPLICATION_PASSWORD: 'y' } });
      expect(t.nodes.filter((n) => n.role === 'primary')).toHaveLength(1);
    }
  });
});

describe('validation errors', () => {
  it('points a misspelt key at its file:line:column and suggests the nearest valid key', () => {
    const [p, ...rest] = problemsOf(VALID.replace('    source: primary', '    sorce: primary'));
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ file: '/tmp/topo/replikit.yaml', line: 21, column: 5, path: 'nodes.replica1.sorce', message: "unknown key 'sorce'", hint: "did you mean 'source'?" });
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
    const bad = VALID.replace('max_connections: 200', 'max_connections: "200\\n[client]"\n      "bad key=1": 2\n      init_file: "/x;#"');
    const problems = problemsOf(bad);
    expect(problems.map((p) => p.path)).toEqual(['nodes.replica1.mysqld.max_connections', 'nodes.replica1.mysqld."bad key=1"', 'nodes.replica1.mysqld.init_file']);
    expect(problems[0].message).toMatch(/break out of its line/);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(problemsOf('version: 1\nname: [unclosed\n')[0].line).toBeGreaterThan(1);
    const dup = problemsOf(VALID.replace('  replica1:', '  primary:'));
    expect(dup[0].message).toMatch(/unique/i);
  });

  it('requires the passwords and an image', () => {
    const text = VALID.replace(/credentials:\n(  .*\n)+/, '').replace('image: mysql:8.0\n', '');
    const messages = problemsOf(text).map((p) => p.message);
    expect(messages).toEqual(expect.arrayContaining(['credentials.root_password is required', 'credentials.replication_password is required', 'no image for this node']));
  });

  it('says where to look when the file does not exist', () => {
    expect(() => loadTopology('/nonexistent/replikit.yaml')).toThrow(InputError);
    expect(() => loadTopology('/nonexistent/replikit.yaml')).toThrow(/no topology file at \/nonexistent\/replikit.yaml/);
  });
});
