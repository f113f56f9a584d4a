import * as fs from 'node:fs';
import * as path from 'node:path';
import { removeTestDatabase } from '../commands/test-database';
import { replicatedDatabase, STATE_VARIABLE } from './state';

/** Jest globalTeardown: removes the containers and their data; REPLIKIT_KEEP=1 keeps them to look at. */
export default async function globalTeardown(): Promise<void> {
  const file = process.env[STATE_VARIABLE];
  if (!file) return;
  await removeTestDatabase(replicatedDatabase());
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
