/**
 * Debug logging as the `debug` package (and testcontainers) reads DEBUG: `DEBUG=replikit:*` logs
 * each Engine API call (`replikit:engine`) and each SQL statement (`replikit:sql`) on stderr,
 * passwords redacted. Names are comma- or space-separated, `*` matches anything, `-NAME` excludes.
 */
export type DebugNamespace = 'replikit:engine' | 'replikit:sql';

let parsed: { from: string | undefined; on: (ns: string) => boolean } | undefined;

function enabled(ns: DebugNamespace): boolean {
  const from = process.env.DEBUG;
  if (!parsed || parsed.from !== from) {
    const names = (from ?? '').split(/[\s,]+/).filter(Boolean);
    const pattern = (n: string) => new RegExp(`^${n.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    const include = names.filter((n) => !n.startsWith('-')).map(pattern);
    const exclude = names.filter((n) => n.startsWith('-')).map((n) => pattern(n.slice(1)));
    parsed = { from, on: (n) => include.some((r) => r.test(n)) && !exclude.some((r) => r.test(n)) };
  }
  return parsed.on(ns);
}

/** Logs `message()` under `ns` when DEBUG enables it; the message is only built then. */
export function debug(ns: DebugNamespace, message: () => string): void {
  if (enabled(ns)) process.stderr.write(`${new Date().toISOString()} ${ns} ${message()}\n`);
}

/** A statement with every password in it replaced: IDENTIFIED BY '…', MASTER_/SOURCE_PASSWORD='…', PASSWORD('…'). */
export function redactSql(sql: string): string {
  return sql.replace(/(IDENTIFIED\s+(?:WITH\s+\S+\s+)?BY\s*|PASSWORD\s*=\s*|PASSWORD\s*\(\s*)'(?:[^'\\]|\\.|'')*'/gi, "$1'***'");
}
