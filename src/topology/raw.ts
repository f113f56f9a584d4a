import type { TopologyFile, TopologyNode } from './schema-types.generated';
import { optionKey } from './types';

/** Every key of a shape, each of any value: what a file holds before the schema has checked it. */
type Unchecked<T> = { [K in keyof T]?: unknown };

/** The raw topology as written (after interpolation), before defaults are filled in; its keys are the schema's. */
export type RawTopology = Omit<Unchecked<TopologyFile>, 'credentials' | 'replication' | 'nodes'> & {
  credentials?: Record<string, unknown>;
  replication?: Record<string, unknown>;
  nodes?: Record<string, RawNode>;
};
export type RawNode = Unchecked<TopologyNode>;

/** The server_id a node's entry gives: its server_id:, else a server_id in its mysqld: settings (as a my.cnf for mysqld says it). */
export function givenServerId(n: RawNode): number | undefined {
  if (typeof n.server_id === 'number') return n.server_id;
  const settings = n.mysqld && typeof n.mysqld === 'object' ? Object.entries(n.mysqld as Record<string, unknown>) : [];
  const found = settings.find(([k]) => optionKey(k) === 'server_id')?.[1];
  return found !== undefined && /^\d+$/.test(String(found)) ? Number(found) : undefined;
}
