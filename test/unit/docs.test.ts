import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED, withGenerated } from '../../src/reference';

const ROOT = path.join(__dirname, '..', '..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).map((f) => path.join('docs', f))].filter((f) => f.endsWith('.md'));

/** The tables the code already says are generated into the docs: they cannot drift from it. */
describe('generated documentation', () => {
  it.each(DOCS)('%s is current: run npm run docs after changing a command or an operation', (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    expect(withGenerated(text) === text).toBe(true);
  });

  it('every generated block appears in the docs', () => {
    const all = DOCS.map((f) => fs.readFileSync(path.join(ROOT, f), 'utf8')).join('\n');
    for (const name of Object.keys(GENERATED)) expect([name, all.includes(`<!-- generated: ${name} -->`)]).toEqual([name, true]);
  });
});
