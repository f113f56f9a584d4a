#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputError, ReplikitError, TopologyError } from './errors';
import { DEFAULT_FILE, loadTopology } from './topology/load';
import { readTopologyName } from './topology/name';
import { renderAll } from './render/mycnf';
import { up, UpResult } from './commands/up';
import { formatStatus, status } from './commands/status';
import { down } from './commands/down';
import { switchover } from './commands/switchover';
import { verify } from './commands/verify';

/** Exit codes: 0 success, 1 runtime failure (Docker, MySQL), 2 invalid input or usage. */
const EXIT = { ok: 0, runtime: 1, input: 2 } as const;

const stamp = () => new Date().toISOString().slice(11, 19);

function fileOption() {
  return new Option('-f, --file <file>', 'topology file').default(DEFAULT_FILE);
}

function program(): Command {
  const cli = new Command('replikit')
    .description('One YAML topology file to running, verified MySQL/MariaDB replication in Docker')
    .version(require('../package.json').version)
    .exitOverride()
    .showHelpAfterError();

  cli
    .command('validate')
    .description('check a topology file; exit 2 with every problem, positioned, when it is invalid')
    .addOption(fileOption())
    .option('--json', 'print the result as JSON')
    .action((o: { file: string; json?: boolean }) => {
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
      else {
        for (const w of t.warnings) console.error(`warning: ${w}`);
        console.log(`${o.file}: valid (${t.nodes.length} nodes: ${t.nodes.map((n) => `${n.name}=${n.role}`).join(', ')})`);
      }
    });

  cli
    .command('render')
    .description("write each node's my.cnf (to stdout, or into --out DIR as NODE.cnf)")
    .addOption(fileOption())
    .option('--out <dir>', 'folder to write NODE.cnf files into')
    .action((o: { file: string; out?: string }) => {
      const t = loadTopology(o.file);
      for (const w of t.warnings) console.error(`warning: ${w}`);
      for (const r of renderAll(t)) {
        if (!o.out) {
          console.log(`# ---- ${r.node}.cnf ----\n${r.text}`);
          continue;
        }
        fs.mkdirSync(o.out, { recursive: true });
        const file = path.join(o.out, `${r.node}.cnf`);
        fs.writeFileSync(file, r.text);
        fs.chmodSync(file, 0o644); // mysqld ignores a world-writable my.cnf
        console.log(`wrote ${file}`);
      }
    });

  cli
    .command('up')
    .description('create, start, connect and verify every node; idempotent')
    .addOption(fileOption())
    .option('--json', 'print the result as one JSON document (no progress output)')
    .option('--plain', 'timestamped progress lines instead of the live tree')
    .option('--keep-on-failure', 'when up fails, keep the containers and volumes this run created for inspection (default: remove them)')
    .action(async (o: { file: string; json?: boolean; plain?: boolean; keepOnFailure?: boolean }) => {
      const t = loadTopology(o.file);
      for (const w of t.warnings) console.error(`${stamp()} warning: ${w}`);
      const controller = new AbortController();
      // The first Ctrl-C stops at the next step and cleans up; a second one exits at once.
      process.once('SIGINT', () => controller.abort(new ReplikitError('interrupted (Ctrl-C)', 'run replikit up again to finish, or replikit down to remove what exists')));
      const result = await up(t, { progress: o.json ? 'silent' : o.plain ? 'plain' : 'auto', signal: controller.signal, keepOnFailure: o.keepOnFailure });
      if (o.json) print(result);
      else console.log(summary(result));
    });

  cli
    .command('status')
    .description('containers, versions and replication threads of every node')
    .addOption(fileOption())
    .option('--json', 'print the status as one JSON document')
    .action(async (o: { file: string; json?: boolean }) => {
      const report = await status(o.file);
      if (o.json) print(report);
      else console.log(formatStatus(report));
      if (!report.healthy) process.exitCode = EXIT.runtime;
    });

  cli
    .command('verify')
    .description('read-only check: threads running, lag under a bound, every replicated table equal to its source (checksums)')
    .addOption(fileOption())
    .option('--max-lag <seconds>', 'largest replica lag that passes', (v) => positiveInt(v, '--max-lag'), 10)
    .option('--json', 'print the report as one JSON document')
    .action(async (o: { file: string; maxLag: number; json?: boolean }) => {
      const r = await verify(o.file, { maxLagSeconds: o.maxLag });
      if (o.json) print(r);
      else {
        for (const x of r.replicas) console.log(`${x.node} ← ${x.source}: IO ${x.io}, SQL ${x.sql}, ${x.secondsBehind ?? '?'} s behind, ${x.equalTables}/${x.tables} tables equal`);
        for (const p of r.problems) console.log(`problem: ${p}`);
        console.log(r.ok ? `${r.topology}: verified` : `${r.topology}: NOT verified (${r.problems.length} problem(s))`);
      }
      if (!r.ok) process.exitCode = EXIT.runtime;
    });

  cli
    .command('down')
    .description("remove the topology's containers and network (and data with --volumes)")
    .addOption(fileOption())
    .option('--volumes', 'also remove the data volumes')
    .option('--json', 'print what was removed as JSON')
    .action(async (o: { file: string; volumes?: boolean; json?: boolean }) => {
      const removed = await down(readTopologyName(o.file), { volumes: o.volumes });
      if (o.json) print(removed);
      else {
        const parts = [`${removed.containers.length} container(s)`, `${removed.networks.length} network(s)`];
        if (o.volumes) parts.push(`${removed.volumes.length} volume(s)`);
        console.log(`removed ${parts.join(', ')}${o.volumes ? '' : '; data volumes kept (--volumes removes them)'}`);
      }
    });
  cli
    .command('switchover')
    .description('planned role change: make NEW_PRIMARY the primary and repoint every other node at it')
    .argument('<new-primary>', 'a direct replica of the current primary')
    .addOption(fileOption())
    .option('--write', 'rewrite the topology file with the new roles (comments kept)')
    .option('--json', 'print the result as one JSON document (no progress output)')
    .option('--plain', 'timestamped progress lines instead of the live tree')
    .action(async (newPrimary: string, o: { file: string; write?: boolean; json?: boolean; plain?: boolean }) => {
      const r = await switchover(o.file, newPrimary, { write: o.write, progress: o.json ? 'silent' : o.plain ? 'plain' : 'auto' });
      if (o.json) return print(r);
      console.log(`${r.newPrimary} is the primary; ${r.repointed.join(', ')} replicate from it (writes refused for ${r.writeDowntimeMs} ms)`);
      console.log(r.written ? `updated ${o.file}:` : `edit ${o.file} to match (or run again with --write):`);
      console.log(r.edit);
    });
  return cli;
}

function summary(r: UpResult): string {
  const lines = [r.changed ? `${r.topology}: up and replicating (${r.changes.length} change(s))` : `${r.topology}: already up to date, nothing changed`];
  for (const n of r.nodes) {
    const lag = n.heartbeatLagMs !== undefined ? `, heartbeat in ${n.heartbeatLagMs} ms` : '';
    const src = n.source ? ` ← ${n.source}` : '';
    lines.push(`  ${n.name.padEnd(12)} ${n.role.padEnd(8)} ${`${n.host}:${n.port}`.padEnd(16)} ${n.version}${src}${lag}`);
  }
  const first = r.nodes[0];
  if (first) lines.push(`connect: mysql -h ${first.host} -P ${first.port} -u root -p   (the password is the topology's root_password)`);
  return lines.join('\n');
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`${flag} must be a whole number of seconds, not ${JSON.stringify(value)}`);
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
