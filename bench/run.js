#!/usr/bin/env node
/**
 * replikit's benchmark, on the real engine (npm run bench builds first):
 *
 *   npm run bench                    image replikit/mariadb:10.11, 3 runs of each measure
 *   npm run bench -- IMAGE --runs 5  another image (replikit/mysql:9.7, …), more runs
 *
 * Measures, each several times, medians and spreads (min–max):
 * - floor: N containers of the image started in parallel with plain `docker run`, until each
 *   answers a ping: what the engine and the server cost with no replication at all;
 * - once, first: `up` of 1+2 with no seed data directory on the machine yet (a fresh CI
 *   runner), against a floor(3) measured just before it;
 * - `replikit up` (the CLI, as users run it) for 1+1, 1+2, 1+8 from nothing to verified
 *   replication, and its ratio to the floor of the same node count, measured in the same run;
 * - `up` on a converged topology, `status`, `down --volumes`, `replikit --help`;
 * - peak memory of every server container (cgroup), for the dev and production profiles;
 * - once: adding a replica to a primary holding 200,000 rows, and a switchover of 1 + 2.
 * Prints a readable table, then one JSON document on the last line.
 */
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { createConnection } = require('mysql2/promise');

const { option, image, PASSWORD, stats } = require('./args');

const run = promisify(execFile);
const RUNS = Number(option('runs', 3));
const IMAGE = image();
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');
const env = { ...process.env, CI: '1' };

const ms = (start) => Number((process.hrtime.bigint() - start) / 1_000_000n);
const pause = (t) => new Promise((r) => setTimeout(r, t));

async function replikit(...argv) {
  const start = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`replikit ${argv.join(' ')} exited ${code}: ${err}`))));
  });
  return ms(start);
}

function topologyFile(name, replicas, profile = 'dev') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-bench-'));
  const nodes = Array.from({ length: replicas }, (_, i) => `  replica${i + 1}:\n    role: replica\n`).join('');
  const file = path.join(dir, 'replikit.yaml');
  fs.writeFileSync(
    file,
    `version: 1\nname: ${name}\nimage: ${IMAGE}\nprofile: ${profile}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nnodes:\n  primary:\n    role: primary\n${nodes}`,
  );
  return file;
}

/** Plain `docker run` of n servers at once, until each answers a ping on its published port. */
async function floor(n) {
  const names = Array.from({ length: n }, (_, i) => `rk-bench-floor-${i}`);
  await run('docker', ['rm', '-f', '-v', ...names]).catch(() => undefined);
  const start = process.hrtime.bigint();
  await Promise.all(
    names.map(async (name) => {
      await run('docker', ['run', '-d', '--name', name, '-e', `MARIADB_ROOT_PASSWORD=${PASSWORD}`, '-e', `MYSQL_ROOT_PASSWORD=${PASSWORD}`, '-p', '127.0.0.1::3306', IMAGE]);
      const { stdout } = await run('docker', ['port', name, '3306/tcp']);
      const port = Number(stdout.trim().split('\n')[0].split(':').pop());
      for (;;) {
        try {
          const c = await createConnection({ host: '127.0.0.1', port, user: 'root', password: PASSWORD, connectTimeout: 2000 });
          await c.ping();
          await c.end();
          return;
        } catch {
          await pause(100);
        }
      }
    }),
  );
  const elapsed = ms(start);
  const memory = await peakMemory(names);
  await run('docker', ['rm', '-f', '-v', ...names]);
  return { elapsed, memory };
}

/** Peak memory (bytes) of each container, from its cgroup (v1 or v2); docker stats' current use as a fallback. */
async function peakMemory(containers) {
  return Promise.all(
    containers.map(async (c) => {
      const id = (await run('docker', ['inspect', '-f', '{{.Id}}', c])).stdout.trim();
      for (const file of [
        `/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`,
        `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`,
        `/sys/fs/cgroup/docker/${id}/memory.peak`,
      ]) {
        if (fs.existsSync(file)) return Number(fs.readFileSync(file, 'utf8'));
      }
      const { stdout } = await run('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', c]);
      const m = /^([\d.]+)([KMG]i?B)/.exec(stdout.trim());
      return m ? Number(m[1]) * { KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, kB: 1e3, MB: 1e6, GB: 1e9 }[m[2]] : NaN;
    }),
  );
}

