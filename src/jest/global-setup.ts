import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestDatabase } from '../commands/test-database';
import { STATE_VARIABLE } from './state';

export { defaultTestTopology } from '../commands/test-database';

/** Jest globalSetup: brings the topology up (verified) before any test file runs. */
export default async function globalSetup(): Promise<void> {
  const result = await startTestDatabase();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'replikit-jest-')), 'state.json');
  fs.writeFileSync(file, JSON.stringify(result), { mode: 0o600 });
  process.env[STATE_VARIABLE] = file;
}
