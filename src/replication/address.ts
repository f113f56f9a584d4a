import { containerName } from '../names';
import type { ReplicaStatus } from '../flavors/dialect';
import { nodeByName, sameEngine, Topology } from '../topology/types';

/**
 * Where `replica` reaches `source`: by the source's container name on the topology network
 * when both run on one engine; else by the source's `advertise:` address (validation requires
 * one on every node when the nodes span several engines).
 */
export function sourceAddress(t: Topology, replica: string, source: string): { host: string; port: number } {
  const [r, s] = [nodeByName(t, replica)!, nodeByName(t, source)!];
  if (sameEngine(r, s) || !s.advertise) return { host: containerName(t, source), port: 3306 };
  return s.advertise;
}

/** The node a replica's Source_Host and Source_Port name, either way `sourceAddress` gives them. */
export function nodeAt(t: Topology, host: string, port: number): string | undefined {
  return t.nodes.find(
    (n) => (host === containerName(t, n.name) && port === 3306) || (n.advertise?.host === host && n.advertise.port === port),
  )?.name;
}

/**
 * The node a replica replicates from: by the address its status names, else (an address the file
 * no longer gives: advertise: changed, the source moved to another engine) by the server_id the
 * source reported when the replica last connected.
 */
export function sourceNode(t: Topology, status: Pick<ReplicaStatus, 'sourceHost' | 'sourcePort' | 'sourceServerId'>): string | undefined {
  return (
    nodeAt(t, status.sourceHost, status.sourcePort) ??
    t.nodes.find((n) => status.sourceServerId && n.serverId === status.sourceServerId)?.name
  );
}
