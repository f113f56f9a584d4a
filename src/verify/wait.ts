import { NodeError } from '../errors';
import { readCoordinates } from '../replication/link';
import { SqlSession } from '../replication/session';
import type { ConnectionConfig } from '../commands/connection';
import { levels } from '../topology/types';

/** What `up` returns is enough: each node's connection and its source. */
export interface ReplicationTarget {
  nodes: { name: string; source?: string; connection: ConnectionConfig }[];
}

/**
 * Resolves once every replica has applied everything its source had written when this was
 * called: read-your-writes for tests, without sleeping. It waits on the server itself
 * (MASTER_GTID_WAIT / MASTER_POS_WAIT / WAIT_FOR_EXECUTED_GTID_SET, per dialect), source by
 * source, so a chain's leaf waits for what its relay received.
 */
export async function waitForReplication(target: ReplicationTarget, options: { timeoutMs?: number } = {}): Promise<{ waitedMs: number }> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  const sessions = new Map<string, SqlSession>();
  try {
    await Promise.all(
      target.nodes.map(async (n) => sessions.set(n.name, await SqlSession.open({ node: n.name, ...n.connection }, 5000))),
    );
    for (const level of levels(target.nodes).slice(1)) {
      await Promise.all(
        level.map(async (n) => {
          const source = sessions.get(n.source!)!;
          const replica = sessions.get(n.name)!;
          const at = await readCoordinates(source);
          const seconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
          const wait = replica.dialect.waitForCoordinates(at, seconds);
          if (!wait.reached((await replica.first(wait.sql))?.result)) {
            throw new NodeError(
              n.name,
              `has not applied ${n.source}'s writes up to ${at.file}:${at.position}${at.gtid ? ` (GTID ${at.gtid})` : ''} within ${seconds} s`,
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
