#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputError, ReplikitError, TopologyError } from './errors';
import type { UpResult } from './commands/up';
import type { Progress } from './run/listr-renderer';
import { DEFAULT_FILE } from './topology/types';

// Commands load their modules when they run: `replikit --help` never loads dockerode, mysql2 or listr2.
const topologyModule = () => import('./topology/load');

/** Exit codes: 0 success, 1 runtime failure (Docker, MySQL), 2 invalid input or usage. */
const EXIT = { ok: 0, runtime: 1, input: 2 } as const;

const stamp = () => new Date().toISOString().slice(11, 19);

// For ssh:// engines docker-modem parses a URL of its own making ("ssh:HOST:PORT") with url.parse,
// and Node warns about it (DEP0170) on every run: nothing the user did or can change.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code = typeof rest[0] === 'object' ? (rest[0] as { code?: string })?.code : rest[1];
  if (code === 'DEP0170' && String(warning).includes('ssh:')) return;
  (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const INTERRUPTS = { SIGINT: 'Ctrl-C', SIGTERM: 'SIGTERM', SIGHUP: 'SIGHUP' } as const;

/**
 * A controller that the first Ctrl-C, SIGTERM (a CI job cancelled, docker stop) or SIGHUP (the
 * terminal closed) aborts alike: the command stops at its next safe point and cleans up, or
 * finishes what must not be left half done. The next signal of any of them exits at once.
 */
function interruptible(hint?: string): AbortController {
  const controller = new AbortController();
  const handlers = Object.entries(INTERRUPTS).map(([signal, what]) => {
    const handler = () => {
      for (const [s, h] of handlers) process.off(s, h);
      controller.abort(new ReplikitError(`interrupted (${what})`, hint));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return controller;
}

function fileOption() {
  return new Option('-f, --file <file>', 'topology file').default(DEFAULT_FILE);
}

interface OutputFlags {
  json?: boolean;
  plain?: boolean;
  quiet?: boolean;
}

/** --json and --quiet print no progress; --plain forces timestamped lines; else listr2 decides by terminal. */
function progressOf(o: OutputFlags): Progress {
  return o.json || o.quiet ? 'silent' : o.plain ? 'plain' : 'auto';
}

/** Human output, unless --json (which prints its own) or --quiet (which prints nothing but errors). */
function say(o: OutputFlags, text: string): void {
  if (!o.json && !o.quiet) console.log(text);
}

function warn(o: OutputFlags, warnings: string[]): void {
  if (!o.quiet) for (const w of warnings) console.error(`${stamp()} warning: ${w}`);
}

/** `plan` and `up --dry-run`: the operations and their causes; nothing is changed. */
async function showPlan(o: { file: string; removeOrphans?: boolean; detailedExitcode?: boolean } & OutputFlags): Promise<void> {
  const t = (await topologyModule()).loadTopology(o.file);
  const { plan } = await import('./commands/plan');
  const p = await plan(t, { removeOrphans: o.removeOrphans });
  if (o.json) print({ topology: t.name, ...p.toJSON() });
  say(o, p.toText());
  // A plan that up would refuse is an error: up would stop on it.
  if (p.refused.length) process.exitCode = EXIT.runtime;
  else if (o.detailedExitcode && !p.empty) process.exitCode = EXIT.input;
}

export function program(): Command {
  const cli = new Command('replikit')
    .description('One YAML topology file to running, verified MySQL/MariaDB replication in Docker')
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError();

  cli
    .command('validate')
    .summary('check a topology file; exit 2 with every problem, positioned, when it is invalid')
    .description(
      'parse and check the file; every problem at once, as `file:line:column: key.path: what (how to fix)`; exit 2 when it is invalid',
    )
    .addOption(fileOption())
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'print nothing when valid; the exit code says it')
    .action(async (o: { file: string } & OutputFlags) => {
      const { loadTopology } = await topologyModule();
      let t;
      try {
        t = loadTopology(o.file);
      } catch (e) {
        if (!(o.json && e instanceof TopologyError)) throw e;
        print({ valid: false, problems: e.problems });
        process.exitCode = EXIT.input;
        return;
      }
      if (o.json) print({ valid: true, file: t.file, name: t.name, nodes: t.nodes, warnings: t.warnings });
      warn(o, o.json ? [] : t.warnings);
      say(o, `${o.file}: valid (${t.nodes.length} nodes: ${t.nodes.map((n) => `${n.name}=${n.role}`).join(', ')})`);
    });

  cli
    .command('render')
    .summary("write each node's my.cnf (to stdout, or into --out DIR as NODE.cnf)")
    .description("each node's my.cnf, printed, or written as `DIR/NODE.cnf` (mode 0644) with --out")
    .addOption(fileOption())
    .option('--out <dir>', 'folder to write NODE.cnf files into')
    .option('--json', 'print [{ node, file?, text }] as JSON')
    .option('-q, --quiet', 'print nothing but errors (with --out)')
    .action(async (o: { file: string; out?: string } & OutputFlags) => {
      const t = (await topologyModule()).loadTopology(o.file);
      const { renderAll } = await import('./render/mycnf');
      warn(o, t.warnings);
      const written: { node: string; file?: string; text: string }[] = [];
      for (const r of renderAll(t)) {
        if (!o.out) {
          written.push({ node: r.node, text: r.text });
          if (!o.json && !o.quiet) console.log(`# ---- ${r.node}.cnf ----\n${r.text}`);
          continue;
        }
        fs.mkdirSync(o.out, { recursive: true });
        const file = path.join(o.out, `${r.node}.cnf`);
        fs.writeFileSync(file, r.text);
        fs.chmodSync(file, 0o644); // mysqld ignores a world-writable my.cnf
        written.push({ node: r.node, file, text: r.text });
        say(o, `wrote ${file}`);
      }
      if (o.json) print(written);
    });

  cli
    .command('up')
    .summary('create, start, connect and verify every node; idempotent')
    .description(
      "preflight, pull what is missing, lock the topology, then observe → plan → execute → verify: network, volumes (new data directories are copies of a cached seed), containers, then each server: changed settings, the replication account, the mode, each replica's source, init SQL, read-only state, and a heartbeat. Idempotent: on a converged topology it changes nothing and says so; any change to the file is applied with the least disruption. When it fails it removes what this run created (--keep-on-failure keeps it). --dry-run is `plan`",
    )
    .addOption(fileOption())
    .option('--json', 'print the result as one JSON document (no progress output)')
    .option('--plain', 'timestamped progress lines instead of the live tree')
    .option('-q, --quiet', 'print nothing but errors')
    .option('--keep-on-failure', 'when up fails, keep the containers and volumes this run created for inspection (default: remove them)')
    .option('--remove-orphans', 'remove containers of this topology whose node is no longer in the file (their volumes stay)')
    .option('--dry-run', 'print the plan and change nothing (replikit plan)')
    .action(async (o: { file: string; keepOnFailure?: boolean; removeOrphans?: boolean; dryRun?: boolean } & OutputFlags) => {
      if (o.dryRun) return showPlan(o);
      const t = (await topologyModule()).loadTopology(o.file);
      const { up } = await import('./commands/up');
      const { withoutSecrets } = await import('./replication/connection');
      warn(o, t.warnings);
      // The first interrupt stops at the next step and cleans up; a second one exits at once.
      const controller = interruptible('run replikit up again to finish, or replikit down to remove what exists');
      const result = await up(t, {
        progress: progressOf(o),
        signal: controller.signal,
        keepOnFailure: o.keepOnFailure,
        removeOrphans: o.removeOrphans,
      });
      if (o.json) print(withoutSecrets(result));
      say(o, summary(result));
    });

  cli
    .command('plan')
    .summary('print what up would do and why, changing nothing')
    .description(
      'what `up` would do and why, each operation (`kind target: cause`) under the step of `up` that runs it; changes nothing. Exit 0; with --detailed-exitcode, 2 when `up` would change something (drift in CI, as `terraform plan`); 1 when `up` would refuse a change',
    )
    .addOption(fileOption())
    .option('--json', 'print the plan as one JSON document')
    .option('--remove-orphans', 'plan the removal of containers whose node left the file')
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when up would change something, 1 on errors')
    .action(showPlan);

  cli
    .command('status')
    .summary('containers, versions and replication threads of every node')
    .description(
      "node, role, container state, address, version, source, IO/SQL threads, seconds behind (with a replica's `delay:` beside it), last error and its likely cause; chains shown as a tree. Exit 1 when unhealthy",
    )
    .addOption(fileOption())
    .option('--json', 'print the status as one JSON document')
    .option('-q, --quiet', 'print nothing; exit 1 when not healthy')
    .action(async (o: { file: string } & OutputFlags) => {
      const { status, formatStatus } = await import('./commands/status');
      const report = await status(o.file);
      const { withoutSecrets } = await import('./replication/connection');
      if (o.json) print(withoutSecrets(report));
      say(o, formatStatus(report));
      if (!report.healthy) process.exitCode = EXIT.runtime;
    });

  cli
    .command('verify')
    .summary('read-only check: threads running, lag under a bound, every replicated table equal to its source')
    .description(
      "read-only check for CI: every node answers, every replica's threads run with lag ≤ --max-lag seconds (a `delay:` on purpose is not counted), and every replicated table holds its source's rows: compared in chunks of 10,000 keys (row count and XOR of each row's CRC32, as pt-table-checksum does), a difference reported with its key range; tables without a primary key whole, with CHECKSUM TABLE. Exit 1 otherwise, a line per problem",
    )
    .addOption(fileOption())
    .option('--max-lag <seconds>', 'largest replica lag that passes', (v) => positiveInt(v, '--max-lag'), 10)
    .option('--json', 'print the report as one JSON document')
    .option('-q, --quiet', 'print only problems; the exit code says the rest')
    .action(async (o: { file: string; maxLag: number } & OutputFlags) => {
      const { verify } = await import('./commands/verify');
      // Large tables go chunk by chunk: one line a second at most, on stderr, while they do.
      let shownAt = 0;
      const progress = (line: string) => {
        if (o.json || o.quiet || Date.now() - shownAt < 1000) return;
        shownAt = Date.now();
        console.error(`${stamp()} comparing ${line}`);
      };
      const r = await verify(o.file, { maxLagSeconds: o.maxLag, progress });
      if (o.json) print(r);
      for (const x of r.replicas)
        say(
          o,
          `${x.node} ← ${x.source}: IO ${x.io}, SQL ${x.sql}, ${x.secondsBehind ?? '?'} s behind, ${x.equalTables}/${x.tables} tables equal`,
        );
      if (!o.json) for (const p of r.problems) console.error(`problem: ${p}`);
      say(o, r.ok ? `${r.topology}: verified` : `${r.topology}: NOT verified (${r.problems.length} problem(s))`);
      if (!r.ok) process.exitCode = EXIT.runtime;
    });

  cli
    .command('down')
    .summary("remove the topology's containers and network (and data with --volumes)")
    .description(
      "removes the topology's labelled containers and network; with --volumes also its data volumes, a lock left by a killed run and its CA: nothing of the topology is left. Nothing else is touched",
    )
    .addOption(fileOption())
    .option('--volumes', 'also remove the data volumes')
    .option('--json', 'print what was removed as JSON')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (o: { file: string; volumes?: boolean } & OutputFlags) => {
      const { readTopologyPlacement } = await import('./topology/name');
      const { down } = await import('./commands/down');
      const removed = await down(readTopologyPlacement(o.file), { volumes: o.volumes });
      if (o.json) print(removed);
      const parts = [`${removed.containers.length} container(s)`, `${removed.networks.length} network(s)`];
      if (o.volumes) parts.push(`${removed.volumes.length} volume(s)`);
      say(o, `removed ${parts.join(', ')}${o.volumes ? '' : '; data volumes kept (--volumes removes them)'}`);
    });
  cli
    .command('prune')
    .summary("remove replikit's caches: seed data directories and the image facts")
    .description(
      "removes replikit's caches: the seed data directories (one per image and profile) and the cache of what each image runs. No topology is touched",
    )
    .option('--json', 'print what was removed as JSON')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (o: OutputFlags) => {
      const { prune } = await import('./commands/prune');
      const removed = await prune();
      if (o.json) print(removed);
      say(o, `removed ${removed.volumes.length} seed volume(s)${removed.files.length ? ' and the image cache' : ''}`);
    });

  cli
    .command('switchover')
    .summary('planned role change: make NEW_PRIMARY the primary and repoint every other node at it')
    .description(
      'planned role change: writes stopped on the old primary (a global read lock bounded by lock_wait_timeout, then read-only), wait until the chosen replica has applied everything, promote it, repoint the others (old primary included), verify with a heartbeat; prints the topology edit, or writes it with --write. Ctrl-C before the promotion switches nothing',
    )
    .argument('<new-primary>', 'a direct replica of the current primary')
    .addOption(fileOption())
    .option('--write', 'rewrite the topology file with the new roles (comments kept)')
    .option('--json', 'print the result as one JSON document (no progress output)')
    .option('--plain', 'timestamped progress lines instead of the live tree')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (newPrimary: string, o: { file: string; write?: boolean } & OutputFlags) => {
      const { switchover } = await import('./commands/switchover');
      // An interrupt before the promotion switches nothing; after it, the switch completes first.
      const controller = interruptible();
      const r = await switchover(o.file, newPrimary, { write: o.write, progress: progressOf(o), signal: controller.signal });
      if (o.json) return print(r);
      say(o, `${r.newPrimary} is the primary; ${r.repointed.join(', ')} replicate from it (writes refused for ${r.writeDowntimeMs} ms)`);
      say(o, r.written ? `updated ${o.file}:` : `edit ${o.file} to match (or run again with --write):`);
      say(o, r.edit);
    });

  cli
    .command('failover')
    .summary('unplanned role change: the primary does not answer; promote the replica that holds the most')
    .description(
      'unplanned role change, for a primary that does not answer: every replica of it applies what it received, the one that holds everything the others hold (or NODE) is promoted, the old primary is fenced (its container stopped, its my.cnf read-only), the other replicas follow the new primary, a heartbeat proves it; prints the topology edit, or writes it with --write. Refused while the primary answers (switchover is the way; --force fences it first). replikit up then brings the old primary back as a replica',
    )
    .argument('[node]', 'the replica to promote (default: the one that holds the most)')
    .addOption(fileOption())
    .option('--write', 'rewrite the topology file with the new roles (comments kept)')
    .option('--force', 'fail over from a primary that still answers: it is made read-only and stopped first')
    .option('--json', 'print the result as one JSON document (no progress output)')
    .option('--plain', 'timestamped progress lines instead of the live tree')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (node: string | undefined, o: { file: string; write?: boolean; force?: boolean } & OutputFlags) => {
      const { failover } = await import('./commands/failover');
      // An interrupt before the promotion changes nothing more; after it, the failover completes first.
      const controller = interruptible();
      const r = await failover(o.file, { to: node, write: o.write, force: o.force, progress: progressOf(o), signal: controller.signal });
      const { withoutSecrets } = await import('./replication/connection');
      if (o.json) return print(withoutSecrets(r));
      say(
        o,
        `${r.newPrimary} is the primary (writable after ${r.writableAfterMs} ms); ${r.repointed.join(', ') || 'no other replica'} ${r.repointed.length === 1 ? 'follows' : 'follow'} it`,
      );
      say(
        o,
        r.fenced === 'stopped'
          ? `${r.oldPrimary} is fenced: stopped, read-only when it starts; replikit up brings it back as a replica`
          : `${r.oldPrimary} could not be fenced (its engine does not answer): run replikit up before it starts again`,
      );
      say(o, r.written ? `updated ${o.file}:` : `edit ${o.file} to match (or run again with --write):`);
      say(o, r.edit);
    });

  cli
    .command('watch')
    .summary('watch the primary and fail over automatically when it is dead')
    .description(
      'watches the topology in the foreground (for a terminal or a supervisor) and fails over automatically when the primary is dead: it does not answer and every replica of it that answers has lost it (one failed ping, or a paused primary whose replicas still hold their connection, is not a death). The failover waits --failover-after, writes the topology file, and no other automatic failover runs for --block after it. One line an event (--json: one JSON document a line); Ctrl-C stops watching',
    )
    .addOption(fileOption())
    .option('--failover-after <duration>', 'how long the primary must stay dead first: seconds, or a number with s or m', '10s')
    .option('--block <duration>', 'after a failover, how long another automatic one is refused (anti-flapping)', '10m')
    .option('--no-write', 'leave the topology file as it is after a failover (print the edit)')
    .option('--json', 'one JSON document an event')
    .action(async (o: { file: string; failoverAfter: string; block: string; write: boolean } & OutputFlags) => {
      const t = (await topologyModule()).loadTopology(o.file);
      const { watch } = await import('./commands/watch');
      const controller = new AbortController();
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => controller.abort());
      await watch(t, {
        failoverAfterMs: durationMs(o.failoverAfter, '--failover-after'),
        blockMs: durationMs(o.block, '--block'),
        write: o.write,
        signal: controller.signal,
        onEvent: (e) => {
          if (o.json) return console.log(JSON.stringify(e)); // one document a line
          const { event, at, ...rest } = e;
          console.log(
            `${at} ${event} ${Object.entries(rest)
              .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
              .join(' ')}`,
          );
        },
      });
    });

  cli
    .command('sql')
    .summary("the server's own client in NODE's container, as root, without typing the password")
    .description(
      "the server's own client (`mysql` or `mariadb`) in NODE's container, as root: interactive on a terminal, batch otherwise (statements on stdin). The password is read from the container's secret file inside the container: never typed, never on a command line; -e's query goes to the client on stdin too",
    )
    .argument('<node>', 'node name')
    .addOption(fileOption())
    .option('-e, --execute <query>', 'run one query and exit (it goes to the client on stdin, never on a command line)')
    .action(async (node: string, o: { file: string; execute?: string }) => {
      const { readTopologyPlacement } = await import('./topology/name');
      const { sqlClient } = await import('./commands/sql');
      process.exitCode = await sqlClient(readTopologyPlacement(o.file), node, { execute: o.execute });
    });

  cli
    .command('logs')
    .summary("NODE's server log (its container's output)")
    .description("NODE's server log (its container's output); -f follows it (here --file has no short form)")
    .argument('<node>', 'node name')
    .option('--file <file>', 'topology file', DEFAULT_FILE)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --tail <lines>', 'only the last LINES lines', (v) => positiveInt(v, '--tail'))
    .action(async (node: string, o: { file: string; follow?: boolean; tail?: number }) => {
      const { readTopologyPlacement } = await import('./topology/name');
      const { logs } = await import('./commands/logs');
      await logs(readTopologyPlacement(o.file), node, { follow: o.follow, tail: o.tail });
    });

  cli
    .command('ps')
    .summary("the topology's containers as Docker sees them (no SQL, no password needed)")
    .description("the topology's containers as Docker sees them: node, role, state, address. No SQL and no password needed")
    .addOption(fileOption())
    .option('--json', 'print the rows as JSON')
    .action(async (o: { file: string } & OutputFlags) => {
      const { readTopologyPlacement, readTopologyRoles } = await import('./topology/name');
      const { ps, formatPs } = await import('./commands/ps');
      const rows = await ps(readTopologyPlacement(o.file), undefined, readTopologyRoles(o.file));
      if (o.json) return print(rows);
      console.log(formatPs(rows));
    });

  cli
    .command('init')
    .summary('write a commented replikit.yaml and a .env with generated passwords (mode 0600)')
    .description(
      'writes a commented `replikit.yaml` and a `.env` with generated passwords (mode 0600); refuses to overwrite either. `replikit up` then brings it up',
    )
    .option('--dir <dir>', 'folder to write into', '.')
    .option('--replicas <n>', 'number of replicas', (v) => positiveInt(v, '--replicas'), 2)
    .option('--image <image>', 'server image (mysql:8.4, mariadb:11.4, replikit/mysql:9.7, …; default: $REPLIKIT_IMAGE, else mysql:8.4)')
    .option('--gtid', 'GTID replication instead of binary log positions')
    .option('--name <name>', 'topology name (default: from the folder name)')
    .option('--json', 'print the files written as JSON')
    .option('-q, --quiet', 'print nothing but errors')
    .action(async (o: { dir: string; replicas: number; image?: string; gtid?: boolean; name?: string } & OutputFlags) => {
      const { init } = await import('./commands/init');
      const r = init({ dir: o.dir, replicas: o.replicas, image: o.image, gtid: o.gtid, name: o.name });
      if (o.json) return print(r);
      say(o, `wrote ${r.topologyFile} (topology ${r.name}) and ${r.envFile} (generated passwords, mode 0600)`);
      say(o, `next: replikit up -f ${path.relative(process.cwd(), r.topologyFile) || r.topologyFile}`);
    });
  return cli;
}

