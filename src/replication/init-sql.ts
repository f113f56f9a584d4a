import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { DockerEngine } from '../docker/engine';
import { rootClientCommand } from '../docker/root-client';
import { ReplikitError } from '../errors';
import type { SqlSession } from './session';

/** Whether the init files already ran: a marker row in replikit.meta (replicated like everything else). */
export async function initAlreadyRan(s: SqlSession): Promise<boolean> {
  // Looked up before any DDL: even CREATE … IF NOT EXISTS is binlogged, and a converged up writes nothing.
  const hasMeta = await s.first("SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'replikit' AND TABLE_NAME = 'meta'");
  return Boolean(hasMeta && (await s.first("SELECT value FROM replikit.meta WHERE name = 'init'")));
}

/**
 * Runs the init files on the primary with the server's own client in its container, as a dump
 * is loaded by hand: executable comments (`/*!40101 SET NAMES … *\/`), DELIMITER blocks,
 * routines and triggers all load. The file goes in on stdin; the password comes from the
 * container's option file. Then leaves the marker row that says they ran.
 */
export async function runInit(
  docker: DockerEngine,
  container: string,
  primary: SqlSession,
  files: string[],
  progress: (file: string) => void,
): Promise<void> {
  for (const file of files) {
    progress(file);
    const run = await docker.exec(
      container,
      rootClientCommand(primary.dialect, [...primary.dialect.clientCommand(), '--batch']),
      Readable.from([fs.readFileSync(file)]),
    );
    run.stdout.resume();
    const code = await run.done;
    if (code !== 0) throw initError(file, run.stderr());
  }
  await primary.run(...META_DDL);
  await primary.rows("INSERT INTO replikit.meta (name, value) VALUES ('init', ?)", [JSON.stringify(files)]);
}

/** replikit's own bookkeeping on the primary, replicated like everything else. */
const META_DDL = [
  'CREATE DATABASE IF NOT EXISTS replikit CHARACTER SET utf8mb4',
  'CREATE TABLE IF NOT EXISTS replikit.meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)',
];

/** The last failover, as the new primary records it: from whom, to whom, and the GTID position it stood at. */
export interface FailoverRecord {
  from: string;
  to: string;
  at?: string;
  when: string;
}

export async function recordFailover(primary: SqlSession, record: FailoverRecord): Promise<void> {
  await primary.run(...META_DDL);
  await primary.rows("REPLACE INTO replikit.meta (name, value) VALUES ('failover', ?)", [JSON.stringify(record)]);
}

/** For the primary a failover replaced: where its successor stood when promoted (Dialect.gtidsMissing). */
export function promotedAtFor(node: string, source: { failover?: FailoverRecord }): string | undefined {
  return source.failover?.from === node ? source.failover.at : undefined;
}

/** The last failover a server knows of (its own, or replicated from the primary that recorded it). */
export async function lastFailover(s: SqlSession): Promise<FailoverRecord | undefined> {
  const hasMeta = await s.first("SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'replikit' AND TABLE_NAME = 'meta'");
  const row = hasMeta && (await s.first("SELECT value FROM replikit.meta WHERE name = 'failover'"));
  return row ? (JSON.parse(String(row.value)) as FailoverRecord) : undefined;
}

/** `ERROR 1064 (42000) at line 12: …` from the client, as `FILE:12: …`. */
function initError(file: string, stderr: string): ReplikitError {
  const m = /ERROR (\d+) \(\w+\) at line (\d+)(?: in file: '[^']*')?: (.*)/.exec(stderr);
  const where = m ? `${file}:${m[2]}: error ${m[1]}: ${m[3]}` : `${file}: ${stderr.trim() || 'the client failed'}`;
  return new ReplikitError(
    `init SQL failed: ${where}`,
    'fix the file; statements before that line have run, and the init files run again on the next up until they all succeed',
  );
}
