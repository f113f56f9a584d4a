import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { up } from '../commands/up';
import type { TopologyInput } from '../topology/inline';
import { STATE_VARIABLE } from './state';

/**
 * The topology tests get unless REPLIKIT_TOPOLOGY names a file: one primary and two replicas,
 * a made-up unique name, ports Docker picks and generated passwords, so parallel jobs never meet.
 */
export function defaultTestTopology(image = process.env.REPLIKIT_IMAGE ?? 'mariadb:11.4'): TopologyInput {
  return { image, nodes: { primary: { role: 'primary' }, replica1: { role: 'replica' }, replica2: { role: 'replica' } } };
}

/** Jest globalSetup: brings the topology up (verified) before any test file runs. */
export default async function globalSetup(): Promise<void> {
  const result = await up(process.env.REPLIKIT_TOPOLOGY ?? defaultTestTopology(), { progress: process.env.REPLIKIT_PROGRESS === 'plain' ? 'plain' : 'silent' });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'replikit-jest-')), 'state.json');
  fs.writeFileSync(file, JSON.stringify(result), { mode: 0o600 });
  process.env[STATE_VARIABLE] = file;
}
