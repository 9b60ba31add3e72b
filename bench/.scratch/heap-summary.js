const p = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const self = new Map(), pkg = new Map(); let total = 0;
const walk = (n, stack) => {
  const f = n.callFrame; const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*dist\//, 'dist/')}:${f.lineNumber + 1}`;
  const size = n.selfSize; total += size;
  self.set(key, (self.get(key) || 0) + size);
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url); const pk = m ? m[1] : f.url.includes('/dist/src/') ? 'gateway' : f.url || '(native)';
  pkg.set(pk, (pkg.get(pk) || 0) + size);
  for (const c of n.children) walk(c);
};
walk(p.head);
const print = (t, m, n) => { console.log('\n' + t); [...m].sort((a, b) => b[1] - a[1]).slice(0, n).forEach(([k, v]) => console.log(((v / total) * 100).toFixed(1).padStart(6) + '%', k)); };
print('by package', pkg, 15); print('by function', self, 35);
