/** One plain jest setup: ts-jest compiles the TypeScript tests, unit and integration alike. */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Integration tests start real containers; a MariaDB server takes seconds to initialise.
  testTimeout: 180_000,
};
