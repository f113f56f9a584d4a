#!/usr/bin/env node
/**
 * Replication under sustained writes (npm run bench:load builds first):
 *
 *   node bench/load.js [IMAGE] [--writers 8] [--rows 80000] [--seconds 30] [--workers 0,4]
 *
 * For each value of replication.parallel_workers (0: apply one at a time, replikit's behaviour
 * before parallel apply; 4: today's default), on a fresh 1 primary + 2 replicas of IMAGE:
 * - WRITERS clients insert single-row autocommit transactions until ROWS rows or SECONDS pass;
 * - lag is sampled every 100 ms on each replica from a heartbeat row the primary updates every
 *   100 ms (the replica's copy of the primary's clock), never from Seconds_Behind_*;
 * - catch-up: from the writers' stop until every replica has applied all of it
 *   (waitForReplication, a server-side wait);
 * - verify: every replica's table equal to the primary's (no row lost).
 * Prints a table, then one JSON document on the last line.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createConnection } = require('mysql2/promise');
const lib = require('../dist');

const { option: opt, image } = require('./args');
const WRITERS = Number(opt('writers', 8));
const ROWS = Number(opt('rows', 80_000));
const SECONDS = Number(opt('seconds', 30));
const WORKERS = String(opt('workers', '0,4')).split(',').map(Number);
const IMAGE = image();
const env = { MYSQL_ROOT_PASSWORD: 'load-root-pw', MYSQL_REPLICATION_PASSWORD: 'load-repl-pw' };
const pause = (t) => new Promise((r) => setTimeout(r, t));

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(workers) {
  const name = `rk-load-${workers}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-load-'));
  const file = path.join(dir, 'replikit.yaml');
  fs.writeFileSync(
    file,
    `version: 1\nname: ${name}\nimage: ${IMAGE}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nreplication:\n  parallel_workers: ${workers}\nnodes:\n  primary:\n    role: primary\n  replica1:\n    role: replica\n  replica2:\n    role: replica\n`,
  );
  const t = lib.loadTopology(file, { env });
  await lib.down(name, { volumes: true });
  const db = await lib.up(t, { progress: 'silent' });
  const [primary, ...replicas] = db.nodes;
  const admin = await createConnection(primary.connection);
  await admin.query('CREATE DATABASE load_test');
  await admin.query('CREATE TABLE load_test.events (id BIGINT AUTO_INCREMENT PRIMARY KEY, writer INT NOT NULL, n INT NOT NULL, payload VARCHAR(100) NOT NULL, KEY (writer, n))');
  await admin.query('CREATE TABLE load_test.clock (id INT PRIMARY KEY, ms BIGINT NOT NULL)');
  await admin.query('INSERT INTO load_test.clock VALUES (1, 0)');
  await admin.query('UPDATE load_test.clock SET ms = ? WHERE id = 1', [Date.now()]);
  await lib.waitForReplication(db);

  // The primary's clock, written every 100 ms; each replica's copy of it says how far behind it is.
  let ticking = true;
  const ticker = (async () => {
    const c = await createConnection(primary.connection);
    while (ticking) {
      await c.query('UPDATE load_test.clock SET ms = ? WHERE id = 1', [Date.now()]);
      await pause(100);
    }
    await c.end();
  })();
  const samples = new Map(replicas.map((r) => [r.name, []]));
  let sampling = true;
  const samplers = replicas.map(async (r) => {
    const c = await createConnection(r.connection);
    while (sampling) {
      const [[row]] = await c.query('SELECT ms FROM load_test.clock WHERE id = 1');
      // 0 until the first tick has arrived: no reading yet.
      if (Number(row.ms) > 0) samples.get(r.name).push(Math.max(0, Date.now() - Number(row.ms)));
      await pause(100);
    }
    await c.end();
  });

  let written = 0;
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const c = await createConnection(primary.connection);
      for (let n = 0; written < ROWS && Date.now() < deadline; n++) {
        await c.query('INSERT INTO load_test.events (writer, n, payload) VALUES (?, ?, ?)', [w, n, `writer ${w} row ${n} ${'x'.repeat(40)}`]);
        written++;
      }
      await c.end();
    }),
  );
  const stoppedAt = Date.now();
  const writeSeconds = (stoppedAt - started) / 1000;
  const { waitedMs } = await lib.waitForReplication(db, { timeoutMs: 600_000 });
  const catchUpMs = Date.now() - stoppedAt;
  ticking = false;
  sampling = false;
  await Promise.all([ticker, ...samplers]);
  await admin.end();
  // The clock kept ticking while the replicas caught up; verify after they have its last tick too.
  await lib.waitForReplication(db, { timeoutMs: 600_000 });

  const report = await lib.verify(t, { maxLagSeconds: 10 });
  const lag = {};
  for (const [replica, values] of samples) {
    const sorted = [...values].sort((a, b) => a - b);
    lag[replica] = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? null, samples: sorted.length };
  }
  await lib.down(name, { volumes: true });
  return {
    parallelWorkers: workers,
    rows: written,
    writeSeconds: Math.round(writeSeconds * 10) / 10,
    rowsPerSecond: Math.round(written / writeSeconds),
    lagMs: lag,
    catchUpMs,
    waitForReplicationMs: waitedMs,
    verified: report.ok,
    problems: report.problems,
  };
}

async function main() {
  const results = [];
  for (const w of WORKERS) {
    process.stderr.write(`parallel_workers ${w}\n`);
    results.push(await measure(w));
  }
  console.log(`replikit load benchmark: ${IMAGE}, ${WRITERS} writers, up to ${ROWS} rows or ${SECONDS} s, ${os.cpus().length} cores, Node ${process.version}\n`);
  console.log('| parallel_workers | rows | rows/s | lag p50 / p99 / max (ms), replica1 | replica2 | catch-up after the writers stop (ms) | verify |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const l = (n) => `${r.lagMs[n].p50} / ${r.lagMs[n].p99} / ${r.lagMs[n].max}`;
    console.log(`| ${r.parallelWorkers} | ${r.rows} | ${r.rowsPerSecond} | ${l('replica1')} | ${l('replica2')} | ${r.catchUpMs} | ${r.verified ? 'equal' : r.problems.join('; ')} |`);
  }
  console.log(JSON.stringify({ image: IMAGE, writers: WRITERS, rows: ROWS, seconds: SECONDS, cores: os.cpus().length, node: process.version, results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
