/** @type {import('jest').Config} */
// The benchmark harness's own test (npm run test:bench): runs `bench/run.js --quick` (about a
// minute and both cores), so it stays out of the default suite.
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/bench'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 240000,
  maxWorkers: 1,
};
