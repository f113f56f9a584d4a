import { topologyFromObject } from '../../src/topology/inline';
import { connectionUri, withoutSecrets } from '../../src/replication/connection';
import { TopologyError } from '../../src/errors';

const nodes = { primary: { role: 'primary' as const }, replica1: { role: 'replica' as const } };

describe('a topology given as an object', () => {
  it('gets a unique name and strong generated passwords when it has none', () => {
    const a = topologyFromObject({ image: 'mariadb:11.4', nodes }, {});
    const b = topologyFromObject({ image: 'mariadb:11.4', nodes }, {});
    expect(a.name).toMatch(/^rk-[0-9a-f]{8}$/);
    expect(a.name).not.toBe(b.name);
    expect(a.credentials.rootPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(a.credentials.rootPassword).not.toBe(a.credentials.replicationPassword);
    expect(a.nodes.map((n) => [n.name, n.role, n.source ?? null, n.port ?? null])).toEqual([
      ['primary', 'primary', null, null],
      ['replica1', 'replica', 'primary', null],
    ]);
    expect(a.warnings).toEqual([]);
  });

  it('the same object given twice is the same topology: its made-up name and passwords are made once', () => {
    const input = { image: 'mariadb:11.4', nodes };
    const [a, b] = [topologyFromObject(input, {}), topologyFromObject(input, {})];
    expect(b.name).toBe(a.name);
    expect(b.credentials).toEqual(a.credentials);
    // A copy is another object: another topology.
    expect(topologyFromObject({ ...input }, {}).name).not.toBe(a.name);
  });

  it('is validated like a file, with key paths in the errors', () => {
    let error: unknown;
    try {
      topologyFromObject({ name: 'x', image: 'mariadb:11.4', nodes: { ...nodes, replica1: { role: 'replica', source: 'nobody' } } }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).problems.map((p) => [p.path, p.message])).toEqual([
      ['nodes.replica1.source', "no node named 'nobody'"],
    ]);
  });

  it('reads ${VAR} values from the given environment', () => {
    const t = topologyFromObject({ image: 'mariadb:11.4', credentials: { root_password: '${PW}' }, nodes }, { PW: 'from-env' });
    expect(t.credentials.rootPassword).toBe('from-env');
  });
});

describe('connection details', () => {
  it('percent-encodes the URI and drops every password when printed', () => {
    const c = { host: '127.0.0.1', port: 3307, user: 'root', password: `p@ss:w/rd'"`, charset: 'utf8mb4' as const };
    expect(connectionUri(c)).toBe("mysql://root:p%40ss%3Aw%2Frd'%22@127.0.0.1:3307/");
    expect(withoutSecrets({ nodes: [{ connection: c, uri: connectionUri(c) }] })).toEqual({
      nodes: [{ connection: { host: '127.0.0.1', port: 3307, user: 'root', charset: 'utf8mb4' }, uri: 'mysql://root@127.0.0.1:3307/' }],
    });
  });
});
