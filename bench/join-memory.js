#!/usr/bin/env node
/**
 * Memory of the replikit process while a replica joins a large source:
 *
 *   npm run build && node bench/join-memory.js [IMAGE] [--mib 1024]
 *
 * A fresh primary of IMAGE (default replikit/mariadb:10.11) gets about MIB MiB of rows (1 KiB
 * each); then `up` adds a replica, which loads a consistent snapshot streamed from the primary's
 * container into its own through this process. The resident set size of this process is
 * sampled every 100 ms during that `up`; the script prints the peak, the dump's size and the
 * time, then one JSON document on the last line.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createConnection } = require('mysql2/promise');
const lib = require('../dist');

const { option: opt, image, DIGITS } = require('./args');
const MIB = Number(opt('mib', 1024));
const IMAGE = image();
const env = { MYSQL_ROOT_PASSWORD: 'mem-root-pw', MYSQL_REPLICATION_PASSWORD: 'mem-repl-pw' };

async function main() {
  const name = 'rk-join-mem';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-mem-'));
  const file = path.join(dir, 'replikit.yaml');
  const head = `version: 1\nname: ${name}\nimage: ${IMAGE}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nnodes:\n  primary:\n    role: primary\n`;
  fs.writeFileSync(file, head);
  await lib.down(name, { volumes: true });
  try {
    const db = await lib.up(lib.loadTopology(file, { env }), { progress: 'silent' });
    const p = await createConnection(db.nodes[0].connection);
    await p.query('CREATE DATABASE mem');
    await p.query('CREATE TABLE mem.rows (id INT PRIMARY KEY, payload VARCHAR(1024) NOT NULL)');
    const rows = MIB * 1024;
    let t0 = Date.now();
    for (let base = 0; base < rows; base += 10_000) {
      await p.query(
        `INSERT INTO mem.rows SELECT ${base} + 1 + a.n + 10 * b.n + 100 * c.n + 1000 * d.n, REPEAT(SHA2(CONCAT(${base}, a.n, b.n, c.n, d.n), 256), 16) FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} d`,
      );
    }
    await p.end();
    console.log(`loaded ${rows} rows of 1 KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    fs.writeFileSync(file, `${head}  replica1:\n    role: replica\n`);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    t0 = Date.now();
    const r = await lib.up(lib.loadTopology(file, { env }), { progress: 'silent' });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const joinMs = Date.now() - t0;
    const line = r.changes.find((c) => c.startsWith('connect-replica replica1'));
    const size = /\(([\d.]+) MiB\)/.exec(line ?? '')?.[1];
    console.log(line);
    console.log(`join: ${(joinMs / 1000).toFixed(1)} s; replikit process RSS ${(before / 2 ** 20).toFixed(0)} MiB before, peak ${(peak / 2 ** 20).toFixed(0)} MiB`);
    console.log(JSON.stringify({ image: IMAGE, rows, dumpMiB: Number(size), joinSeconds: joinMs / 1000, rssBeforeMiB: before / 2 ** 20, rssPeakMiB: peak / 2 ** 20 }));
  } finally {
    await lib.down(name, { volumes: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
