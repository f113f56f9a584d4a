/**
 * A node's server_id when the file gives none: derived from the topology's and the node's names,
 * so adding, removing or reordering other nodes never changes it (an id given by file order did:
 * after a node left the file, another took the id stamped on events it had not applied yet, and
 * skipped them as its own). FNV-1a, 32 bits: the whole range server_id takes, so two names
 * meeting is about one chance in a billion for nine nodes, and refused by the file's checks.
 */
export function derivedServerId(topology: string, node: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${topology}/${node}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash === 0 ? 1 : hash;
}

/** The server_id a my.cnf sets, if any (`server_id = 7`, `server-id=7`). */
export function serverIdIn(mycnf: string): number | undefined {
  const m = /^\s*server[-_]id\s*=\s*(\d+)\s*$/im.exec(mycnf);
  return m ? Number(m[1]) : undefined;
}
