import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { imageFacts } from '../flavors/detect-image';
import { desiredState, observe, withRecordedServerIds } from '../plan/observe';
import { Plan, reconcile } from '../plan/reconcile';
import { resolveTopology, TopologySource } from '../topology/inline';
import { openRunning } from './context';
import { topologyTls } from '../tls/certificates';
import { caKeeperOf } from '../docker/ca-keeper';

export interface PlanOptions {
  /** The environment's engine (nodes without engine: run there); default: as the docker CLI picks it. */
  docker?: DockerEngine;
  /** Plan the removal of containers whose node left the file, as `up --remove-orphans` would. */
  removeOrphans?: boolean;
}

/**
 * What `up` would do, and why, without changing anything: containers from the engine, settings
 * from the my.cnf in each container, replication from every server that runs. Images that are
 * not present yet are judged by their name.
 */
export async function plan(topology: TopologySource, options: PlanOptions = {}): Promise<Plan> {
  const t = resolveTopology(topology);
  const engines = new TopologyEngines(t, options.docker);
  await engines.ping();
  const { images } = desiredState(t);
  const facts = new Map();
  for (const image of images) {
    const [docker] = engines.forImage(image);
    if (await docker.hasImage(image)) facts.set(image, await imageFacts(docker, image));
  }
  const sessions = await openRunning(engines, t);
  try {
    // The topology's CA as up would use it (one not made yet: made in memory, not kept), so a
    // node holding another shows as renew-certificates here too.
    const tls = await topologyTls(t, engines.hostAddresses(), { keepNewCa: false, keeper: caKeeperOf(engines, t) });
    const observed = await observe(engines, t, images, sessions);
    const desired = desiredState(withRecordedServerIds(t, observed), facts, tls, await engines.remoteAddresses());
    return reconcile(desired, observed, { removeOrphans: options.removeOrphans });
  } finally {
    await Promise.all([...sessions.values()].map((s) => s.close()));
  }
}
