import { down } from '../commands/down';
import { up } from '../commands/up';
import { defaultTestTopology } from '../jest/global-setup';
import { PROVIDED } from './index';

/** The part of Vitest's globalSetup context replikit uses (no Vitest types needed to build it). */
interface GlobalSetupContext {
  provide(key: string, value: unknown): void;
}

/**
 * Vitest globalSetup: brings the topology up (verified) before any test file runs, hands what
 * `up` returned to the tests with provide() (inject('replikit') in a test), and returns the
 * teardown that removes it again (REPLIKIT_KEEP=1 keeps it to look at). REPLIKIT_TOPOLOGY names
 * a topology file; by default one primary and two replicas of REPLIKIT_IMAGE.
 */
export default async function setup(project: GlobalSetupContext): Promise<() => Promise<void>> {
  const result = await up(process.env.REPLIKIT_TOPOLOGY ?? defaultTestTopology(), { progress: process.env.REPLIKIT_PROGRESS === 'plain' ? 'plain' : 'silent' });
  project.provide(PROVIDED, result);
  return async () => {
    if (process.env.REPLIKIT_KEEP !== '1') await down(result.topology, { volumes: true });
  };
}
