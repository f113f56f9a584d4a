import * as fs from 'node:fs';
import type { UpResult } from '../commands/up';

/** Where globalSetup leaves what `up` returned, for the test files (mode 0600: it holds passwords). */
export const STATE_VARIABLE = 'REPLIKIT_JEST_STATE';

/**
 * The replicated database the Jest globalSetup started: every node's connection, the primary
 * first. Call it inside a test file; it reads what globalSetup wrote.
 */
export function replicatedDatabase(): UpResult {
  const file = process.env[STATE_VARIABLE];
  if (!file || !fs.existsSync(file)) {
    throw new Error(
      `no replicated database: add globalSetup: 'replikit/jest/global-setup' (and globalTeardown: 'replikit/jest/global-teardown') to the Jest config`,
    );
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as UpResult;
}
