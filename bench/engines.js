#!/usr/bin/env node
/**
 * `up` of 1 + 2 (from nothing to verified replication, the CLI as users run it) on the local
 * engine and on the second engine of scripts/second-engine.sh, which stands in for another host:
 * over TCP with mutual TLS, and over ssh; and on the one-node swarm scripts/test-env.sh makes of
 * the local engine (engine: swarm: each node a service). Runs are interleaved (local, tcp, ssh,
 * swarm, local, …) so the ratios compare like with like; one unmeasured run per engine first
 * makes its seed.
 *
 *   npm run bench:engines                  3 runs of each, replikit/mariadb:10.11
 *   npm run bench:engines -- --runs 5
 *
 * Prints a table, then one JSON document on the last line.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { option, image } = require('./args');

const RUNS = Number(option('runs', '3'));
const IMAGE = image();
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');
const KEY = '/var/lib/replikit-engine2/ssh/id_ed25519';

const agent = spawnSync('ssh-agent', ['-s'], { encoding: 'utf8' }).stdout;
const agentEnv = Object.fromEntries([...agent.matchAll(/(SSH_AUTH_SOCK|SSH_AGENT_PID)=([^;]+);/g)].map((m) => [m[1], m[2]]));
if (spawnSync('ssh-add', [KEY], { env: { ...process.env, ...agentEnv } }).status !== 0) throw new Error(`ssh-add ${KEY} failed: run scripts/second-engine.sh`);

const base = { ...process.env, CI: '1', MYSQL_ROOT_PASSWORD: 'bench-root-pw', MYSQL_REPLICATION_PASSWORD: 'bench-repl-pw' };
delete base.DOCKER_HOST;
delete base.DOCKER_CONTEXT;
const ENGINES = {
  local: base,
  'tcp+tls': { ...base, DOCKER_HOST: 'tcp://127.0.0.2:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/var/lib/replikit-engine2/certs/client' },
  ssh: { ...base, DOCKER_HOST: 'ssh://root@127.0.0.2:2222', ...agentEnv },
  swarm: base,
};
/** Engines whose topology puts every node on the swarm. */
const ON_SWARM = new Set(['swarm']);

function cli(env, ...argv) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => (code === 0 ? resolve(Number((process.hrtime.bigint() - start) / 1_000_000n)) : reject(new Error(`replikit ${argv.join(' ')} exited ${code}: ${err}`))));
  });
}

function topologyFile(name, swarm) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rk-bench-'));
  const file = path.join(dir, 'replikit.yaml');
  const on = swarm ? '    engine: swarm\n' : '';
  const nodes = `  primary:\n    role: primary\n${on}  replica1:\n    role: replica\n${on}  replica2:\n    role: replica\n${on}`;
  fs.writeFileSync(file, `version: 1\nname: ${name}\nimage: ${IMAGE}\ncredentials:\n  root_password: \${MYSQL_ROOT_PASSWORD}\n  replication_password: \${MYSQL_REPLICATION_PASSWORD}\nnodes:\n${nodes}`);
  return file;
}

async function upOnce(engine, i) {
  const file = topologyFile(`rk-bench-eng-${engine.replace(/\W/g, '')}-${i}`, ON_SWARM.has(engine));
  try {
    return await cli(ENGINES[engine], 'up', '-f', file);
  } finally {
    await cli(ENGINES[engine], 'down', '-f', file, '--volumes').catch(() => undefined);
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  for (const engine of Object.keys(ENGINES)) await upOnce(engine, 'warm');
  const times = Object.fromEntries(Object.keys(ENGINES).map((e) => [e, []]));
  for (let i = 0; i < RUNS; i++) for (const engine of Object.keys(ENGINES)) times[engine].push(await upOnce(engine, i));
  const local = median(times.local);
  const result = Object.fromEntries(
    Object.entries(times).map(([e, xs]) => [e, { medianMs: median(xs), minMs: Math.min(...xs), maxMs: Math.max(...xs), ratioToLocal: Number((median(xs) / local).toFixed(2)) }]),
  );
  console.log(`up 1+2, ${IMAGE}, ${RUNS} runs each, interleaved (ms: median, min–max, ratio to local)`);
  for (const [e, r] of Object.entries(result)) console.log(`  ${e.padEnd(8)} ${String(r.medianMs).padStart(6)}  ${r.minMs}–${r.maxMs}  ×${r.ratioToLocal}`);
  console.log(JSON.stringify({ image: IMAGE, runs: RUNS, up12: result }));
})()
  .catch((e) => {
    console.error(e.message);
    process.exitCode = 1;
  })
  .finally(() => agentEnv.SSH_AGENT_PID && process.kill(Number(agentEnv.SSH_AGENT_PID)));
