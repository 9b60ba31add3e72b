#!/usr/bin/env node
'use strict';
// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`, in bench/.profiles/):
// the functions and packages with the most self time, and the functions with the most inclusive
// time.   node bench/profile-summary.js <file.cpuprofile> [top=25] [filter-substring]

const { readFileSync } = require('node:fs');

const [file, topArg, filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.js <file.cpuprofile> [top] [filter]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const keyOf = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
};
const packageOf = (n) => {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('/dist/src/')) return 'gateway: ' + url.split('/dist/src/')[1].split('/').slice(0, -1).join('/');
  if (url.startsWith('node:')) return 'node core';
  return url;
};
function shortUrl(url) {
  return url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
}

const self = new Map();
const selfPkg = new Map();
const inclusive = new Map();
let total = 0;
const { samples, timeDeltas } = profile;
for (let i = 0; i < samples.length; i++) {
  const dt = (timeDeltas[i] ?? 0) / 1000;
  total += dt;
  const leaf = byId.get(samples[i]);
  const k = keyOf(leaf);
  self.set(k, (self.get(k) ?? 0) + dt);
  const p = packageOf(leaf);
  selfPkg.set(p, (selfPkg.get(p) ?? 0) + dt);
  const seen = new Set();
  for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
    const key = keyOf(byId.get(id));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}

const print = (title, map) => {
  console.log(`\n${title}`);
  const rows = [...map.entries()].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, ms] of rows) console.log(`${((ms / total) * 100).toFixed(1).padStart(6)}%  ${ms.toFixed(0).padStart(8)} ms  ${k}`);
};
console.log(`${file}: ${(total / 1000).toFixed(1)} s sampled`);
print('self time by package', selfPkg);
print('self time by function', self);
print('inclusive time by function', inclusive);
