import type { BinlogCoordinates, ReplicaStatus } from '../flavors/dialect';
import { NodeError } from '../errors';
import { poll } from '../poll';
import { pointAt, readCoordinates, replicaStatus, SourceLink, waitUntilApplied } from './link';
import type { LinkEnd } from './join';
import type { SqlSession } from './session';

export interface MoveRequest {
  replica: LinkEnd;
  from: LinkEnd;
  to: LinkEnd;
  /** How the replica reaches its new source. */
  link: SourceLink;
  timeoutSeconds: number;
  /** The node a replica's status names as its source (replication/link.ts nodeAt). */
  sourceOf: (status: ReplicaStatus) => string | undefined;
}

/** Where a stopped replica has applied up to, in its source's binary log. */
async function applied(s: SqlSession): Promise<BinlogCoordinates> {
  const r = await replicaStatus(s);
  if (!r) throw new NodeError(s.node, 'is not a replica any more', 'run replikit status, then replikit up');
  return { file: r.relaySourceLogFile, position: r.execSourceLogPos };
}

/** Binary log files of one server sort by name (a zero-padded sequence number). */
function compare(a: BinlogCoordinates, b: BinlogCoordinates): number {
  return a.file !== b.file ? (a.file < b.file ? -1 : 1) : a.position - b.position;
}

const at = (c: BinlogCoordinates) => `${c.file}:${c.position}`;

/** Waits until a replica has applied `c` of its source's binary log. */
async function reach(s: SqlSession, c: BinlogCoordinates, timeoutSeconds: number): Promise<void> {
  if (!(await waitUntilApplied(s, c, timeoutSeconds))) {
    throw new NodeError(
      s.node,
      `did not apply up to ${at(c)} within ${timeoutSeconds} s`,
      'see replikit status; run replikit up again once it has caught up',
    );
  }
}

/**
 * Runs a stopped replica's applier up to `c` and leaves it stopped there. The position waits
 * answer NULL once the applier has stopped, so its own status is read instead.
 */
async function applyUpTo(s: SqlSession, c: BinlogCoordinates, timeoutSeconds: number): Promise<void> {
  await s.run(s.dialect.startReplicaUntil(c));
  const stopped = await poll(
    async () => {
      const r = await replicaStatus(s);
      return r && r.sqlRunning === 'No' ? r : undefined;
    },
    {
      timeoutMs: timeoutSeconds * 1000,
      intervalMs: 50,
      onTimeout: () =>
        new NodeError(
          s.node,
          `did not apply up to ${at(c)} within ${timeoutSeconds} s`,
          'see replikit status; run replikit up again once it has caught up',
        ),
    },
  );
  await s.run(s.dialect.stopReplica());
  const reached = { file: stopped.relaySourceLogFile, position: stopped.execSourceLogPos };
  if (compare(reached, c) !== 0) {
    throw new NodeError(
      s.node,
      `stopped at ${at(reached)} instead of ${at(c)}${stopped.lastSqlError ? `: ${stopped.lastSqlError}` : ''}`,
      'nothing was moved; see replikit status, then run replikit up again',
    );
  }
}

/**
 * Moves a replica to another source by file and offset. The two binary logs are different
 * files, so the move is made at a point where the replica and the node whose log it leaves
 * hold exactly the same data:
 * - into a chain (the new source replicates from the old one): both stop at one point of the
 *   old source's log; the replica then starts where the new source's own log stands;
 * - out of a chain (the new source is its source's source): its source stops, the replica
 *   applies all of it, and starts on the new source where its old source had got to.
 * Writers on the primary never wait. Returns what it did.
 */
export async function moveByPosition(r: MoveRequest): Promise<string> {
  const R = r.replica.session;
  const toStatus = await replicaStatus(r.to.session);
  const intoChain = toStatus !== undefined && r.sourceOf(toStatus) === r.from.name;
  if (intoChain) {
    const S = r.to.session;
    await R.run(R.dialect.stopReplica());
    await S.run(S.dialect.stopReplica());
    let moved = false;
    try {
      const [atR, atS] = [await applied(R), await applied(S)];
      const meet = compare(atR, atS) >= 0 ? atR : atS;
      if (compare(atR, meet) < 0) await applyUpTo(R, meet, r.timeoutSeconds);
      if (compare(atS, meet) < 0) await applyUpTo(S, meet, r.timeoutSeconds);
      // The new source's applier is stopped and it is read-only: its own log stands still.
      const start = await readCoordinates(S);
      await pointAt(R, r.link, start);
      moved = true;
      return `both stopped at ${r.from.name}'s ${at(meet)}; replicating from ${r.to.name} at ${at(start)}`;
    } finally {
      // On failure both go on replicating from where they were: nothing was moved.
      await S.run(S.dialect.startReplica());
      if (!moved) await R.run(R.dialect.startReplica());
    }
  }
  const S = r.from.session;
  await S.run(S.dialect.stopReplica());
  const meet = await applied(S);
  const end = await readCoordinates(S);
  try {
    await reach(R, end, r.timeoutSeconds);
    await pointAt(R, r.link, meet);
  } finally {
    await S.run(S.dialect.startReplica());
  }
  return `applied all of ${r.from.name} (${at(end)}); replicating from ${r.to.name} at ${at(meet)}`;
}
