import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

export interface Block {
  lang: string;
  text: string;
  /** 1-based line of the opening fence, for messages */
  line: number;
}

/** The README's fenced code blocks, in order. */
export function readmeBlocks(lang?: string): Block[] {
  const out: Block[] = [];
  const lines = README.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ lang: open[1], text: body.join('\n') + '\n', line: start + 1 });
  }
  return lang === undefined ? out : out.filter((b) => b.lang === lang);
}

/** The one block of `lang` containing `marker` (a test fails loudly when the README changed shape). */
export function readmeBlock(lang: string, marker: string): Block {
  const found = readmeBlocks(lang).filter((b) => b.text.includes(marker));
  if (found.length !== 1) throw new Error(`README: expected one \`\`\`${lang} block containing ${JSON.stringify(marker)}, found ${found.length}`);
  return found[0];
}

/** `export A=x B='y'` as the banner prints it → { A: 'x', B: 'y' } */
export function parseExportLine(line: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const words = line.replace(/^\s*export\s+/, '').match(/[A-Z_]+=(?:'(?:[^']|'\\'')*'|\S+)/g) ?? [];
  for (const word of words) {
    const eq = word.indexOf('=');
    let value = word.slice(eq + 1);
    if (value.startsWith("'")) value = value.slice(1, -1).replace(/'\\''/g, "'");
    vars[word.slice(0, eq)] = value;
  }
  return vars;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a shell script to its end. */
export function bash(script: string, env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** A process (and its children: npm runs node) that the test stops as a group. */
export interface Background {
  child: ChildProcess;
  output(): string;
  /** resolves when the output contains `text` (or passes the check); rejects with the output if the process exits first */
  waitFor(text: string | RegExp | ((output: string) => boolean)): Promise<string>;
  stop(): Promise<void>;
}

export function background(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Background {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = once(child, 'exit');
  return {
    child,
    output: () => text,
    waitFor: (wanted) =>
      new Promise((resolve, reject) => {
        const found = () => (typeof wanted === 'string' ? text.includes(wanted) : typeof wanted === 'function' ? wanted(text) : wanted.test(text));
        const check = () => {
          if (!found()) return;
          listeners.delete(check);
          resolve(text);
        };
        listeners.add(check);
        check();
        exited.then(() => {
          listeners.delete(check);
          if (!found()) reject(new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${wanted}:\n${text}`));
        });
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const force = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 10000);
      await exited;
      clearTimeout(force);
    },
  };
}

/** What a newcomer's shell has: no test runner's variables (jest sets NODE_ENV=test). */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra };
}
