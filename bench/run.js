#!/usr/bin/env node
/**
 * Measures replikit on the real engine (npm run build first):
 *   node bench/run.js [image]        default image: replikit/mariadb:10.11
 * Prints one line per figure and a JSON summary. Topologies are created under the name
 * rk-bench-* with ports picked by Docker, and removed afterwards.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createConnection } = require('mysql2/promise');
const { loadTopology, up, down, switchover, DockerEngine } = require('../dist');

const image = process.argv[2] ?? 'replikit/mariadb:10.11';
const env = { MYSQL_ROOT_PASSWORD: 'bench-root', MYSQL_REPLICATION_PASSWORD: 'bench-repl' };
const docker = new DockerEngine();

function topology(name, replicas) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-bench-'));
  const nodes = replicas.map((r) => `  ${r}:\n    role: replica\n`).join('');
  const file = path.join(dir, 'replikit.yaml');
  fs.writeFileSync(file, `version: 1\nname: ${name}\nimage: ${image}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nnodes:\n  primary:\n    role: primary\n${nodes}`);
  return loadTopology(file, { env });
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number((process.hrtime.bigint() - start) / 1_000_000n), result };
}

async function sql(port, q, values) {
  const c = await createConnection({ host: '127.0.0.1', port, user: 'root', password: env.MYSQL_ROOT_PASSWORD });
  try {
    return (await c.query(q, values))[0];
  } finally {
    await c.end();
  }
}

async function main() {
  const figures = {};
  const note = (key, value, text) => {
    figures[key] = value;
    console.log(`${key}: ${text}`);
  };

  const two = topology('rk-bench-two', ['replica1']);
  await down(two.name, { volumes: true });
  const cold = await timed(() => up(two, { progress: 'silent' }));
  note('up_cold_1p1r_ms', cold.ms, `${cold.ms} ms for a cold up of primary + 1 replica (heartbeat lag ${cold.result.nodes[1].heartbeatLagMs} ms)`);
  const warm = await timed(() => up(two, { progress: 'silent' }));
  note('up_converged_ms', warm.ms, `${warm.ms} ms for up on the converged topology (changed: ${warm.result.changed})`);

  const p = await docker.hostPort(`${two.name}-primary`);
  const rows = 200_000;
  await sql(p, 'CREATE DATABASE app');
  await sql(p, 'CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB');
  await sql(p, `INSERT INTO app.t (v) SELECT MD5(seq) FROM app.seq_1_to_${rows}`);
  const grown = topology('rk-bench-two', ['replica1', 'replica2']);
  const join = await timed(() => up(grown, { progress: 'silent' }));
  note('join_snapshot_200k_rows_ms', join.ms, `${join.ms} ms to add a replica to a primary holding ${rows} rows (snapshot + catch-up + verify)`);

  const sw = await timed(() => switchover(grown, 'replica1', { progress: 'silent' }));
  note('switchover_ms', sw.ms, `${sw.ms} ms for a switchover of 1 primary + 2 replicas; writes refused for ${sw.result.writeDowntimeMs} ms`);
  figures.switchover_write_downtime_ms = sw.result.writeDowntimeMs;
  await down(two.name, { volumes: true });

  const many = topology('rk-bench-many', Array.from({ length: 8 }, (_, i) => `replica${i + 1}`));
  await down(many.name, { volumes: true });
  const fan = await timed(() => up(many, { progress: 'silent', startTimeoutMs: 300_000 }));
  const lags = fan.result.nodes.filter((n) => n.heartbeatLagMs !== undefined).map((n) => n.heartbeatLagMs);
  note('up_cold_1p8r_ms', fan.ms, `${fan.ms} ms for a cold up of primary + 8 replicas on ${os.cpus().length} cores (heartbeat lag max ${Math.max(...lags)} ms)`);
  await down(many.name, { volumes: true });

  console.log(JSON.stringify({ image, cores: os.cpus().length, ...figures }));
}

main().catch(async (e) => {
  console.error(e);
  await down('rk-bench-two', { volumes: true }).catch(() => undefined);
  await down('rk-bench-many', { volumes: true }).catch(() => undefined);
  process.exit(1);
});