async function main() {
  await run('docker', ['image', 'inspect', IMAGE]).catch(() => {
    throw new Error(`image ${IMAGE} is missing: scripts/test-env.sh builds the test images`);
  });
  const samples = {};
  const add = (key, value) => (samples[key] ??= []).push(value);
  const memory = {};

  // The seed data directory is a cache like the image: made by the first up of an image on a
  // machine, which is what every fresh CI runner pays. Measured against the floor of its run.
  const seedVolumes = (await run('docker', ['volume', 'ls', '-q', '-f', 'label=io.replikit.seed'])).stdout.trim().split('\n').filter(Boolean);
  if (seedVolumes.length) await run('docker', ['volume', 'rm', ...seedVolumes]);
  const coldFloor = await floor(3);
  const cold = topologyFile('rk-bench-cold', 2);
  await replikit('down', '--volumes', '-q', '-f', cold);
  add('floor_3_before_first_up_ms', coldFloor.elapsed);
  add('up_1p2r_first_ever_ms', await replikit('up', '-q', '-f', cold));
  add('ratio_first_up_1p2r_to_floor_3', samples.up_1p2r_first_ever_ms.at(-1) / coldFloor.elapsed);
  await replikit('down', '--volumes', '-q', '-f', cold);

  for (let r = 1; r <= RUNS; r++) {
    process.stderr.write(`run ${r}/${RUNS}\n`);
    for (const [replicas, nodes] of [
      [1, 2],
      [2, 3],
      [8, 9],
    ]) {
      const f = await floor(nodes);
      add(`floor_${nodes}_ms`, f.elapsed);
      if (r === 1) memory[`floor_${nodes}_default_config`] = f.memory;
      const file = topologyFile(`rk-bench-${nodes}`, replicas);
      await replikit('down', '--volumes', '-q', '-f', file);
      add(`up_1p${replicas}r_ms`, await replikit('up', '-q', '-f', file));
      add(`ratio_up_1p${replicas}r_to_floor_${nodes}`, samples[`up_1p${replicas}r_ms`].at(-1) / f.elapsed);
      if (replicas === 2) {
        add('up_noop_ms', await replikit('up', '-q', '-f', file));
        add('status_ms', await replikit('status', '-q', '-f', file));
      }
      if (r === 1) memory[`up_1p${replicas}r_dev_profile`] = await peakMemory(Array.from({ length: nodes }, (_, i) => `rk-bench-${nodes}-${i ? `replica${i}` : 'primary'}`));
      add(`down_volumes_${nodes}_nodes_ms`, await replikit('down', '--volumes', '-q', '-f', file));
    }
    add('help_ms', await replikit('--help'));
  }

  // Joining a primary that holds data (snapshot, catch-up, heartbeat), then a switchover.
  const lib = require('../dist');
  const data = topologyFile('rk-bench-data', 1);
  await replikit('down', '--volumes', '-q', '-f', data);
  await replikit('up', '-q', '-f', data);
  const port = Number((await run('docker', ['port', 'rk-bench-data-primary', '3306/tcp'])).stdout.trim().split('\n')[0].split(':').pop());
  const c = await createConnection({ host: '127.0.0.1', port, user: 'root', password: PASSWORD });
  await c.query('CREATE DATABASE app');
  await c.query('CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64))');
  // Rows from a cross join of digits: the same SQL on every flavour (no sequence engine, no CTE
  // limit, and SHA2, not MD5, which MySQL 9.7 no longer has).
  const digits = '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  await c.query(`INSERT INTO app.t (v) SELECT SHA2(a.d + 10 * b.d + 100 * c.d + 1000 * d.d + 10000 * e.d + 100000 * f.d, 256) FROM ${['a', 'b', 'c', 'd', 'e', 'f'].map((x) => `${digits} ${x}`).join(', ')} WHERE f.d < 2`);
  await c.end();
  fs.appendFileSync(data, '  replica2:\n    role: replica\n');
  add('join_replica_to_200k_rows_ms', await replikit('up', '-q', '-f', data));
  const started = process.hrtime.bigint();
  const sw = await lib.switchover(data, 'replica1', { progress: 'silent' });
  add('switchover_1p2r_ms', ms(started));
  add('switchover_writes_refused_ms', sw.writeDowntimeMs);
  await replikit('down', '--volumes', '-q', '-f', data);

  const prod = topologyFile('rk-bench-prod', 2, 'production');
  await replikit('down', '--volumes', '-q', '-f', prod);
  add('up_1p2r_production_profile_ms', await replikit('up', '-q', '-f', prod));
  memory.up_1p2r_production_profile = await peakMemory(['rk-bench-prod-primary', 'rk-bench-prod-replica1', 'rk-bench-prod-replica2']);
  await replikit('down', '--volumes', '-q', '-f', prod);

  const results = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, k.startsWith('ratio') ? ratioStats(v) : stats(v)]));
  const mib = (b) => Math.round(b / 2 ** 20);
  const memoryMiB = Object.fromEntries(Object.entries(memory).map(([k, v]) => [k, { max: mib(Math.max(...v)), median: mib(stats(v).median), perNode: v.map(mib) }]));

  console.log(`replikit benchmark: ${IMAGE}, ${RUNS} runs, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);
  console.log('| measure | median | min | max |\n|---|---|---|---|');
  for (const [k, s] of Object.entries(results)) console.log(`| ${k} | ${s.median} | ${s.min} | ${s.max} |`);
  console.log('\n| peak memory (MiB) | median per node | max per node |\n|---|---|---|');
  for (const [k, m] of Object.entries(memoryMiB)) console.log(`| ${k} | ${m.median} | ${m.max} |`);
  console.log(JSON.stringify({ image: IMAGE, runs: RUNS, cores: os.cpus().length, node: process.version, results, memoryMiB }));
}

function ratioStats(values) {
  const s = stats(values.map((v) => Math.round(v * 100)));
  return { median: s.median / 100, min: s.min / 100, max: s.max / 100, runs: values.map((v) => Math.round(v * 100) / 100) };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
