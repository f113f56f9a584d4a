/**
 * An application's Jest config using replikit: globalSetup starts one primary and two replicas
 * (verified) before the tests, globalTeardown removes them. In your project the two paths are
 * 'replikit/jest/global-setup' and 'replikit/jest/global-teardown'; here they point at this
 * repository's build, and REPLIKIT_IMAGE defaults to the image scripts/test-env.sh builds.
 */
process.env.REPLIKIT_IMAGE ??= 'replikit/mariadb:10.11';

module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: { '^replikit$': '<rootDir>/../dist/index.js', '^replikit/jest$': '<rootDir>/../dist/jest/index.js' },
  globalSetup: '<rootDir>/../dist/jest/global-setup.js',
  globalTeardown: '<rootDir>/../dist/jest/global-teardown.js',
  testTimeout: 60_000,
};
