import { randomUUID } from 'node:crypto';
import { NodeError } from '../errors';
import { poll } from '../poll';
import type { SqlSession } from '../replication/session';

/** replikit's own schema: a heartbeat table that proves data flows end to end. */
export const HEARTBEAT_DDL = [
  'CREATE DATABASE IF NOT EXISTS replikit CHARACTER SET utf8mb4',
  `CREATE TABLE IF NOT EXISTS replikit.heartbeat (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token CHAR(36) NOT NULL,
    source_server_id INT UNSIGNED NOT NULL,
    written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    KEY token (token)
  ) ENGINE=InnoDB`,
];

export interface Heartbeat {
  token: string;
  writtenAt: number;
}

/** Writes one heartbeat row on the primary; it reaches every replica through replication. */
export async function writeHeartbeat(primary: SqlSession, serverId: number): Promise<Heartbeat> {
  await primary.run(...HEARTBEAT_DDL);
  const token = randomUUID();
  const writtenAt = Date.now();
  await primary.rows('INSERT INTO replikit.heartbeat (token, source_server_id) VALUES (?, ?)', [token, serverId]);
  return { token, writtenAt };
}

/** Waits until the replica has the heartbeat row; returns how long it took (ms) to arrive. */
export async function waitForHeartbeat(replica: SqlSession, hb: Heartbeat, timeoutMs = 60_000, signal?: AbortSignal): Promise<number> {
  const arrived = () =>
    replica
      .first('SELECT 1 AS found FROM replikit.heartbeat WHERE token = ?', [hb.token])
      .then((row) => (row ? Date.now() - hb.writtenAt : undefined))
      .catch((e: NodeError) => {
        // The table itself may still be on its way.
        if (/doesn't exist|Unknown database/i.test(String((e.cause as Error)?.message))) return undefined;
        throw e;
      });
  // Short polls: the figure reported is the lag, so the poll must not dominate it.
  return poll(arrived, {
    timeoutMs,
    intervalMs: 20,
    signal,
    onTimeout: () =>
      new NodeError(
        replica.node,
        `the heartbeat written on the primary did not arrive within ${timeoutMs / 1000} s`,
        'run replikit status to see the replication threads and errors',
      ),
  });
}
