import type { DockerEngine } from '../docker/engine';
import { NodeError } from '../errors';
import type { Credentials, ReplicationMode } from '../topology/types';
import { pointAt, readCoordinates, replicaStatus, sourceLink, updateCredentials, userSchemas } from './link';
import type { SqlSession } from './session';
import { copySnapshot } from './snapshot';

export interface LinkEnd {
  name: string;
  container: string;
  session: SqlSession;
}

export interface LinkRequest {
  docker: DockerEngine;
  replica: LinkEnd;
  source: LinkEnd;
  credentials: Credentials;
  /** The source's replication account got a new password in this run. */
  passwordChanged: boolean;
  mode: ReplicationMode;
  progress: (text: string) => void;
}

/**
 * Makes one replica replicate from its source, doing only what is missing:
 * - already replicating from that source: nothing, unless the replication password changed or
 *   the source refuses the replica's login: then it gets the topology's account again;
 * - configured but stopped: start it;
 * - replicating from another node: move it (GTID mode only; in position mode it refuses);
 * - new, source without data: start from the source's current coordinates;
 * - new, source with data: load a consistent snapshot first, start from its coordinates.
 * Returns what it changed, or undefined when nothing was needed.
 */
export async function linkReplica(r: LinkRequest): Promise<string | undefined> {
  const { replica, source } = r;
  const link = sourceLink(source.container, r.credentials, r.mode);
  const current = await replicaStatus(replica.session);

  if (current?.sourceHost === source.container) {
    // 1045 access denied; 2061 caching_sha2_password wants a secure connection or the key.
    if (r.passwordChanged || [1045, 2061].includes(current.lastIoErrno)) {
      await updateCredentials(replica.session, link);
      return `${replica.name}: logs in to ${source.name} with the topology's replication password`;
    }
    if (current.ioRunning === 'Yes' && current.sqlRunning === 'Yes') return undefined;
    // Stop first: an IO thread stuck retrying keeps its old error until it next connects.
    await replica.session.run(replica.session.dialect.stopReplica(), replica.session.dialect.startReplica());
    return `${replica.name}: restarted replication from ${source.name}`;
  }
  if (current?.sourceHost) {
    if (r.mode === 'position') {
      throw new NodeError(
        replica.name,
        `replicates from ${current.sourceHost}, but the topology says ${source.container}`,
        'moving an existing replica needs GTID mode (replication.mode: gtid) or a switchover; or remove its data with replikit down --volumes and run up again',
      );
    }
    await pointAt(replica.session, link);
    return `${replica.name}: moved to ${source.name} (GTID auto-position)`;
  }

  const local = await userSchemas(replica.session);
  if (local.length) {
    throw new NodeError(replica.name, `holds data (${local.join(', ')}) but replicates from nowhere`, 'replikit will not overwrite it: remove its volume (docker volume rm) or the node');
  }
  const data = await userSchemas(source.session);
  if (data.length === 0) {
    const at = r.mode === 'position' ? await readCoordinates(source.session) : undefined;
    await pointAt(replica.session, link, at);
    return `${replica.name}: replicating from ${source.name}${at ? ` at ${at.file}:${at.position}` : ' (GTID)'}`;
  }

  r.progress(`copying a consistent snapshot of ${data.join(', ')} from ${source.name}`);
  const started = Date.now();
  const snap = await replica.session.asAdmin(async () => {
    await replica.session.run(...replica.session.dialect.prepareSnapshotTarget());
    const copied = await copySnapshot(r.docker, source, replica, r.progress);
    await replica.session.run(...replica.session.dialect.adoptSnapshot(copied.coordinates));
    return copied;
  });
  await pointAt(replica.session, link, r.mode === 'position' ? snap.coordinates : undefined);
  const c = snap.coordinates;
  return (
    `${replica.name}: loaded a snapshot of ${snap.schemas.join(', ')} (${(snap.bytes / 2 ** 20).toFixed(1)} MiB) from ${source.name} in ${Date.now() - started} ms, ` +
    `replicating from ${c.file}:${c.position}${c.gtid ? ` (GTID ${c.gtid})` : ''}`
  );
}
