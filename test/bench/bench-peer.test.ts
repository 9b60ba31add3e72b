import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The PostGraphile comparison must keep working (npm run bench -- --peer). This runs it as
// `npm run bench -- --peer --quick --rounds=1` would (installing PostGraphile into bench/.peer/
// the first time, which needs the npm registry) and checks that it compared the three servers'
// answers and reported every read on both databases. It asserts no performance target.

const ROOT = join(__dirname, '..', '..');
const READS = ['peer-page-random', 'peer-page-first', 'peer-order', 'peer-typename'];

interface Ratio {
  median: unknown;
  min: unknown;
  max: unknown;
  rounds: unknown[];
  target: unknown;
  pass: unknown;
}
interface Entry {
  name: string;
  database: string;
  value: unknown;
  floor: unknown;
  peer: unknown;
  ratio: unknown;
  pass: unknown;
  vsPeer: Ratio;
  vsFloor: Ratio;
}

const isNumber = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;

describe('npm run bench -- --peer --quick', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wpg-bench-peer-'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks the three servers answer alike and reports vsPeer and vsFloor for every read on sqlite and PostgreSQL', async () => {
    const out = join(dir, 'results.json');
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['bench/run.js', '--peer', '--quick', '--rounds=1', `--out=${out}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (c) => output.push(String(c)));
      child.stderr.on('data', (c) => output.push(String(c)));
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`bench exited ${code}:\n${output.join('').slice(-4000)}`);
    // the answers were compared before anything was timed, on each database
    expect(output.join('').match(/same answers: .* the floor byte for byte/g)).toHaveLength(2);

    const report = JSON.parse(readFileSync(out, 'utf8'));
    expect(report).toMatchObject({ mode: 'quick', database: 'sqlite+postgres', error: null, rounds: 1 });
    const reported = (report.scenarios as Entry[]).map((e) => `${e.name} ${e.database}`).sort();
    expect(reported).toEqual(READS.flatMap((r) => [`${r} postgres`, `${r} sqlite`]).sort());
    for (const e of report.scenarios as Entry[]) {
      const numbers = { value: e.value, floor: e.floor, peer: e.peer, vsPeer: e.vsPeer.median, vsFloor: e.vsFloor.median, ratio: e.ratio };
      expect({ entry: `${e.name} ${e.database}`, allNumbers: Object.values(numbers).every(isNumber) }).toEqual({ entry: `${e.name} ${e.database}`, allNumbers: true });
      expect(e.ratio).toBe(e.vsPeer.median);
      expect(e.vsPeer.rounds).toHaveLength(1);
      expect(typeof e.pass).toBe('boolean');
    }
  }, 900_000);
});
