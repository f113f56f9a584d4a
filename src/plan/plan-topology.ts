import type { TopologyEngines } from '../docker/engines';
import type { SqlSession } from '../replication/session';
import type { TopologyTls } from '../tls/certificates';
import type { Topology } from '../topology/types';
import { desiredState, ImageFactsByImage, observe, withRecordedServerIds } from './observe';
import { Desired, Observed, Plan, reconcile } from './reconcile';

export interface PlanInputs {
  /** What each image runs, as far as it is known (an image not present yet is judged by its name). */
  facts: ImageFactsByImage;
  tls?: TopologyTls;
  /** Sessions to the servers that answer: their replication, accounts and settings are planned too. */
  sessions: ReadonlyMap<string, SqlSession>;
  removeOrphans?: boolean;
}

export interface PlannedTopology {
  /** The topology with each node's server_id as its data records it: what is rendered from here on keeps them. */
  t: Topology;
  observed: Observed;
  desired: Desired;
  plan: Plan;
}

/** observe → desired → reconcile, as `plan` shows it and `up` starts from. */
export async function planTopology(engines: TopologyEngines, file: Topology, inputs: PlanInputs): Promise<PlannedTopology> {
  const desiredImages = desiredState(file).images;
  const observed = await observe(engines, file, desiredImages, inputs.sessions);
  const t = withRecordedServerIds(file, observed);
  const desired = desiredState(t, inputs.facts, inputs.tls, await engines.remoteAddresses());
  return { t, observed, desired, plan: reconcile(desired, observed, { removeOrphans: inputs.removeOrphans }) };
}
