import { lineDiff, switchoverEdit } from '../../src/topology/edit';
import { parse } from './helpers';

const TEXT = `version: 1
name: shop
image: mysql:8.4
credentials: { root_password: a, replication_password: b }
nodes:
  primary:
    role: primary # the writer
    port: 3307
  replica1:
    role: replica
    port: 3308
  replica2:
    role: replica
    source: primary
  leaf:
    role: replica
    source: replica2
`;

describe('the topology edit after a switchover', () => {
  const after = switchoverEdit(TEXT, 'primary', 'replica1');

  it("a read_only a node's own settings gave it for its old role is dropped: the file still validates", () => {
    const seed = TEXT.replace('    port: 3308\n', '    port: 3308\n    mysqld:\n      read_only: 1\n      max_connections: 50\n').replace(
      '    role: primary # the writer\n',
      '    role: primary # the writer\n    mysqld: { read-only: "OFF" }\n',
    );
    const t = parse(switchoverEdit(seed, 'primary', 'replica1'));
    expect(t.nodes.map((n) => `${n.name}:${n.role}:${JSON.stringify(n.mysqld)}`).sort()).toEqual([
      'leaf:replica:{}',
      'primary:replica:{}',
      'replica1:primary:{"max_connections":50}',
      'replica2:replica:{}',
    ]);
  });

  it('to a replica delayed on purpose: the new primary loses its delay (a primary with delay: does not validate), a sibling keeps its own', () => {
    const delayed = TEXT.replace('    port: 3308\n', '    port: 3308\n    delay: 30s\n').replace(
      '    source: primary\n',
      '    source: primary\n    delay: 1m\n',
    );
    const t = parse(switchoverEdit(delayed, 'primary', 'replica1'));
    expect(t.nodes.map((n) => `${n.name}:${n.role}:${n.delaySeconds}`).sort()).toEqual([
      'leaf:replica:0',
      'primary:replica:0',
      'replica1:primary:0',
      'replica2:replica:60',
    ]);
  });

  it('swaps the roles, repoints explicit sources, keeps comments and the rest', () => {
    const t = parse(after);
    expect(t.nodes.map((n) => `${n.name}:${n.role}:${n.source ?? '-'}`).sort()).toEqual([
      'leaf:replica:replica2',
      'primary:replica:replica1',
      'replica1:primary:-',
      'replica2:replica:replica1',
    ]);
    expect(after).toContain('# the writer');
    expect(after).toContain('port: 3307');
  });

  it('prints as a line diff of just the changed lines', () => {
    expect(lineDiff(TEXT, after)).toBe(
      [
        '- role: primary # the writer',
        '+ role: replica # the writer',
        '+ source: replica1',
        '- role: replica',
        '+ role: primary',
        '- source: primary',
        '+ source: replica1',
      ]
        .map((l) => l.replace(/^([-+]) /, '$1     '))
        .join('\n'),
    );
  });
});
