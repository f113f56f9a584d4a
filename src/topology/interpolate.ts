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

/** Parses a `.env` file: `KEY=value` lines, `#` comments, optional single or double quotes. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2];
    const quoted = /^(['"])(.*)\1$/.exec(v);
    if (quoted) v = quoted[1] === '"' ? quoted[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1') : quoted[2];
    else v = v.replace(/\s+#.*$/, '');
    out[m[1]] = v;
  }
  return out;
}

/** Environment first, then each `.env` file in order (the first that sets a name wins). */
export function environmentLookup(env: NodeJS.ProcessEnv, dotenvPaths: string[]): Lookup {
  const files = [...new Set(dotenvPaths)]
    .filter((p) => fs.existsSync(p))
    .map((p) => parseDotenv(fs.readFileSync(p, 'utf8')));
  return (name) => env[name] ?? files.find((f) => name in f)?.[name];
}