function summary(r: UpResult): string {
  const lines = [
    r.changed ? `${r.topology}: up and replicating (${r.changes.length} change(s))` : `${r.topology}: already up to date, nothing changed`,
  ];
  for (const n of r.nodes) {
    const lag = n.heartbeatLagMs !== undefined ? `, heartbeat in ${n.heartbeatLagMs} ms` : '';
    const src = n.source ? ` ← ${n.source}` : '';
    lines.push(`  ${n.name.padEnd(12)} ${n.role.padEnd(8)} ${`${n.host}:${n.port}`.padEnd(16)} ${n.version}${src}${lag}`);
  }
  const first = r.nodes[0];
  if (first) lines.push(`connect: mysql -h ${first.host} -P ${first.port} -u root -p   (the password is the topology's root_password)`);
  return lines.join('\n');
}

/** `5`, `5s`, `2m`, `1h` as ms; anything else is a usage error. */
function durationMs(value: string, flag: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InputError(`${flag} must be a duration (10s, 2m, 500ms), not '${value}'`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`${flag} must be a whole number, not ${JSON.stringify(value)}`);
  return n;
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with code 0; anything else is a usage error.
      return e.exitCode === 0 ? EXIT.ok : EXIT.input;
    }
    if (e instanceof ReplikitError) {
      console.error(e instanceof TopologyError ? e.message : `error: ${e.describe()}`);
      return e.exitCode;
    }
    console.error(`error: ${(e as Error).stack ?? e}`);
    return EXIT.runtime;
  }
}

if (require.main === module) {
  main(process.argv).then((code) => process.exit(code));
}

/** The installed package's version (package.json sits beside dist/ and src/ alike). */
function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
