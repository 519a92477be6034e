/** Jest runs TypeScript through SWC; jose 6 ships ESM only, so it is transformed too. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|oidc-provider)/)'],
  testTimeout: 60000,
};
