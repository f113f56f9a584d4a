import type { DockerEngine } from '../docker/engine';
import type { TopologyEngines } from '../docker/engines';
import { containerName, TLS_FILES } from '../names';
import { keptCa } from '../tls/state';
import { Endpoint, SqlSession } from '../replication/session';
import type { NodeSpec, Topology } from '../topology/types';

/**
 * Root endpoint of a node's published port on the engine's host. `port` when the caller already
 * has it (from a container listing); otherwise the container is inspected for it. With
 * replication.tls on, the session is TLS, the server's certificate checked against the CA its
 * container holds, read through the engine (whose own channel is local, TLS or ssh), and the
 * topology's CA kept on this machine (a container may hold a CA its server was not started with): root's
 * statements (IDENTIFIED BY, CHANGE … PASSWORD) never cross a network in clear, and only a
 * server holding a key of the topology's CA is talked to. The chain is checked, not the name:
 * the address a session uses (a published port, maybe re-advertised) is not always one the
 * certificate names; replicas check names.
 */
export async function rootEndpoint(
  docker: DockerEngine,
  t: Topology,
  node: Pick<NodeSpec, 'name' | 'bind'>,
  port?: number,
): Promise<Endpoint> {
  const container = containerName(t, node.name);
  const [published, held] = await Promise.all([
    port ?? docker.hostPort(container),
    t.replication.tls === 'off' ? undefined : docker.readFile(container, TLS_FILES.ca),
  ]);
  const kept = held === undefined ? undefined : keptCa(t.name);
  const ca = held === undefined ? [] : kept === undefined || kept === held ? [held] : [held, kept];
  return {
    node: node.name,
    host: docker.reachAddress(node.bind),
    port: published,
    user: 'root',
    password: t.credentials.rootPassword,
    charset: 'utf8mb4',
    ...(ca.length ? { ssl: { ca, rejectUnauthorized: true } } : {}),
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
