import * as fs from 'node:fs';
import { ReplikitError } from '../errors';
import type { SqlSession } from './session';

/**
 * Splits a SQL script into statements: `;` ends a statement outside quotes and comments.
 * Scripts with DELIMITER blocks (stored routines) are not supported here.
 */
export function splitStatements(script: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    const next = script[i + 1];
    if (quote) {
      cur += ch;
      if (ch === '\\' && quote !== '`') cur += script[++i] ?? '';
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '-' && next === '-' && /\s/.test(script[i + 2] ?? ' ')) {
      while (i < script.length && script[i] !== '\n') i++;
      continue;
    }
    if (ch === '#') {
      while (i < script.length && script[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end < 0 ? script.length : end + 1;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    if (ch === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export async function runScript(s: SqlSession, script: string, file: string): Promise<number> {
  const statements = splitStatements(script);
  if (statements.some((st) => /^DELIMITER\b/i.test(st))) {
    throw new ReplikitError(`${file}: DELIMITER is a mysql client command, not SQL`, 'keep init files to plain statements ending in ;');
  }
  for (const [i, st] of statements.entries()) {
    try {
      await s.run(st);
    } catch (e) {
      throw new ReplikitError(`${file}: statement ${i + 1} failed: ${(e as Error).message}`, 'fix the init file; it runs again on the next up until it succeeds', { cause: e });
    }
  }
  return statements.length;
}

/** Whether the init files already ran: a marker row in replikit.meta (replicated like everything else). */
export async function initAlreadyRan(s: SqlSession): Promise<boolean> {
  // Looked up before any DDL: even CREATE … IF NOT EXISTS is binlogged, and a converged up writes nothing.
  const hasMeta = await s.first("SELECT 1 AS found FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'replikit' AND TABLE_NAME = 'meta'");
  return Boolean(hasMeta && (await s.first("SELECT value FROM replikit.meta WHERE name = 'init'")));
}

/** Runs the init files on the primary, then leaves the marker row that says they ran. */
export async function runInit(primary: SqlSession, files: string[], progress: (file: string) => void): Promise<void> {
  await primary.run(
    'CREATE DATABASE IF NOT EXISTS replikit CHARACTER SET utf8mb4',
    'CREATE TABLE IF NOT EXISTS replikit.meta (name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL)',
  );
  for (const file of files) {
    progress(file);
    await runScript(primary, fs.readFileSync(file, 'utf8'), file);
  }
  await primary.rows("INSERT INTO replikit.meta (name, value) VALUES ('init', ?)", [JSON.stringify(files)]);
}
