import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { environmentLookup } from './interpolate';
import { loadTopology, parseTopology } from './load';
import type { Topology } from './types';
import type { TopologyFile } from './schema-types.generated';

/**
 * A topology written in code: every key the YAML file takes (its type is generated from the
 * schema), and `version`, `name` and passwords may be left out.
 */
export type TopologyInput = Omit<TopologyFile, 'version' | 'name'> & { version?: 1; name?: string };

/** A topology given as a file path, a loaded Topology, or an object in code. */
export type TopologySource = string | Topology | TopologyInput;

/**
 * Validates an object exactly as a file would be (same schema, same checks, same errors, with
 * key paths), after filling in a unique name and generated passwords where none were given.
 */
export function topologyFromObject(input: TopologyInput, env: NodeJS.ProcessEnv = process.env): Topology {
  const made = invented(input);
  const name = input.name ?? made.name;
  const credentials = {
    root_password: made.rootPassword,
    replication_password: made.replicationPassword,
    ...input.credentials,
  };
  const doc = { version: 1, ...input, name, credentials };
  const file = path.join(process.cwd(), `<topology ${name}>`);
  const t = parseTopology(stringify(doc), file, environmentLookup(env, [path.resolve('.env')]));
  // The "password written in the file" warning is about files people share, not code.
  return { ...t, warnings: t.warnings.filter((w) => !w.startsWith('credentials.')) };
}

export function resolveTopology(source: TopologySource): Topology {
  if (typeof source === 'string') return loadTopology(source);
  if (isLoaded(source)) return source;
  return topologyFromObject(source);
}

function isLoaded(t: Topology | TopologyInput): t is Topology {
  return Array.isArray(t.nodes) && typeof (t as Topology).file === 'string';
}

/**
 * What was made up for an object, made once: the same object given to up, then status or down,
 * is the same topology (a new name and new passwords each call would make a second one).
 */
const INVENTED = new WeakMap<TopologyInput, { name: string; rootPassword: string; replicationPassword: string }>();

function invented(input: TopologyInput) {
  let made = INVENTED.get(input);
  if (!made)
    INVENTED.set(input, (made = { name: `rk-${randomBytes(4).toString('hex')}`, rootPassword: secret(), replicationPassword: secret() }));
  return made;
}

/** 24 URL-safe characters: strong, and nothing a shell or URI would need quoted. */
function secret(): string {
  return randomBytes(18).toString('base64url');
}
