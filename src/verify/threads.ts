import { NodeError } from '../errors';
import type { ReplicaStatus } from '../flavors/dialect';
import { poll } from '../poll';
import { replicaStatus } from '../replication/link';
import { likelyCause } from './causes';
import type { SqlSession } from '../replication/session';

/**
 * Waits until both replication threads run. A thread that stops with an error fails at once,
 * with the server's own Last_IO_Error / Last_SQL_Error in the message.
 */
export async function waitForThreads(s: SqlSession, timeoutMs = 60_000, signal?: AbortSignal): Promise<ReplicaStatus> {
  let status: ReplicaStatus | undefined;
  const running = async () => {
    status = await replicaStatus(s);
    if (!status) throw new NodeError(s.node, 'is not configured as a replica', 'run replikit up again');
    if (status.ioRunning === 'Yes' && status.sqlRunning === 'Yes') return status;
    if (status.sqlRunning === 'No' && status.lastSqlError) {
      throw new NodeError(
        s.node,
        `replication SQL thread stopped: ${status.lastSqlError}`,
        likelyCause(status) ?? 'see replikit status; the replica diverged from its source',
      );
    }
    // A refused password or certificate does not heal by retrying; a network error may (the source restarting).
    if (status.lastIoError && (status.ioRunning === 'No' || [1045, 2026, 2061].includes(status.lastIoErrno))) {
      throw new NodeError(
        s.node,
        `replication IO thread cannot read from ${status.sourceHost}:${status.sourcePort}: ${status.lastIoError}`,
        likelyCause(status) ?? 'check the replication user and that the source is reachable',
      );
    }
    return undefined;
  };
  // Threads start within milliseconds of START REPLICA.
  return poll(running, {
    timeoutMs,
    intervalMs: 50,
    signal,
    onTimeout: () => {
      const errors = [
        status?.lastIoError && `Last_IO_Error: ${status.lastIoError}`,
        status?.lastSqlError && `Last_SQL_Error: ${status.lastSqlError}`,
      ]
        .filter(Boolean)
        .join('; ');
      return new NodeError(
        s.node,
        `replication threads not running after ${timeoutMs / 1000} s (IO: ${status?.ioRunning}, SQL: ${status?.sqlRunning})${errors ? `; ${errors}` : ''}`,
        (status && likelyCause(status)) ??
          `check that the source ${status?.sourceHost}:${status?.sourcePort} is up and the replication password matches`,
      );
    },
  });
}
