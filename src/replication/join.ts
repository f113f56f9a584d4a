import type { DockerEngine } from '../docker/engine';
import { NodeError } from '../errors';
import { pointAt, readCoordinates, SourceLink, userSchemas } from './link';
import type { SqlSession } from './session';
import { copySnapshot } from './snapshot';

/** A node at one end of a link: its container, on its engine, and a root session to its server. */
export interface LinkEnd {
  name: string;
  container: string;
  session: SqlSession;
  engine: DockerEngine;
}

export interface JoinRequest {
  replica: LinkEnd;
  source: LinkEnd;
  link: SourceLink;
  progress: (text: string) => void;
  /** How long the snapshot stream may send nothing before the join fails (default 120 s). */
  stallMs?: number;
}

/**
 * Makes a node that replicates from nowhere a replica of its source:
 * - source without data: start from the source's current coordinates;
 * - source with data: load a consistent snapshot first, start from its coordinates.
 * A node that holds data of its own is refused: replikit never overwrites it.
 * Returns what it did.
 */
export async function joinReplica(r: JoinRequest): Promise<string> {
  const { replica, source, link } = r;
  const local = await userSchemas(replica.session);
  if (local.length) {
    throw new NodeError(
      replica.name,
      `holds data (${local.join(', ')}) but replicates from nowhere`,
      'replikit will not overwrite it: remove its volume (docker volume rm) or the node',
    );
  }
  // Coordinates before the list: a schema created in between is in the list, not lost.
  const at = link.mode === 'position' ? await readCoordinates(source.session) : undefined;
  const data = await userSchemas(source.session);
  if (data.length === 0) {
    await pointAt(replica.session, link, at);
    return `replicating from ${source.name}${at ? ` at ${at.file}:${at.position}` : ' (GTID)'}`;
  }

  r.progress(`copying a consistent snapshot of ${data.join(', ')} from ${source.name}`);
  const started = Date.now();
  const snap = await replica.session.asAdmin(async () => {
    await replica.session.run(...replica.session.dialect.prepareSnapshotTarget());
    const copied = await copySnapshot(source, replica, r.progress, r.stallMs);
    await replica.session.run(...replica.session.dialect.adoptSnapshot(copied.coordinates));
    return copied;
  });
  await pointAt(replica.session, link, link.mode === 'position' ? snap.coordinates : undefined);
  const c = snap.coordinates;
  return (
    `loaded a snapshot of ${snap.schemas.join(', ')} (${(snap.bytes / 2 ** 20).toFixed(1)} MiB) from ${source.name} in ${Date.now() - started} ms, ` +
    `replicating from ${c.file}:${c.position}${c.gtid ? ` (GTID ${c.gtid})` : ''}`
  );
}
