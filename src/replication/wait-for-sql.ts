import { NodeError } from '../errors';
import type { DockerEngine } from '../docker/engine';
import { Endpoint, SqlSession } from './session';
import { poll } from '../poll';

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  /**
   * Called while the server is not answering yet, first after `reportEveryMs` / 2 and then every
   * `reportEveryMs`, with the time waited so far and, after 10 s, the server's last log line.
   */
  onWaiting?: (elapsedMs: number, lastError: string, lastLogLine?: string) => void;
  reportEveryMs?: number;
}

/**
 * Wait strategy: the node is up when it accepts a SQL connection and answers a query. A
 * container that exits, or a server that is not up in time, fails with the tail of its log.
 */
export async function waitForSql(docker: DockerEngine, container: string, endpoint: Endpoint, o: WaitOptions): Promise<SqlSession> {
  const started = Date.now();
  let last = '';
  const every = o.reportEveryMs ?? 5000;
  let reportedAt = started - every / 2;
  const connected = async (): Promise<SqlSession | undefined> => {
    try {
      return await SqlSession.open(endpoint, 3000);
    } catch (e) {
      last = (e as Error).message || String((e as { code?: string }).code);
      if (/Access denied/i.test(last)) {
        throw new NodeError(
          endpoint.node,
          'the server refuses the root password',
          'the data volume was initialised with another password: use that one, or remove the data with replikit down --volumes',
          e,
        );
      }
      // A starting server refuses connections many times a second: one line now and then, not one per try.
      if (o.onWaiting && Date.now() - reportedAt >= every) {
        reportedAt = Date.now();
        const slow = reportedAt - started > 10_000;
        o.onWaiting(reportedAt - started, last, slow ? (await docker.logTail(container, 1)).trim() : undefined);
      }
    }
    const state = (await docker.inspect(container))?.State;
    // A server that exits is restarted by its restart policy: either way it did not come up.
    if (state && (!state.Running || state.Restarting)) {
      throw new NodeError(
        endpoint.node,
        `container ${container} exited (code ${state.ExitCode}) before accepting connections`,
        'a mysqld: setting the server does not know is a common cause; docker logs shows the whole log (with --keep-on-failure the container is kept for it)',
        logs(await docker.logTail(container)),
      );
    }
    return undefined;
  };
  return poll(connected, {
    timeoutMs: o.timeoutMs,
    intervalMs: o.intervalMs ?? 100,
    signal: o.signal,
    onTimeout: async () =>
      new NodeError(
        endpoint.node,
        `no SQL connection on ${endpoint.host}:${endpoint.port} after ${Math.round(o.timeoutMs / 1000)} s (last error: ${last})`,
        `see docker logs ${container} (with --keep-on-failure the container is kept for it)`,
        logs(await docker.logTail(container)),
      ),
  });
}

/** The server's [ERROR] lines when it logged any (they say why), else the last lines. */
function logs(tail: string): string {
  const lines = tail.split('\n');
  const errors = lines.filter((l) => /\[ERROR\]|^ERROR /.test(l));
  const shown = errors.length ? errors : lines;
  return `${errors.length ? 'server errors' : 'last log lines'}:\n${shown.map((l) => `    ${l}`).join('\n')}`;
}
