import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { parseTopology } from '../../src/topology/load';
import { renderAll } from '../../src/render/mycnf';
import { desiredState } from '../../src/plan/observe';
import { TopologyError } from '../../src/errors';
import { ENV, VALID } from './helpers';

/**
 * Thousands of valid topologies bent out of shape: keys removed or added, values of the wrong
 * type, unicode, huge numbers, YAML anchors. Every file must either load and render (so `up`
 * can build its containers from it), or be refused with every problem positioned in the file:
 * never another error, never a stack trace.
 */
const FILE = '/tmp/fuzz/replikit.yaml';
const lookup = (n: string) => ENV[n];

const odd = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => Number(b)),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(
    '',
    ' ',
    '${UNSET}',
    '${ROOT_PW}',
    '::::',
    '0.0.0.0',
    'root',
    'replikit',
    '-1',
    '1e309',
    'x'.repeat(300),
    'mysql:8.0:latest',
    '5s',
    'gtid',
    'verify',
    'off',
  ),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string(), fc.integer()), { maxKeys: 2 }),
);

/** Every key path in a parsed document, so a mutation can pick one. */
function paths(value: unknown, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [at];
  return [at, ...Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => paths(v, [...at, k]))];
}

type Mutation =
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'delete'; pick: number }
  | { kind: 'add'; pick: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: odd }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('add' as const),
    pick: fc.nat(),
    key: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('delay', 'tls', 'port', 'mysqld', 'source', 'bind', 'init', 'server-id', 'log_bin'),
    ),
    value: odd,
  }),
);

function apply(doc: Record<string, unknown>, m: Mutation): void {
  const all = paths(doc).filter((p) => p.length > 0);
  const target = all[m.pick % all.length];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a path into any YAML document
  const parent = target.slice(0, -1).reduce<any>((o, k) => o[k], doc);
  const key = target[target.length - 1];
  if (m.kind === 'delete') delete parent[key];
  else if (m.kind === 'set') parent[key] = m.value;
  else if (parent[key] !== null && typeof parent[key] === 'object') parent[key][m.key] = m.value;
}

function check(text: string): void {
  let t;
  try {
    t = parseTopology(text, FILE, lookup);
  } catch (e) {
    if (!(e instanceof TopologyError))
      throw new Error(`not a positioned refusal: ${(e as Error).stack}\n--- file ---\n${text}`, { cause: e });
    for (const p of e.problems) {
      if (p.file !== FILE || !(p.line >= 1) || !(p.column >= 1) || !p.message)
        throw new Error(`problem without a position: ${JSON.stringify(p)}\n--- file ---\n${text}`, { cause: e });
    }
    return;
  }
  // Accepted: up must be able to build every container from it.
  renderAll(t);
  desiredState(t);
}

describe('property: any mutation of a valid topology is either usable or refused with positions', () => {
  const base = parseYaml(VALID) as Record<string, unknown>;

  it('holds for thousands of mutated documents', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        const doc = structuredClone(base);
        for (const m of ms) apply(doc, m);
        check(stringify(doc));
      }),
      { numRuns: 3000 },
    );
  });

  it('holds for text-level damage: anchors and aliases, cut lines, stray characters', () => {
    const damage = fc.oneof(
      fc.record({
        at: fc.nat(),
        text: fc.constantFrom('&a ', '*a', '<<: *a\n', ': :', '- ', '\t', '"', "'", '{', '[', '#', '\u0000', '\ufeff', '${', '!!binary '),
      }),
      fc.record({ at: fc.nat(), text: fc.string({ unit: 'grapheme', maxLength: 6 }) }),
    );
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 3 }), (ds) => {
        let text = VALID.replace('image: mysql:8.0', 'image: &img mysql:8.0').replace(
          '    port: 3308\n',
          '    port: 3308\n    image: *img\n',
        );
        for (const d of ds) {
          const i = d.at % (text.length + 1);
          text = text.slice(0, i) + d.text + text.slice(i);
        }
        check(text);
      }),
      { numRuns: 2000 },
    );
  });
});
