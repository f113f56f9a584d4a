import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostPort } from './address';
import { derivedServerId } from './server-id';
import { Alias, isScalar, isPair, LineCounter, parseDocument, visit, Scalar } from 'yaml';
import { InputError, Problem, TopologyError } from '../errors';
import { environmentLookup, interpolate, Lookup } from './interpolate';
import { Positions } from './positions';
import { schemaProblems } from './schema';
import { isObject, semanticProblems } from './check';
import { givenServerId, RawNode, RawTopology } from './raw';
import { DEFAULT_FILE, NodeSpec, onSwarm, ReplicationTls, SemiSync, Topology, withImplicitSwarm } from './types';

export { DEFAULT_FILE };

export interface LoadOptions {
  /** Where `${VAR}` values come from; defaults to process.env, then `.env` beside the file, then in the working folder. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Load → interpolate → JSON Schema → semantic checks → typed topology with defaults.
 * Throws a TopologyError carrying every problem found; touches nothing outside the file.
 */
export function loadTopology(file: string = DEFAULT_FILE, options: LoadOptions = {}): Topology {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `no topology file at ${abs}` : `cannot read ${abs}: ${(e as Error).message}`,
      code === 'ENOENT' ? `pass -f FILE, or create ${DEFAULT_FILE} here (examples are in configs/)` : undefined,
    );
  }
  const dotenvs = [path.join(path.dirname(abs), '.env'), path.resolve('.env')];
  const lookup = environmentLookup(options.env ?? process.env, dotenvs);
  return parseTopology(text, abs, lookup);
}

export function parseTopology(text: string, file: string, lookup: Lookup): Topology {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const positions = new Positions(file, doc, lines);
  const problems: Problem[] = doc.errors.map((e) => positions.at(e.pos[0], e.message.split('\n')[0]));
  if (problems.length) throw new TopologyError(problems);

  const { problems: unset, interpolated } = interpolateScalars(doc, positions, lookup);
  problems.push(...unset);
  const raw = toObject(doc, positions);
  if (!isObject(raw)) throw new TopologyError([positions.at(0, 'a topology file must be a mapping with version, name and nodes')]);

  // A value left empty by an unset ${VAR} is reported once, as the unset variable.
  const found = [...schemaProblems(raw, positions), ...semanticProblems(raw, positions, file)];
  problems.push(...found.filter((p) => !unset.some((u) => u.path === p.path)));
  if (problems.length) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new TopologyError(problems);
  }
  return resolve(raw, file, interpolated);
}

/**
 * The document as plain data. An alias to an anchor defined later (or nowhere), or too many
 * aliases (a "billion laughs" file), is a positioned problem, not an exception.
 */
function toObject(doc: ReturnType<typeof parseDocument>, positions: Positions): RawTopology {
  try {
    return doc.toJS({ maxAliasCount: 100 }) as RawTopology;
  } catch (e) {
    let at = 0;
    visit(doc, {
      Alias(_, node: Alias) {
        if (!node.resolve(doc)) {
          at = node.range?.[0] ?? 0;
          return visit.BREAK;
        }
      },
    });
    throw new TopologyError([
      { ...positions.at(at, (e as Error).message), hint: 'define the anchor (&name) before the alias (*name) that uses it' },
    ]);
  }
}

/** Replaces `${VAR}` in every string scalar; a variable without a value is a positioned problem. */
function interpolateScalars(
  doc: ReturnType<typeof parseDocument>,
  positions: Positions,
  lookup: Lookup,
): { problems: Problem[]; interpolated: Set<string> } {
  const problems: Problem[] = [];
  const interpolated = new Set<string>();
  visit(doc, {
    Scalar(key, node: Scalar, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const { value, missing } = interpolate(node.value, lookup);
      node.value = value;
      const keyPath = ancestors.filter(isPair).map((p) => (isScalar(p.key) ? String(p.key.value) : '?'));
      interpolated.add(keyPath.join('.'));
      for (const name of missing) {
        problems.push(
          positions.problem(keyPath, `\${${name}} is not set`, `export ${name}=… or add ${name}=… to .env beside the topology file`),
        );
      }
    },
  });
  return { problems, interpolated };
}

/**
 * The validated topology, typed: server ids, sources and node images filled in, sources first.
 * The schema has filled in every other default (schema.ts, useDefaults).
 */
