import { optionKey, type NodeSpec, type Topology } from './types';

/**
 * The topology after a role change (a switchover or a failover), as the edited file will say it:
 * NEW is the primary (without the delay it had as a replica), OLD replicates from it, and every
 * node that replicated from OLD replicates from NEW; a read_only either one's own settings gave
 * it for its old role goes. The same change topology/edit.ts makes to the file's text.
 */
export function afterRoleChange(t: Topology, oldPrimary: string, newPrimary: string): Topology {
  const withoutReadOnly = (n: NodeSpec) =>
    Object.fromEntries(Object.entries(n.mysqld).filter(([k]) => !['read_only', 'super_read_only'].includes(optionKey(k))));
  const nodes = t.nodes.map((n): NodeSpec => {
    if (n.name === newPrimary) return { ...n, role: 'primary', source: undefined, delaySeconds: 0, mysqld: withoutReadOnly(n) };
    if (n.name === oldPrimary) return { ...n, role: 'replica', source: newPrimary, mysqld: withoutReadOnly(n) };
    return n.source === oldPrimary ? { ...n, source: newPrimary } : n;
  });
  return { ...t, nodes };
}
