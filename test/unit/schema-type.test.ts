import * as fs from 'node:fs';
import { SCHEMA_PATH } from '../../src/topology/schema';
import { parse, VALID } from './helpers';
import { topologyFromObject, TopologyInput } from '../../src/topology/inline';

/**
 * The JSON Schema is the one definition of the file's shape; the typed topology follows it. A
 * key added to one and not the other fails here: every schema key of a node and of
 * `replication` has its field in the loaded topology, and no field comes from nowhere.
 */
describe('the schema and the TypeScript types agree', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
  const camel = (k: string) => k.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  // Where the typed name says more than the file's (a unit, an id).
  const renamed: Record<string, string> = { delay: 'delaySeconds' };
  const t = parse(VALID);

  it('replication settings', () => {
    const fromSchema = Object.keys(schema.properties.replication.properties)
      .map((k) => renamed[k] ?? camel(k))
      .sort();
    expect(Object.keys(t.replication).sort()).toEqual(fromSchema);
  });

  it('node settings', () => {
    const fromSchema = Object.keys(schema.definitions.node.properties).map((k) => renamed[k] ?? camel(k));
    // The optional keys too: a replica on an engine of its own, with the address others reach it by.
    const spread = parse(
      VALID.replace('nodes:\n', 'engines:\n  box: tcp://192.0.2.5:2376\nnodes:\n')
        .replace('    port: 3307\n', '    port: 3307\n    advertise: 192.0.2.4:3307\n')
        .replace('    port: 3308\n', '    port: 3308\n    engine: box\n    advertise: 192.0.2.5:3308\n'),
    );
    const replica = spread.nodes.find((n) => n.role === 'replica')!;
    expect([replica.engine, replica.advertise, spread.engines]).toEqual([
      'box',
      { host: '192.0.2.5', port: 3308 },
      { box: 'tcp://192.0.2.5:2376' },
    ]);
    // Every node has a name (the map key) besides.
    const typed = Object.keys(replica).filter((k) => k !== 'name');
    expect(typed.filter((k) => !fromSchema.includes(k))).toEqual([]);
    expect(fromSchema.filter((k) => !typed.includes(k))).toEqual([]);
  });
});

describe('the schema compiled ahead of time', () => {
  it('is the current schema: run node scripts/gen-schema-validator.js after editing schema/topology.schema.json', () => {
    const { generate, OUT } = require('../../scripts/gen-schema-validator.js');
    expect(fs.readFileSync(OUT, 'utf8') === generate()).toBe(true);
  });
});

describe('the types generated from the schema', () => {
  it('are current: run node scripts/gen-schema-types.js (npm run build does) after editing schema/topology.schema.json', () => {
    const { generate, OUT } = require('../../scripts/gen-schema-types.js');
    expect(fs.readFileSync(OUT, 'utf8') === generate()).toBe(true);
  });

  it('the library takes every key a file takes: a TopologyInput with each of them validates as the file would', () => {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
    // Typed as the library's users type it: a key the type lacks fails to compile here.
    const input: TopologyInput = {
      image: 'mysql:8.0',
      profile: 'dev',
      credentials: { root_password: 'rootpw', replication_user: 'repl', replication_password: 'replpw' },
      replication: {
        mode: 'gtid',
        binlog_format: 'ROW',
        ignore_databases: ['mysql'],
        skip_errors: [],
        parallel_workers: 2,
        tls: 'required',
        semi_sync: { replicas: 1, timeout: '3s' },
        charset: 'utf8mb4',
      },
      init: [],
      engines: { box: 'tcp://192.0.2.5:2376' },
      nodes: {
        primary: {
          role: 'primary',
          server_id: 7,
          port: 3307,
          bind: '127.0.0.1',
          image: 'mysql:8.0',
          advertise: '192.0.2.4:3307',
          mysqld: { max_connections: 50 },
        },
        replica1: {
          role: 'replica',
          source: 'primary',
          port: 3308,
          engine: 'box',
          advertise: '192.0.2.5:3308',
          delay: '1m',
          placement: [],
        },
      },
    };
    const used = (o: object) => Object.keys(o).sort();
    expect(used({ ...input, version: 1, name: 'x' })).toEqual(Object.keys(schema.properties).sort());
    expect(used(input.credentials!)).toEqual(Object.keys(schema.properties.credentials.properties).sort());
    expect(used(input.replication!)).toEqual(Object.keys(schema.properties.replication.properties).sort());
    expect(used({ ...input.nodes.primary, ...input.nodes.replica1 })).toEqual(Object.keys(schema.definitions.node.properties).sort());
    const t = topologyFromObject(input, {});
    expect([t.replication.tls, t.replication.semiSync, t.engines, t.nodes[1].engine, t.nodes[1].delaySeconds]).toEqual([
      'required',
      { replicas: 1, timeoutMs: 3000 },
      { box: 'tcp://192.0.2.5:2376' },
      'box',
      60,
    ]);
  });
});
