import { removeTestDatabase, startTestDatabase } from '../commands/test-database';
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
  const result = await startTestDatabase();
  project.provide(PROVIDED, result);
  return () => removeTestDatabase(result);
}
