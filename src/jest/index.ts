/** replikit/jest: what a test file needs after the globalSetup started the database. */
export { replicatedDatabase } from './state';
export { defaultTestTopology } from '../commands/test-database';
export { waitForReplication } from '../verify/wait';
