import type { DockerEngine } from '../docker/engine';
import { TopologyEngines } from '../docker/engines';
import { imageFacts, ImageFacts } from '../docker/detect-image';
import { desiredState } from '../plan/observe';
import type { Plan } from '../plan/reconcile';
import { planTopology } from '../plan/plan-topology';
import { UP_STEPS } from '../plan/steps';
import { runSteps, Step } from '../run/runner';
import { progressRenderer, Progress } from '../run/listr-renderer';
import type { SqlSession } from '../replication/session';
import { resolveTopology, TopologySource } from '../topology/inline';
import type { Topology } from '../topology/types';
import { openRunning } from './context';
import { topologyTls } from '../tls/certificates';
import { caKeeperOf } from '../docker/ca-keeper';

export interface PlanOptions {
  /** The environment's engine (nodes without engine: run there); default: as the docker CLI picks it. */
  docker?: DockerEngine;
  /** Plan the removal of containers whose node left the file, as `up --remove-orphans` would. */
  removeOrphans?: boolean;
  /** Progress output (default: none). */
  progress?: Progress;
}

interface PlanCtx {
  t: Topology;
  engines: TopologyEngines;
  removeOrphans?: boolean;
  facts: Map<string, ImageFacts>;
  sessions: Map<string, SqlSession>;
  plan?: Plan;
}

const title = (id: string) => UP_STEPS.find((s) => s.id === id)!.title;

/** The steps of `up` that only look, under the same titles. */
const PLAN_STEPS: readonly Step<PlanCtx>[] = [
  { title: title('connect'), run: (c) => c.engines.ping() },
  {
    // Images that are not present yet are judged by their name.
    title: title('images'),
    run: async (c) => {
      for (const image of desiredState(c.t).images) {
        const [docker] = c.engines.forImage(image);
        if (await docker.hasImage(image)) c.facts.set(image, await imageFacts(docker, image));
      }
    },
  },
  {
    title: title('plan'),
    run: async (c) => {
      c.sessions = await openRunning(c.engines, c.t);
      // The topology's CA as up would use it (one not made yet: made in memory, not kept), so a
      // node holding another shows as renew-certificates here too.
      const tls = await topologyTls(c.t, c.engines.hostAddresses(), { keepNewCa: false, keeper: caKeeperOf(c.engines, c.t) });
      c.plan = (await planTopology(c.engines, c.t, { facts: c.facts, tls, sessions: c.sessions, removeOrphans: c.removeOrphans })).plan;
    },
  },
];

/**
 * What `up` would do, and why, without changing anything: containers from the engine, settings
 * from the my.cnf in each container, replication from every server that runs.
 */
export async function plan(topology: TopologySource, options: PlanOptions = {}): Promise<Plan> {
  const t = resolveTopology(topology);
  const c: PlanCtx = {
    t,
    engines: new TopologyEngines(t, options.docker),
    removeOrphans: options.removeOrphans,
    facts: new Map(),
    sessions: new Map(),
  };
  const renderer = progressRenderer(options.progress ?? 'silent');
  try {
    await runSteps(PLAN_STEPS, c, { events: renderer.events });
    return c.plan!;
  } finally {
    await renderer.finished();
    await Promise.all([...c.sessions.values()].map((s) => s.close()));
  }
}
