import { optionKey } from './types';

/** The raw topology as written (after interpolation), before defaults are filled in. */
export interface RawTopology {
  version?: unknown;
  name?: unknown;
  image?: unknown;
  profile?: unknown;
  credentials?: Record<string, unknown>;
  replication?: Record<string, unknown>;
  init?: unknown;
  engines?: unknown;
  nodes?: Record<string, RawNode>;
}
export interface RawNode {
  role?: unknown;
  source?: unknown;
  server_id?: unknown;
  port?: unknown;
  bind?: unknown;
  image?: unknown;
  delay?: unknown;
  engine?: unknown;
  placement?: unknown;
  advertise?: unknown;
  mysqld?: unknown;
}

/** The server_id a node's entry gives: its server_id:, else a server_id in its mysqld: settings (as a my.cnf for mysqld says it). */
export function givenServerId(n: RawNode): number | undefined {
  if (typeof n.server_id === 'number') return n.server_id;
  const settings = n.mysqld && typeof n.mysqld === 'object' ? Object.entries(n.mysqld as Record<string, unknown>) : [];
  const found = settings.find(([k]) => optionKey(k) === 'server_id')?.[1];
  return found !== undefined && /^\d+$/.test(String(found)) ? Number(found) : undefined;
}
