import { Transform } from 'node:stream';
import type { BinlogCoordinates } from '../flavors/dialect';
import type { DockerEngine } from '../docker/engine';
import { rootClientCommand } from '../docker/root-client';
import { NodeError } from '../errors';
import { userSchemas } from './link';
import { SqlSession } from './session';

/** A container and its engine (the two ends may be on different engines: the stream passes through here), and its server. */
type SnapshotEnd = { container: string; session: SqlSession; engine: DockerEngine };

/**
 * Copies a consistent snapshot of the source's data into a new replica and returns the binary
 * log coordinates of that snapshot, so replication starts at exactly the point the data ends:
 * nothing written meanwhile is lost or applied twice. The dump streams from one container to
 * the other through the Engine API (no host paths), and the root password is read from the
 * containers' secret file, never put on a command line.
 */
export async function copySnapshot(
  from: SnapshotEnd,
  to: SnapshotEnd,
  progress: (line: string) => void = () => undefined,
  /** How long the stream may go without a byte before the copy is given up. */
  stallMs = 120_000,
): Promise<{ coordinates: BinlogCoordinates; schemas: string[]; bytes: number }> {
  // DDL waits (writes do not) from the listing of schemas until the dump holds its snapshot: a
  // schema created in between would be in neither the dump nor the binary log after it.
  const ddl = await SqlSession.open(from.session.endpoint);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await ddl.run(...ddl.dialect.unblockDdl()).finally(() => ddl.close());
  };
  try {
    await blockDdlBriefly(ddl);
    return await dumpAndLoad(from, to, await userSchemas(from.session), release, progress, stallMs);
  } finally {
    await release();
  }
}

/** Pauses between tries to block DDL, ms: about a minute in all before the join gives up. */
const BLOCK_RETRY_MS = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000, 8000];
const LOCK_WAIT_TIMEOUT = 1205;

/**
 * Blocks DDL with waits of one second at most, tried again with back-off: on MySQL the lock
 * waiting behind a long statement (a report's SELECT) holds every write behind it, so writes
 * wait at most a second at a time, never the whole statement.
 */
async function blockDdlBriefly(ddl: SqlSession): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ddl.run(...ddl.dialect.blockDdl(1));
    } catch (e) {
      if ((e as { cause?: { errno?: number } }).cause?.errno !== LOCK_WAIT_TIMEOUT || attempt >= BLOCK_RETRY_MS.length) throw e;
      await ddl.run(...ddl.dialect.unblockDdl());
      await new Promise((r) => setTimeout(r, BLOCK_RETRY_MS[attempt]));
    }
  }
}

async function dumpAndLoad(
  from: SnapshotEnd,
  to: SnapshotEnd,
  schemas: string[],
  snapshotTaken: () => Promise<void>,
  progress: (line: string) => void,
  stallMs: number,
): Promise<{ coordinates: BinlogCoordinates; schemas: string[]; bytes: number }> {
  if (schemas.length === 0) throw new NodeError(from.session.node, 'has no data to copy');

  let header = '';
  let released: Promise<void> | undefined;
  let bytes = 0;
  let lastByteAt = Date.now();
  const started = Date.now();
  let reportedAt = started;
  const sniff = new Transform({
    transform(chunk: Buffer, _enc, done) {
      lastByteAt = Date.now();
      if (header.length < 64 * 1024) {
        header += chunk.toString('utf8');
        // The coordinates are written once the dump's snapshot exists: DDL may go on.
        if (!released && from.session.dialect.parseDumpCoordinates(header)) {
          released = snapshotTaken();
          // Awaited below; until then a failed release must not end the process unhandled.
          released.catch(() => undefined);
        }
      }
      bytes += chunk.length;
      // Once a second: how much of the dump has gone through, and how fast.
      if (Date.now() - reportedAt >= 1000) {
        reportedAt = Date.now();
        progress(`streamed ${mib(bytes)} MiB of the dump (${mib((bytes * 1000) / (reportedAt - started))} MiB/s)`);
      }
      done(null, chunk);
    },
  });
  // The dump loads without binary logging: the rows arrive as the snapshot, not as new events.
  sniff.push('SET SESSION sql_log_bin=0;\n');

  const dump = await from.engine.exec(from.container, rootClientCommand(from.session.dialect, from.session.dialect.dumpCommand(schemas)));
  const load = await to.engine.exec(
    to.container,
    rootClientCommand(to.session.dialect, to.session.dialect.clientCommand()),
    dump.stdout.pipe(sniff),
  );
  // A dump that stops sending (a lock it waits for, a server that hangs) fails the copy instead of hanging up.
  let watch: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    watch = setInterval(
      () => {
        if (Date.now() - lastByteAt < stallMs) return;
        dump.cancel();
        load.cancel();
        reject(
          new NodeError(
            from.session.node,
            `the snapshot stream sent nothing for ${Math.round(stallMs / 1000)} s (after ${mib(bytes)} MiB)`,
            `a lock on ${from.session.node} may hold the dump (SHOW PROCESSLIST there), or ${to.session.node} stopped taking it (docker stats, docker logs); run replikit up again`,
          ),
        );
      },
      Math.min(1000, stallMs),
    );
  });
  const loadFailed = (code: number) =>
    new NodeError(
      to.session.node,
      `loading the snapshot failed (exit ${code}): ${load.stderr().trim()}`,
      `the error is ${to.session.node}'s own (disk full, max_allowed_packet, …); fix it and run replikit up again`,
    );
  // A load that fails stops reading: the dump would then wait on a full pipe until the stall
  // bound, and the load's own error would be lost. It ends the copy at once instead.
  const loaded = load.done.then((code) => {
    if (code === 0) return code;
    dump.cancel();
    throw loadFailed(code);
  });
  let codes: number[];
  try {
    codes = await Promise.race([Promise.all([dump.done, loaded]), stalled]);
  } finally {
    clearInterval(watch);
  }
  const [dumpCode] = codes;
  if (dumpCode !== 0) {
    throw new NodeError(
      from.session.node,
      `snapshot dump failed (exit ${dumpCode}): ${dump.stderr().trim()}`,
      'the image needs mariadb-dump or mysqldump',
    );
  }
  await released;

  const parsed = from.session.dialect.parseDumpCoordinates(header);
  if (!parsed)
    throw new NodeError(from.session.node, 'the snapshot recorded no binary log coordinates', 'binary logging must be on (log_bin)');
  // mariadb-dump prints its GTID position at the end of the dump, past the header read above (a
  // dump over 64 KiB lost it, and a link by GTID then began at the start of the binary log): the
  // source says it for the snapshot's coordinates instead, exactly.
  const query = parsed.gtid === undefined ? from.session.dialect.gtidAtSourcePosition(parsed) : undefined;
  const gtid = query ? (await from.session.first(query))?.gtid : undefined;
  const coordinates = gtid ? { ...parsed, gtid: String(gtid) } : parsed;
  return { coordinates, schemas, bytes };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
