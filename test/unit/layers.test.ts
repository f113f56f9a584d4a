import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The rooms of src/ and the order they may lean on each other (docs/architecture.md): a file
 * imports from its own room or from rooms below it, never from above, and no file reaches itself
 * again through its imports (type imports count: a cycle of types is a knot all the same).
 */
const LAYERS: string[][] = [
  ['errors', 'poll', 'run', 'debug'],
  ['topology'],
  ['names'],
  ['flavors'],
  ['render'],
  ['tls'],
  ['docker'],
  ['replication'],
  ['verify'],
  ['plan'],
  ['preflight'],
  ['commands'],
  ['jest', 'vitest', 'cli', 'index', 'reference'],
];

/** Upward imports kept on purpose, each with its reason. */
const ALLOWED: Record<string, string> = {
  // Whether a node's bind address must be one of this host's depends on whether its engine is
  // remote, which only the docker CLI's own configuration (DOCKER_HOST, contexts) says.
  'topology/hazards.ts -> docker/context.ts': 'the engine a bind: address is published on',
};

const SRC = path.join(__dirname, '..', '..', 'src');

function sources(dir = SRC): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** Each file's imports of other files of src/, as paths relative to src/. */
function imports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources()) {
    const text = fs.readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/g)].map(
      (m) => m[1] ?? m[2],
    );
    const targets = specs.map((s) => {
      const base = path.resolve(path.dirname(file), s);
      return path.relative(SRC, fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts'));
    });
    graph.set(path.relative(SRC, file), targets);
  }
  return graph;
}

const room = (file: string) => file.split(path.sep)[0].replace(/\.ts$/, '');
const level = (file: string) => LAYERS.findIndex((rooms) => rooms.includes(room(file)));

describe('the layers of src/', () => {
  const graph = imports();

  it('every room has its place in the order', () => {
    expect([...graph.keys()].filter((f) => level(f) < 0)).toEqual([]);
  });

  it('no file imports from a room above its own', () => {
    const upward = [...graph].flatMap(([from, targets]) => targets.filter((to) => level(to) > level(from)).map((to) => `${from} -> ${to}`));
    expect(upward.filter((edge) => !ALLOWED[edge])).toEqual([]);
    // An exception that no longer happens leaves the list.
    expect(Object.keys(ALLOWED).filter((edge) => !upward.includes(edge))).toEqual([]);
  });

  it('no import cycle', () => {
    const cycles: string[][] = [];
    const state = new Map<string, 'open' | 'done'>();
    const walk = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file]);
        return;
      }
      state.set(file, 'open');
      for (const to of graph.get(file) ?? []) walk(to, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) walk(file, []);
    expect(cycles.map((c) => c.join(' -> '))).toEqual([]);
  });
});
