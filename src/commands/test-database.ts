import { down } from './down';
import { up, UpResult } from './up';
import type { TopologyInput } from '../topology/inline';

/**
 * The topology test suites get unless REPLIKIT_TOPOLOGY names a file: one primary and two
 * replicas, a made-up unique name, ports Docker picks and generated passwords, so parallel jobs
 * never meet.
 */
export function defaultTestTopology(image = process.env.REPLIKIT_IMAGE ?? 'mariadb:11.4'): TopologyInput {
  return { image, nodes: { primary: { role: 'primary' }, replica1: { role: 'replica' }, replica2: { role: 'replica' } } };
}

/** What the Jest and Vitest global setups start: REPLIKIT_TOPOLOGY's file or the default topology, verified. */
export function startTestDatabase(): Promise<UpResult> {
  return up(process.env.REPLIKIT_TOPOLOGY ?? defaultTestTopology(), {
    progress: process.env.REPLIKIT_PROGRESS === 'plain' ? 'plain' : 'silent',
  });
}

/** Removes it again with its data, unless REPLIKIT_KEEP=1 keeps it to look at. */
export async function removeTestDatabase(db: UpResult): Promise<void> {
  if (process.env.REPLIKIT_KEEP !== '1') await down(db, { volumes: true });
}
