'use strict';
// Result entries, the table, and results.json.

const { round } = require('./common');

/** An entry from interleaved rounds: the medians, with min and max, and the verdict on the median ratio. */
function entry({ name, database, description, unit, floorUnit, r, target, extra = {}, pass }) {
  const ratio = r.ratios.median;
  const meets = target.op === '>=' ? ratio >= target.value : ratio <= target.value;
  return {
    name,
    database,
    description,
    unit,
    floorUnit: floorUnit ?? unit,
    value: round(r.values.median),
    floor: round(r.floors.median),
    ratio: round(ratio, 4),
    target: `${target.op} ${target.value}`,
    pass: pass === undefined ? meets : pass && meets,
    min: { value: round(r.values.min), floor: round(r.floors.min), ratio: round(r.ratios.min, 4) },
    max: { value: round(r.values.max), floor: round(r.floors.max), ratio: round(r.ratios.max, 4) },
    rounds: { value: r.values.rounds, floor: r.floors.rounds, ratio: r.ratios.rounds },
    ...extra,
  };
}

function table(entries) {
  const rows = [['scenario', 'db', 'value', 'floor', 'ratio (min-max)', 'target', 'pass', 'notes']];
  for (const e of entries) {
    const ratio = e.min ? `${fmt(e.ratio)} (${fmt(e.min.ratio)}-${fmt(e.max.ratio)})` : fmt(e.ratio);
    rows.push([
      e.name,
      e.database,
      `${fmt(e.value)} ${e.unit}`,
      `${fmt(e.floor)} ${e.floorUnit ?? e.unit}`,
      ratio,
      e.target,
      e.pass ? 'yes' : 'NO',
      e.note ?? '',
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const line = (r) => `| ${r.map((cell, c) => String(cell).padEnd(widths[c])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

function fmt(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  if (Math.abs(x) >= 100) return x.toFixed(1);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

module.exports = { entry, table, fmt };
