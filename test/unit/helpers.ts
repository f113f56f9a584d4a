import { parseTopology } from '../../src/topology/load';
import type { Topology } from '../../src/topology/types';
import { TopologyError, Problem } from '../../src/errors';

export const ENV: Record<string, string> = { ROOT_PW: 'rootpw', REPL_PW: 'replpw' };

/** A valid topology text; tests change one thing at a time. */
export const VALID = `version: 1
name: shop
image: mysql:8.0
credentials:
  root_password: \${ROOT_PW}
  replication_user: repl
  replication_password: \${REPL_PW}
replication:
  mode: position
  binlog_format: ROW
  ignore_databases: [mysql]
  skip_errors: []
  charset: utf8mb4
nodes:
  primary:
    role: primary
    server_id: 101
    port: 3307
  replica1:
    role: replica
    source: primary
    port: 3308
    mysqld:
      max_connections: 200
`;

export function parse(text: string, env: Record<string, string> = ENV, file = '/tmp/topo/replikit.yaml'): Topology {
  return parseTopology(text, file, (n) => env[n]);
}

/** The problems a text has; fails the test when it has none. */
export function problemsOf(text: string, env: Record<string, string> = ENV): Problem[] {
  try {
    parse(text, env);
  } catch (e) {
    if (e instanceof TopologyError) return e.problems;
    throw e;
  }
  throw new Error('expected the topology to be invalid, but it was accepted');
}
