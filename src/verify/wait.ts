import { NodeError } from '../errors';
import { readCoordinates, waitUntilApplied } from '../replication/link';
import { SqlSession } from '../replication/session';
import type { ConnectionConfig } from '../replication/connection';
import { levels } from '../topology/types';

/** What `up` returns is enough: each node's connection, its source and its delay on purpose. */
export interface ReplicationTarget {
  nodes: { name: string; source?: string; connection: ConnectionConfig; delaySeconds?: number }[];
}

export interface WaitOptions {
  /** How long to wait in all (default 30 s). */
  timeoutMs?: number;
  /**
   * Replicas delayed on purpose (`delay:`): 'wait' (default) waits for them too, which takes at
   * least their delay; 'skip' leaves them out, for tests that want the others only.
   */
  delayed?: 'wait' | 'skip';
}

/**
 * Resolves once every replica has applied everything its source had written when this was
 * called: read-your-writes for tests, without sleeping. It waits on the server itself
 * (MASTER_GTID_WAIT / MASTER_POS_WAIT / WAIT_FOR_EXECUTED_GTID_SET, per dialect), source by
 * source, so a chain's leaf waits for what its relay received.
 */
export async function waitForReplication(target: ReplicationTarget, options: WaitOptions = {}): Promise<{ waitedMs: number }> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  const sessions = new Map<string, SqlSession>();
  try {
    await Promise.all(target.nodes.map(async (n) => sessions.set(n.name, await SqlSession.open({ node: n.name, ...n.connection }, 5000))));
    const timeoutMs = options.timeoutMs ?? 30_000;
    const late = target.nodes.filter((n) => (n.delaySeconds ?? 0) * 1000 >= timeoutMs);
    if (options.delayed !== 'skip' && late.length) {
      const n = late[0];
      throw new NodeError(
        n.name,
        `is delayed by ${n.delaySeconds} s on purpose (delay:), longer than this wait's ${timeoutMs / 1000} s`,
        `wait longer (timeoutMs above ${n.delaySeconds! * 1000}), or pass delayed: 'skip' to wait for the other replicas only`,
      );
    }
    const skipped = new Set(options.delayed === 'skip' ? target.nodes.filter((n) => n.delaySeconds).map((n) => n.name) : []);
    for (const level of levels(target.nodes).slice(1)) {
      await Promise.all(
        level.map(async (n) => {
          if (skipped.has(n.name)) return;
          const source = sessions.get(n.source!)!;
          const replica = sessions.get(n.name)!;
          const at = await readCoordinates(source);
          const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
          if (!(await waitUntilApplied(replica, at, seconds))) {
            throw new NodeError(
              n.name,
              `has not applied ${n.source}'s writes up to ${at.file}:${at.position}${at.gtid ? ` (GTID ${at.gtid})` : ''} within ${seconds} s${n.delaySeconds ? ` (it is delayed by ${n.delaySeconds} s on purpose)` : ''}`,
              'replikit status shows whether its replication threads run; replikit verify compares the data',
            );
          }
        }),
      );
    }
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
  return { waitedMs: Date.now() - started };
}
