import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors';
import { environmentLookup, interpolate } from './interpolate';
import { Placement, withImplicitSwarm } from './types';
import { isObject } from './check';

/** A topology name as the schema allows it: it names containers, volumes and the CA's folder. */
export function isTopologyName(name: unknown): name is string {
  return typeof name === 'string' && /^[a-z][a-z0-9-]*$/.test(name) && name.length <= 40;
}

/** The name, or an input error: '' or '..' would reach every topology's labels and CA folder. */
export function checkedTopologyName(name: unknown): string {
  if (!isTopologyName(name))
    throw new InputError(
      `${JSON.stringify(name)} is not a topology name`,
      'a topology name starts with a lowercase letter and has only a-z, 0-9 and -, at most 40 characters',
    );
  return name;
}

/**
 * Just the topology's name, for commands that need nothing else (down): they work even when the
 * passwords the file refers to are not set in this shell.
 */
export function readTopologyName(file: string): string {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new InputError(`no topology file at ${abs}`, 'pass -f FILE');
  const raw = parseDocument(fs.readFileSync(abs, 'utf8')).get('name');
  const name = typeof raw === 'string' ? interpolate(raw, lookupFor(abs)).value : raw;
  if (!isTopologyName(name)) {
    throw new InputError(`${abs}: no valid name: key`, 'run replikit validate for details');
  }
  return name;
}

/**
 * Where each node runs (engines: and each node's engine:), for commands that need no password
 * (down, ps, logs, sql): a topology over several engines is found on all of them.
 */
export function readTopologyPlacement(file: string): Placement {
  const name = readTopologyName(file);
  const abs = path.resolve(file);
  const doc = parseDocument(fs.readFileSync(abs, 'utf8')).toJS() ?? {};
  const lookup = lookupFor(abs);
  const declared: Record<string, string> = {};
  for (const [k, v] of Object.entries(isObject(doc.engines) ? doc.engines : {}))
    if (typeof v === 'string') declared[k] = interpolate(v, lookup).value;
  const named = Object.entries(isObject(doc.nodes) ? doc.nodes : {}).map(
    ([n, spec]) => [n, isObject(spec) && typeof spec.engine === 'string' ? spec.engine : undefined] as const,
  );
  const engines = withImplicitSwarm(
    declared,
    named.map(([, e]) => e),
  );
  const nodes = named.map(([n, engine]) => {
    return { name: n, ...(engine && engines[engine] ? { engine } : {}) };
  });
  return { name, engines, nodes };
}

/** `${VAR}` in the file reads as validate and up read it: the environment, then .env beside the file. */
function lookupFor(file: string) {
  return environmentLookup(process.env, [path.join(path.dirname(file), '.env'), path.resolve('.env')]);
}

/** Each node's role as the file states it, for listings that need no password (ps). */
export function readTopologyRoles(file: string): Record<string, string> {
  const nodes = parseDocument(fs.readFileSync(path.resolve(file), 'utf8')).toJS()?.nodes;
  const roles: Record<string, string> = {};
  if (nodes && typeof nodes === 'object')
    for (const [n, spec] of Object.entries(nodes)) roles[n] = String((spec as { role?: unknown })?.role ?? '');
  return roles;
}