function resolve(raw: RawTopology, file: string, interpolated: Set<string>): Topology {
  const creds = raw.credentials ?? {};
  const repl = raw.replication ?? {};
  const entries = Object.entries(raw.nodes ?? {}) as [string, RawNode][];
  const primary = entries.find(([, n]) => n.role === 'primary')![0];

  const nodes: NodeSpec[] = entries.map(([name, n]) => ({
    name,
    role: n.role as NodeSpec['role'],
    ...(n.role === 'replica' ? { source: (n.source as string | undefined) ?? primary } : {}),
    serverId: givenServerId(n) ?? derivedServerId(raw.name as string, name),
    ...(n.port !== undefined ? { port: n.port as number } : {}),
    bind: n.bind as string,
    image: (n.image as string | undefined) ?? (raw.image as string),
    ...(n.engine !== undefined ? { engine: n.engine as string } : {}),
    ...(n.advertise !== undefined ? { advertise: hostPort(n.advertise as string) } : {}),
    placement: n.placement as string[],
    delaySeconds: seconds(n.delay as string | number | undefined),
    mysqld: n.mysqld as NodeSpec['mysqld'],
  }));

  const skipErrors = repl.skip_errors as number[];
  const warnings = skipErrors.length
    ? [
        `replication.skip_errors (${skipErrors.join(', ')}) makes replicas skip failing events: their data can silently diverge from the primary`,
      ]
    : [];
  for (const key of ['root_password', 'replication_password']) {
    if (!interpolated.has(`credentials.${key}`)) {
      warnings.push(
        `credentials.${key} is written in the topology file itself: anyone who reads the file has it; use \${VARIABLE} and keep the value in the environment or .env`,
      );
    }
  }
  if (new Set(nodes.map((n) => n.engine ?? '')).size > 1 && repl.tls === 'off') {
    warnings.push(
      'replication.tls is off while the nodes span several engines: replication traffic, passwords included, crosses between hosts in plain text',
    );
  }
  const engines = withImplicitSwarm(
    raw.engines as Record<string, string>,
    nodes.map((n) => n.engine),
  );
  const swarmNodes = nodes.filter((n) => onSwarm(engines, n));
  if (swarmNodes.length) {
    warnings.push(
      `${swarmNodes.map((n) => n.name).join(', ')} run as swarm services: a swarm publishes a port on every address of the swarm node its task runs on, whatever bind: says; firewall the ports, or keep the swarm's hosts private`,
    );
  }
  for (const n of nodes) {
    if (n.bind === '0.0.0.0' || n.bind === '::') {
      warnings.push(
        `nodes.${n.name}.bind is ${n.bind}: its port ${n.port ?? '(picked by Docker)'} accepts connections from other machines; use 127.0.0.1 unless they need it`,
      );
    }
  }

  return {
    file,
    name: raw.name as string,
    profile: raw.profile as Topology['profile'],
    credentials: {
      rootPassword: creds.root_password as string,
      replicationUser: creds.replication_user as string,
      replicationPassword: creds.replication_password as string,
    },
    replication: {
      mode: repl.mode as Topology['replication']['mode'],
      binlogFormat: repl.binlog_format as Topology['replication']['binlogFormat'],
      ignoreDatabases: repl.ignore_databases as string[],
      skipErrors,
      parallelWorkers: repl.parallel_workers as number,
      tls: repl.tls as ReplicationTls,
      semiSync: semiSync(repl.semi_sync as boolean | { replicas?: number; timeout?: string | number }),
      charset: repl.charset as 'utf8mb4',
    },
    init: (raw.init as string[]).map((f) => path.resolve(path.dirname(file), f)),
    engines,
    nodes: sourcesFirst(nodes),
    warnings,
  };
}

/** `semi_sync: true` is one replica and 10 s; an object sets either. */
function semiSync(value: boolean | { replicas?: number; timeout?: string | number }): SemiSync | false {
  if (!value) return false;
  const given = value === true ? {} : value;
  return { replicas: given.replicas ?? 1, timeoutMs: seconds(given.timeout ?? '10s') * 1000 };
}

/** `5`, `5s`, `2m`, `1h` (the schema allows no other shape) as seconds. */
function seconds(value: string | number | undefined): number {
  if (value === undefined) return 0;
  const m = /^(\d+)(s|m|h)?$/.exec(String(value))!;
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

function sourcesFirst(nodes: NodeSpec[]): NodeSpec[] {
  const placed = new Set<string>();
  const out: NodeSpec[] = [];
  while (out.length < nodes.length) {
    for (const n of nodes) {
      if (!placed.has(n.name) && (n.source === undefined || placed.has(n.source))) {
        out.push(n);
        placed.add(n.name);
      }
    }
  }
  return out;
}
