import { TopologyEngines } from '../docker/engines';
import { containerName, volumeName } from '../names';
import { describe, Operation } from '../plan/operations';
import { StepId, StepSpec, UP_STEPS } from '../plan/steps';
import { Line, runSteps, Step } from '../run/runner';
import { progressRenderer } from '../run/listr-renderer';
import { resolveTopology, TopologySource } from '../topology/inline';
import { levels, nodeByName } from '../topology/types';
import { ConnectionConfig, connectionUri } from '../replication/connection';
import { afterFailure } from './rollback';
import { NodeReport, UpCtx, UpOptions } from './up-context';
import {
  askImages,
  awaitHeartbeat,
  connectNode,
  heartbeatOnce,
  lock,
  planContainers,
  planServers,
  preflight,
  restartsInTurn,
  seed,
  seedGroups,
} from './up-phases';

export type { NodeReport, UpOptions } from './up-context';

export interface UpResult {
  topology: string;
  /** False when the topology was already converged and nothing was touched. */
  changed: boolean;
  /** What this run did, one operation a line, in order: `kind target: cause`, then what came of it. */
  changes: string[];
  nodes: NodeReport[];
  /** The topology's `engines:`, when it names any: with each node's `engine`, where `down` finds them. */
  engines?: Record<string, string>;
  warnings: string[];
}

/**
 * Converges Docker and replication to the topology: preflight → lock → observe → plan → execute
 * (containers, then each server) → verify. Returns only when every replica answers queries and
 * has received the heartbeat. The order is the step table's (plan/steps.ts), walked by the one
 * runner (run/runner.ts); each operation's code is in plan/execute.ts.
 */
export async function up(topology: TopologySource, options: UpOptions = {}): Promise<UpResult> {
  const t = resolveTopology(topology);
  const ctx = new UpCtx(t, new TopologyEngines(t, options.docker), options);
  ctx.reseed = (node) =>
    seed(ctx, { engine: ctx.engines.of(node), image: nodeByName(ctx.t, node)!.image, volumes: [volumeName(ctx.t, node)] }, () => undefined);
  ctx.reconnect = async (node) => {
    await connectNode(ctx, nodeByName(ctx.t, node)!, { title: () => undefined, output: () => undefined });
    return ctx.sessions.get(node)!;
  };
  const renderer = progressRenderer(options.progress ?? 'silent');
  try {
    await runSteps(upSteps(), ctx, { events: renderer.events, signal: options.signal });
    await renderer.finished();
    return await report(ctx);
  } catch (e) {
    await renderer.finished();
    // Removing a volume while a sibling line still copies into it would fail, or let Docker make it anew.
    await Promise.allSettled([...ctx.inflight]);
    throw await afterFailure(ctx, e, options.keepOnFailure ?? false);
  } finally {
    await ctx.close();
  }
}

/** The steps that are not (only) operations of the plan: what each does instead (up-phases.ts). */
const OWN_WORK: { [K in StepId]?: (spec: StepSpec) => Omit<Step<UpCtx>, 'title'> } = {
  connect: () => ({ run: (c) => c.engines.ping() }),
  preflight: () => ({ run: preflight }),
  images: () => ({ run: askImages }),
  lock: () => ({ run: lock }),
  plan: () => ({ run: planContainers }),
  // Seeding goes with creating: the copies run beside the container operations, when there are any.
  containers: (spec) => ({
    lines: (c) => {
      const ops = operationLines(spec, c);
      const seeds = seedGroups(c).map((g) => ({
        title: `Seed ${g.volumes.length} data volume(s) of ${g.image}${c.engines.inUse().length > 1 ? ` on ${g.engine.describe()}` : ''}`,
        run: (out: { output(text: string): void }) => seed(c, g, out.output),
      }));
      return ops.length ? [...seeds, ...ops] : [];
    },
  }),
  // Every node, started or not, is waited for: server operations need its session.
  start: (spec) => ({
    lines: (c) => {
      const inTurn = restartsInTurn(c);
      return c.t.nodes.map((n) => ({
        title: n.name,
        run: (out) =>
          inTurn(n.name, async () => {
            for (const op of c.plan.operations.filter((o) => spec.kinds.includes(o.kind) && nodeOf(o) === n.name)) await c.run(op);
            await connectNode(c, n, out);
          }),
      }));
    },
  }),
  'plan-servers': () => ({ run: planServers }),
  verify: () => ({
    skip: (c) =>
      c.changes.length === 0 && c.t.nodes.some((n) => n.role === 'replica')
        ? 'nothing changed: every replica was asked and replicates, no heartbeat written'
        : false,
    lines: (c) => {
      const heartbeat = heartbeatOnce(c);
      return c.t.nodes
        .filter((n) => n.role === 'replica')
        .map((n) => ({ title: n.name, run: (out) => awaitHeartbeat(c, n, heartbeat, out) }));
    },
  }),
};

function upSteps(): Step<UpCtx>[] {
  return UP_STEPS.map((spec) => ({
    title: spec.title,
    inTurn: spec.grouping === 'by-depth',
    ...(OWN_WORK[spec.id]?.(spec) ?? { lines: (c: UpCtx) => operationLines(spec, c) }),
  }));
}

/** The plan's operations this step runs, each a line; by depth: a group a depth, sources first. */
function operationLines(spec: StepSpec, c: UpCtx): Line[] {
  const ops = c.plan.operations.filter((o) => spec.kinds.includes(o.kind));
  const line = (op: Operation): Line => ({ title: describe(op), run: (out) => c.run(op, out.output) });
  if (spec.grouping !== 'by-depth') return ops.map(line);
  return levels(c.t.nodes)
    .slice(1)
    .map((level, i) => ({
      title: `Depth ${i + 1}: ${level.map((n) => n.name).join(', ')}`,
      lines: ops.filter((o) => level.some((n) => n.name === nodeOf(o))).map(line),
    }))
    .filter((group) => group.lines.length);
}

const nodeOf = (o: Operation): string | undefined => ('node' in o ? o.node : undefined);

async function report(c: UpCtx): Promise<UpResult> {
  const nodes: NodeReport[] = c.t.nodes.map((n) => {
    const s = c.sessions.get(n.name)!;
    const { node: _, ...root } = s.endpoint;
    // Clients get the topology's CA: they can check the server's certificate (its SAN has this address).
    const connection: ConnectionConfig = c.tls ? { ...root, ssl: { ca: c.tls.ca } } : root;
    return {
      name: n.name,
      role: n.role,
      ...(n.source ? { source: n.source } : {}),
      container: containerName(c.t, n.name),
      host: s.endpoint.host,
      port: s.endpoint.port,
      user: s.endpoint.user,
      connection,
      uri: connectionUri(connection),
      version: s.version,
      ...(c.lag.has(n.name) ? { heartbeatLagMs: c.lag.get(n.name) } : {}),
      ...(n.delaySeconds ? { delaySeconds: n.delaySeconds } : {}),
      ...(n.engine ? { engine: n.engine } : {}),
    };
  });
  const engines = Object.keys(c.t.engines).length ? { engines: c.t.engines } : {};
  return { topology: c.t.name, changed: c.changes.length > 0, changes: c.changes, nodes, ...engines, warnings: c.warnings };
}
