// The Node version the project supports is said in four places: package.json's engines, the
// Dockerfile's base image, the README, and the engines of every installed package (which `npm ci`
// checks and warns about). They must agree, so a newcomer on the oldest supported Node gets a clean
// install and a gateway that runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';

const ROOT = join(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
const oldest = semver.minVersion(pkg.engines.node)!;

describe('the supported Node version', () => {
  it('is Node 20 (from 20.17, what sqlite3 needs) and later', () => {
    expect(oldest.version).toBe('20.17.0');
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
  });

  it('is accepted by the engines of every package in the lockfile, so `npm ci` warns about none', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node)
      .filter(([, p]) => !semver.satisfies(oldest, (p.engines as { node: string }).node))
      .map(([path, p]) => `${path}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
  });

  it('is the Dockerfile base image and what the README says', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)[-\w.]*/gm)].map((m) => Number(m[1]));
    expect(images.length).toBeGreaterThan(0);
    expect(new Set(images)).toEqual(new Set([oldest.major]));
    expect(read('README.md')).toContain(`Node ${oldest.major}.${oldest.minor} or later`);
  });
});
