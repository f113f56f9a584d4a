import * as util from 'node:util';
import * as fs from 'node:fs';

/**
 * `${VAR}` interpolation, compose style: `${VAR}`, `${VAR:-default}` (default when unset or
 * empty) and `$$` for a literal `$`. Values come from the environment first, then `.env`.
 */
export type Lookup = (name: string) => string | undefined;

export interface Interpolated {
  value: string;
  /** Variables referenced without a value and without a default. */
  missing: string[];
}

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(text: string, lookup: Lookup): Interpolated {
  const missing: string[] = [];
  const value = text.replace(REFERENCE, (whole, name?: string, fallback?: string) => {
    if (whole === '$$') return '$';
    const found = lookup(name!);
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return { value, missing };
}

/**
 * Parses a `.env` file as dotenv does, with Node's own parser: `KEY=value` lines, `#` comments,
 * quotes; inside double quotes only `\n` is expanded, so a backslash in a password stays.
 */
export function parseDotenv(text: string): Record<string, string> {
  return util.parseEnv(text) as Record<string, string>;
}

/** Environment first, then each `.env` file in order (the first that sets a name wins). */
export function environmentLookup(env: NodeJS.ProcessEnv, dotenvPaths: string[]): Lookup {
  const files = [...new Set(dotenvPaths)].filter((p) => fs.existsSync(p)).map((p) => parseDotenv(fs.readFileSync(p, 'utf8')));
  return (name) => env[name] ?? files.find((f) => name in f)?.[name];
}
