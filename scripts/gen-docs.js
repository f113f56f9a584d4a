#!/usr/bin/env node
// Writes the generated tables into README.md and docs/*.md (the blocks between
// `<!-- generated: NAME -->` and `<!-- end generated: NAME -->`) from the build (dist/reference.js):
// the commands from the CLI's own definitions, the operations of `up` from its step table.
// `npm run docs` builds, then runs this; test/unit/docs.test.ts fails when a block is not current.
const fs = require('node:fs');
const path = require('node:path');
const { withGenerated } = require('../dist/reference.js');

const root = path.join(__dirname, '..');
const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
for (const file of files) {
  const full = path.join(root, file);
  const text = fs.readFileSync(full, 'utf8');
  const next = withGenerated(text);
  if (next !== text) {
    fs.writeFileSync(full, next);
    console.log(`gen-docs: wrote ${file}`);
  }
}
