import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkedTopologyName } from '../topology/name';

/**
 * Where a topology's CA is kept between runs, on the machine that runs replikit (like a Docker
 * context's certificates): $XDG_STATE_HOME/replikit/TOPOLOGY, else ~/.local/state/replikit/TOPOLOGY.
 * The key is 0600; `down --volumes` removes the folder.
 */
export function tlsStateDir(topology: string): string {
  checkedTopologyName(topology);
  const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'replikit', topology);
}

/** The topology's CA certificate (PEM) as kept on this machine, if it is. */
export function keptCa(topology: string): string | undefined {
  try {
    return fs.readFileSync(path.join(tlsStateDir(topology), 'ca.pem'), 'utf8');
  } catch {
    return undefined;
  }
}
