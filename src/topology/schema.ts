import type { ErrorObject, ValidateFunction } from 'ajv';
import * as path from 'node:path';
import type { Problem } from '../errors';
import type { Positions } from './positions';
import { nearest } from './suggest';

/** The shipped JSON Schema; editors with a YAML language server use the same file. */
export const SCHEMA_PATH = path.join(__dirname, '..', '..', 'schema', 'topology.schema.json');

type Schema = { properties?: Record<string, unknown>; enum?: unknown[]; pattern?: string };

/**
 * The schema compiled ahead of time by scripts/gen-schema-validator.js (ajv's standalone code,
 * options: allErrors, strict, verbose; useDefaults: the schema's defaults are filled into the
 * data it validates, so the loader reads them from there and no default is written twice;
 * coerceTypes: a `${VAR}` is text, and `port: ${PORT}` becomes the integer the schema asks for,
 * or a positioned error). Compiling it at every run cost about 150 ms.
 */
// ajv's standalone code is CommonJS (module.exports = validate), with no types of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const validate: ValidateFunction = require('./schema-validate.generated');

/** Shape and type problems, each positioned and phrased for a person. Fills in the schema's defaults. */
export function schemaProblems(data: unknown, positions: Positions): Problem[] {
  if (validate(data)) return [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const p = toProblem(e, positions);
    if (!p) continue;
    const key = `${p.path}|${p.message}`;
    if (seen.has(key)) continue;
    problems.push(p);
    seen.add(key);
  }
  return problems;
}

function toProblem(e: ErrorObject, positions: Positions): Problem | undefined {
  const at = e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const schema = e.parentSchema as Schema | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys(schema?.properties ?? {});
      const guess = nearest(key, known);
      return positions.problem(
        [...at, key],
        `unknown key '${key}'`,
        guess ? `did you mean '${guess}'?` : known.length ? `valid keys: ${known.join(', ')}` : undefined,
        true,
      );
    }
    case 'required':
      return positions.problem(at, `missing required key '${e.params.missingProperty}'`);
    case 'propertyNames':
      return undefined; // reported by the nested error, which carries the offending name
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const guess = nearest(String(e.data), allowed);
      return positions.problem(at, `must be one of ${allowed.join(', ')}`, guess ? `did you mean '${guess}'?` : undefined);
    }
    case 'const':
      return positions.problem(at, `must be ${JSON.stringify(e.params.allowedValue)}`);
    case 'pattern':
      if (e.propertyName !== undefined) return namePattern(at, e.propertyName, e.params.pattern, positions);
      return positions.problem(at, patternMessage(at, e.params.pattern));
    case 'maxLength':
      if (e.propertyName !== undefined) {
        return positions.problem(
          [...at, e.propertyName],
          `name '${e.propertyName}' is longer than ${e.params.limit} characters`,
          undefined,
          true,
        );
      }
      return positions.problem(at, `must be at most ${e.params.limit} characters`);
    case 'type':
      return positions.problem(at, `must be ${[e.params.type].flat().join(' or ')}`);
    default:
      return positions.problem(at, e.message ?? e.keyword);
  }
}

function namePattern(at: string[], name: string, pattern: string, positions: Positions): Problem {
  const what = at[0] === 'nodes' && at.length === 1 ? 'node name' : at.includes('mysqld') ? 'setting name' : 'key';
  const hint =
    what === 'node name'
      ? 'use lowercase letters, digits and hyphens: it becomes part of container and host names'
      : what === 'setting name'
        ? 'letters, digits, _ and - only: anything else could break out of its line in my.cnf'
        : `must match ${pattern}`;
  return positions.problem([...at, name], `invalid ${what} ${JSON.stringify(name)}`, hint, true);
}

function patternMessage(at: string[], pattern: string): string {
  if (at.includes('mysqld')) {
    return 'value could break out of its line or section in my.cnf; use letters, digits, spaces and _ . / : , @ + = % * - only';
  }
  if (at.length === 1 && at[0] === 'name') return 'topology name must start with a lowercase letter and hold only a-z, 0-9 and -';
  return `must match ${pattern}`;
}
