import { setGlobal } from '../flavors/dialect';
import type { Role, Topology } from '../topology/types';
import type { SqlSession } from './session';

/**
 * A node that changes role at run time (promoted, or repointed as a replica) takes its role's
 * side of semi-synchronous replication at once, as its my.cnf will say from the next `up` on:
 * without it a promoted primary would commit asynchronously until then. A replica's side takes
 * effect when its receiver starts (pointing it at its source starts it).
 */
export async function takeSemiSyncRole(s: SqlSession, t: Topology, role: Role): Promise<void> {
  if (!t.replication.semiSync) return;
  const settings = Object.entries(s.dialect.semiSyncSettings(role, t.replication.semiSync)).filter(([name]) => s.dialect.isDynamic(name));
  await s.run(...settings.map(([name, value]) => setGlobal(name, String(value))));
}
