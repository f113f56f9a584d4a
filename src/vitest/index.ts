/**
 * replikit/vitest: what a test file needs after the globalSetup ('replikit/vitest/global-setup')
 * started the database. In a test: `const db = inject('replikit')`; declare its type once with
 *
 *   declare module 'vitest' { export interface ProvidedContext { replikit: import('replikit').UpResult } }
 */
export const PROVIDED = 'replikit';
export { waitForReplication } from '../verify/wait';
export type { UpResult, NodeReport } from '../commands/up';
