/**
 * An application's Vitest config using replikit: globalSetup starts one primary and two replicas
 * (verified) before the tests and removes them after. In your project the path is
 * 'replikit/vitest/global-setup'; here it points at this repository's build, and REPLIKIT_IMAGE
 * defaults to an image scripts/test-env.sh builds.
 */
import * as path from 'node:path';
import { defineConfig } from 'vitest/config';

process.env.REPLIKIT_IMAGE ??= 'replikit/mariadb:10.11';
const dist = path.resolve(__dirname, '..', '..', 'dist');

export default defineConfig({
  test: {
    root: __dirname,
    include: ['*.test.ts'],
    globalSetup: [path.join(dist, 'vitest', 'global-setup.js')],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
  resolve: { alias: { 'replikit/vitest': path.join(dist, 'vitest', 'index.js') } },
});
