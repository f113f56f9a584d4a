import { LISTR_LOGGER_STDERR_LEVELS, ListrLogger, ListrLogLevels, ListrRendererValue, PRESET_TIMESTAMP } from 'listr2';
import type { DockerEngine } from '../docker/engine';
import type { TopologyEngines } from '../docker/engines';
import { containerName } from '../docker/names';
import { Endpoint, SqlSession } from '../replication/session';
import type { NodeSpec, Topology } from '../topology/types';

/** How progress is shown: a live tree in a terminal, timestamped lines otherwise, nothing for --json. */
export type Progress = 'auto' | 'plain' | 'silent';

/**
 * Plain lines say what finished (with its result in the title), what failed, and progress: a
 * line for every step that starts as well would double the log without saying more.
 */
class FinishedStepsLogger extends ListrLogger<ListrLogLevels> {
  constructor() {
    super({ useIcons: true, toStderr: LISTR_LOGGER_STDERR_LEVELS });
  }
  override log(level: ListrLogLevels, message: string | any[], options?: Parameters<ListrLogger['log']>[2]): void {
    if (level !== ListrLogLevels.STARTED) super.log(level, message, options);
  }
}

export function listrOptions(progress: Progress) {
  const plain = progress === 'plain' || !process.stdout.isTTY || Boolean(process.env.CI);
  return {
    renderer: (progress === 'silent' ? 'silent' : plain ? 'simple' : 'default') as ListrRendererValue,
    rendererOptions: { timestamp: PRESET_TIMESTAMP, collapseSubtasks: false, ...(plain ? { logger: new FinishedStepsLogger() } : {}) },
    exitOnError: true,
    // listr2 would exit the process with 127 on Ctrl-C; the CLI aborts the run and cleans up instead.
    registerSignalListeners: false,
    collectErrors: false as const,
  };
}

/**
 * Root endpoint of a node's published port on the engine's host. `port` when the caller already
 * has it (from a container listing); otherwise the container is inspected for it.
 */
export async function rootEndpoint(docker: DockerEngine, t: Topology, node: Pick<NodeSpec, 'name' | 'bind'>, port?: number): Promise<Endpoint> {
  return {
    node: node.name,
    host: docker.reachAddress(node.bind),
    port: port ?? (await docker.hostPort(containerName(t, node.name))),
    user: 'root',
    password: t.credentials.rootPassword,
    charset: 'utf8mb4',
  };
}

/**
 * SQL sessions to the nodes whose containers run and answer within a few seconds: the servers
 * `plan` and `up` can ask before changing anything. A node that does not answer is left out.
 */
export async function openRunning(engines: TopologyEngines, t: Topology): Promise<Map<string, SqlSession>> {
  const running = (await engines.containers()).filter((c) => c.state === 'running' && c.hostPort);
  const sessions = new Map<string, SqlSession>();
  await Promise.all(
    t.nodes.map(async (n) => {
      const c = running.find((r) => r.name === containerName(t, n.name));
      if (!c) return;
      const s = await SqlSession.open(await rootEndpoint(engines.of(n.name), t, n, c.hostPort), 3000).catch(() => undefined);
      if (s) sessions.set(n.name, s);
    }),
  );
  return sessions;
}
