/** @type {import('jest').Config} */
// The scale suite: several gateway processes on PostgreSQL + Redis (npm run test:scale).
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/scale'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 120000,
  maxWorkers: 1,
};
