import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors';
import { environmentLookup, interpolate } from './interpolate';

/**
 * Just the topology's name, for commands that need nothing else (down): they work even when the
 * passwords the file refers to are not set in this shell.
 */
export function readTopologyName(file: string): string {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new InputError(`no topology file at ${abs}`, 'pass -f FILE');
  const raw = parseDocument(fs.readFileSync(abs, 'utf8')).get('name');
  // `name: ${PROJECT}-db` reads as validate and up read it: environment, then .env beside the file.
  const lookup = environmentLookup(process.env, [path.join(path.dirname(abs), '.env'), path.resolve('.env')]);
  const name = typeof raw === 'string' ? interpolate(raw, lookup).value : raw;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new InputError(`${abs}: no valid name: key`, 'run replikit validate for details');
  }
  return name;
}

/** Each node's role as the file states it, for listings that need no password (ps). */
export function readTopologyRoles(file: string): Record<string, string> {
  const nodes = parseDocument(fs.readFileSync(path.resolve(file), 'utf8')).toJS()?.nodes;
  const roles: Record<string, string> = {};
  if (nodes && typeof nodes === 'object') for (const [n, spec] of Object.entries(nodes)) roles[n] = String((spec as { role?: unknown })?.role ?? '');
  return roles;
}
