/** @type {import('jest').Config} */
// The browser suite: the built ops dashboard in Debian's chromium against a sandbox gateway
// (npm run test:browser; it builds first, since the page is what `npm run build` ships).
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/browser'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 90000,
  maxWorkers: 1,
};
