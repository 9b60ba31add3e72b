// Builds the ops dashboard into dist/dashboard: one JavaScript and one CSS file with content hashes
// in their names (served as immutable), and index.html pointing at them. Run by `npm run build`.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUTDIR = join(here, '..', 'dist', 'dashboard');

/** Bundles dashboard/src into `outdir` and returns the shipped files with their sizes in bytes. */
export async function buildDashboard(outdir = DEFAULT_OUTDIR) {
  // built beside the target and moved into place at the end: several `npm start` building at once
  // (instances started together) never see each other's half-written folder
  const staging = `${outdir}.build-${process.pid}-${Date.now()}`;
  try {
    const files = await buildInto(staging);
    install(staging, outdir);
    return files;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Moves a finished build into place; a build another process installed meanwhile is as good as this one. */
function install(staging, outdir) {
  const old = `${outdir}.old-${process.pid}-${Date.now()}`;
  try {
    renameSync(outdir, old);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  try {
    renameSync(staging, outdir);
  } catch (err) {
    // another build landed between the two renames: same sources, same files
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  } finally {
    rmSync(old, { recursive: true, force: true });
  }
}

async function buildInto(outdir) {
  const assets = join(outdir, 'assets');
  mkdirSync(assets, { recursive: true });
  const result = await esbuild.build({
    entryPoints: { app: join(here, 'src', 'main.tsx') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    outdir: assets,
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
  const script = outputs.find((f) => f.endsWith('.js'));
  const style = outputs.find((f) => f.endsWith('.css'));
  if (!script || !style) throw new Error(`the dashboard build produced ${outputs.join(', ')}: expected one .js and one .css`);

  const iconSource = readFileSync(join(here, 'icon.svg'));
  const icon = `icon-${createHash('sha256').update(iconSource).digest('hex').slice(0, 8)}.svg`;
  copyFileSync(join(here, 'icon.svg'), join(assets, icon));

  const html = readFileSync(join(here, 'index.html'), 'utf8')
    .replace('{{script}}', `/dashboard/assets/${script}`)
    .replace('{{style}}', `/dashboard/assets/${style}`)
    .replace('{{icon}}', `/dashboard/assets/${icon}`);
  writeFileSync(join(outdir, 'index.html'), html);

  const files = ['index.html', ...[script, style, icon].map((f) => `assets/${f}`)];
  return files.map((f) => ({ file: f, bytes: readFileSync(join(outdir, f)).length }));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outdir = process.argv[2] ?? DEFAULT_OUTDIR;
  buildDashboard(outdir).then(
    (files) => {
      const total = files.reduce((n, f) => n + f.bytes, 0);
      process.stdout.write(`dashboard: ${files.length} files, ${(total / 1024).toFixed(1)} KiB in ${relative(process.cwd(), outdir) || '.'}\n`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
