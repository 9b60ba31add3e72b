import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The benchmark harness must keep working (it is not part of .ci/run: too slow, too noisy). This
// runs `node bench/run.js --quick` as `npm run bench -- --quick` would, and checks that it writes
// a result for every scenario. It asserts no performance target: timings are the bench's job.

const ROOT = join(__dirname, '..', '..');
const SCENARIOS = ['read-statements', 'read', 'deep-pages', 'send', 'webhooks', 'fanout', 'business-webhooks', 'memory'];

interface Entry {
  name: string;
  value: unknown;
  floor: unknown;
  ratio: unknown;
  target: unknown;
  pass: unknown;
}

describe('npm run bench -- --quick', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-bench-'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every scenario and writes results.json', async () => {
    const out = join(dir, 'results.json');
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['bench/run.js', '--quick', `--out=${out}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c) => output.push(String(c)));
      child.stderr.on('data', (c) => output.push(String(c)));
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`bench exited ${code}:\n${output.join('').slice(-4000)}`);

    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report).toMatchObject({ mode: 'quick', database: 'sqlite', error: null });
    expect(typeof report.machine.cpu).toBe('string');
    expect(report.scenarios.map((e: Entry) => e.name).sort()).toEqual([...SCENARIOS].sort());
    for (const e of report.scenarios as Entry[]) {
      for (const field of ['value', 'floor', 'ratio'] as const) {
        expect({ scenario: e.name, field, isNumber: typeof e[field] === 'number' && Number.isFinite(e[field]) }).toEqual({
          scenario: e.name,
          field,
          isNumber: true,
        });
      }
      expect(typeof e.target).toBe('string');
      expect(typeof e.pass).toBe('boolean');
    }
    // nothing lost is a correctness property of the harness's own checks, not a timing
    expect(report.scenarios.find((e: Entry) => e.name === 'webhooks').lost).toBe(0);
    expect(report.scenarios.find((e: Entry) => e.name === 'fanout').lost).toBe(0);
    expect(report.scenarios.find((e: Entry) => e.name === 'business-webhooks').lost).toBe(0);
  });
});
