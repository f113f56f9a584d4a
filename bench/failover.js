#!/usr/bin/env node
/**
 * Failover and semi-sync, measured on the real engine (npm run bench:failover builds first):
 *
 *   npm run bench:failover                    image replikit/mariadb:10.11, 3 runs
 *   npm run bench:failover -- IMAGE --runs 5
 *
 * - failover of 1+2 and of 1+8 (GTID, semi-sync on): the primary's container killed (SIGKILL,
 *   kept down), then `failover` timed from its start to a writable new primary, and to every
 *   other replica following it with a heartbeat verified (detection excluded);
 * - commit latency of single-row autocommit inserts on the primary of 1+2, one client, with
 *   semi-sync (AFTER_SYNC, one replica) against without: p50 and p99 of 2,000 inserts.
 * Prints a readable table, then one JSON document on the last line.
 */
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { createConnection } = require('mysql2/promise');

const { option, image, stats } = require('./args');

const RUNS = Number(option('runs', 3));
const IMAGE = image();

const run = promisify(execFile);
const lib = require('../dist');

function topology(name, replicas, semiSync) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-bench-fo-'));
  const nodes = Array.from({ length: replicas }, (_, i) => `  replica${i + 1}:\n    role: replica\n`).join('');
  const file = path.join(dir, 'replikit.yaml');
  fs.writeFileSync(
    file,
    `version: 1\nname: ${name}\nimage: ${IMAGE}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nreplication:\n  mode: gtid\n  semi_sync: ${semiSync}\nnodes:\n  primary:\n    role: primary\n${nodes}`,
  );
  return lib.loadTopology(file);
}

async function primaryConnection(r) {
  const p = r.nodes.find((n) => n.role === 'primary');
  return createConnection(p.connection);
}

async function failoverOnce(replicas) {
  const t = topology(`rk-bench-fo${replicas}`, replicas, true);
  await lib.down(t, { volumes: true });
  const r = await lib.up(t);
  const c = await primaryConnection(r);
  await c.query('CREATE DATABASE app');
  await c.query('CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64))');
  for (let i = 0; i < 200; i++) await c.query('INSERT INTO app.t (v) VALUES (?)', [`row ${i}`]);
  await c.end();
  await run('docker', ['kill', `${t.name}-primary`]);
  await run('docker', ['stop', '-t', '1', `${t.name}-primary`]).catch(() => undefined);
  const f = await lib.failover(t);
  await lib.down(t, { volumes: true });
  return f;
}

async function commitLatency(semiSync) {
  const t = topology(`rk-bench-lat${semiSync ? 's' : 'a'}`, 2, semiSync);
  await lib.down(t, { volumes: true });
  const r = await lib.up(t);
  const c = await primaryConnection(r);
  await c.query('CREATE DATABASE app');
  await c.query('CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64))');
  const times = [];
  for (let i = 0; i < 2000; i++) {
    const start = process.hrtime.bigint();
    await c.query('INSERT INTO app.t (v) VALUES (?)', [`row ${i}`]);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await c.end();
  await lib.down(t, { volumes: true });
  times.sort((a, b) => a - b);
  const at = (q) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 100) / 100;
  return { p50: at(0.5), p99: at(0.99) };
}

async function main() {
  const samples = {};
  const add = (key, value) => (samples[key] ??= []).push(value);
  for (let r = 1; r <= RUNS; r++) {
    process.stderr.write(`run ${r}/${RUNS}\n`);
    for (const replicas of [2, 8]) {
      const f = await failoverOnce(replicas);
      add(`failover_1p${replicas}r_writable_ms`, f.writableAfterMs);
      add(`failover_1p${replicas}r_all_following_ms`, f.tookMs);
    }
    for (const semi of [false, true]) {
      const l = await commitLatency(semi);
      add(`commit_${semi ? 'semisync' : 'async'}_p50_ms`, l.p50);
      add(`commit_${semi ? 'semisync' : 'async'}_p99_ms`, l.p99);
    }
  }
  const results = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, stats(v)]));
  console.log(`replikit failover benchmark: ${IMAGE}, ${RUNS} runs, ${os.cpus().length} cores, Node ${process.version}\n`);
  console.log('| measure | median | min | max |\n|---|---|---|---|');
  for (const [k, s] of Object.entries(results)) console.log(`| ${k} | ${s.median} | ${s.min} | ${s.max} |`);
  console.log(JSON.stringify({ image: IMAGE, runs: RUNS, results }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
