import { NodeError } from '../errors';
import { poll } from '../poll';
import { positionByGtidHere, readCoordinates, waitUntilApplied } from './link';
import type { SqlSession } from './session';

export interface ModeNode {
  name: string;
  session: SqlSession;
  /** Its source's session; undefined for the primary. */
  source?: SqlSession;
}

/** The flavour's statements for turning GTIDs on while it runs. */
const steps = (s: SqlSession) => s.dialect.gtidOnline();

/**
 * Turns a running topology from file-and-offset positioning to GTIDs without a restart and
 * without stopping writers: each node takes the flavour's steps in turn (gtidOnline), then each
 * replica, from the top of the tree down, switches to GTID positioning at the point it stands.
 * `nodes` come sources first.
 */
export async function enableGtid(nodes: ModeNode[], timeoutSeconds: number, signal?: AbortSignal): Promise<string> {
  const enabled = await Promise.all(nodes.map(async (n) => Number((await n.session.first(steps(n.session).enabled))?.enabled) === 1));
  const stepping = nodes.filter((_, i) => !enabled[i]);
  if (stepping.length) await stepUp(stepping, nodes, timeoutSeconds, signal);
  for (const n of nodes) if (n.source) await positionByGtidHere(n.session, n.source);
  return `${nodes
    .filter((n) => n.source)
    .map((n) => n.name)
    .join(', ')} now position by GTID`;
}

/** The flavour's steps on the servers that need them; every replica catches up before the last one. */
async function stepUp(stepping: ModeNode[], nodes: ModeNode[], timeoutSeconds: number, signal?: AbortSignal): Promise<void> {
  const maxPhases = Math.max(...stepping.map((n) => steps(n.session).phases.length));
  for (let i = 0; i < maxPhases; i++) await Promise.all(stepping.map((n) => n.session.run(...(steps(n.session).phases[i] ?? []))));
  await Promise.all(
    stepping.map(async (n) => {
      const drain = steps(n.session).drain;
      if (!drain) return;
      await poll(async () => (Number((await n.session.first(drain))?.Value) === 0 ? true : undefined), {
        timeoutMs: timeoutSeconds * 1000,
        intervalMs: 100,
        signal,
        onTimeout: () =>
          new NodeError(
            n.name,
            `transactions without a GTID still running after ${timeoutSeconds} s`,
            'finish or kill the long transaction, then run replikit up again',
          ),
      });
    }),
  );
  // Every replica applies what its source logged before the last step, sources first.
  for (const n of nodes) {
    if (!n.source) continue;
    const c = await readCoordinates(n.source);
    if (!(await waitUntilApplied(n.session, c, timeoutSeconds))) {
      throw new NodeError(
        n.name,
        `did not apply its source's log up to ${c.file}:${c.position} within ${timeoutSeconds} s`,
        'see replikit status; run replikit up again',
      );
    }
  }
  await Promise.all(stepping.map((n) => n.session.run(...steps(n.session).finish)));
}
