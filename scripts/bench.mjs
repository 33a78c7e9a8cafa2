// npm run bench [DIR...]: runs every built benchmark (dist/bench/*.bench.js of each package,
// or of the packages given) in its own process, and prints their figures as one table.
// Each benchmark prints JSON lines {hbtsBench:1, bench, case, value, unit, baseline?, ratio?}.
// HBTS_BENCH_QUICK=1 shortens the runs (for a smoke test of the benchmarks themselves).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkgDirs = process.argv.length > 2
  ? process.argv.slice(2).map((d) => join(root, d))
  : [...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)), join(root, 'test-harness')];

const files = pkgDirs.flatMap((d) => {
  const b = join(d, 'dist/bench');
  return existsSync(b) ? readdirSync(b).filter((f) => f.endsWith('.bench.js')).sort().map((f) => join(b, f)) : [];
});
if (files.length === 0) {
  console.error('no benchmarks found (did the build run?)');
  process.exit(1);
}

const rows = [];
let failed = 0;
for (const f of files) {
  process.stderr.write(`running ${relative(root, f)} ...\n`);
  const r = spawnSync(process.execPath, [f], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line);
      if (o.hbtsBench) rows.push(o);
    } catch { /* not a figure */ }
  }
  if (r.status !== 0) {
    failed++;
    console.error(`benchmark ${relative(root, f)} failed (exit ${r.status})`);
  }
}

const fmt = (v) => (v === undefined ? '' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2));
const table = [['bench', 'case', 'ours', 'unit', 'baseline', 'baseline is', 'ratio']].concat(
  rows.map((r) => [r.bench, r.case, fmt(r.value), r.unit, fmt(r.baseline), r.baselineName ?? '', r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`]),
);
const widths = table[0].map((_, i) => Math.max(...table.map((row) => String(row[i]).length)));
for (const [i, row] of table.entries()) {
  console.log(row.map((c, j) => (j >= 2 && j !== 3 && j !== 5 ? String(c).padStart(widths[j]) : String(c).padEnd(widths[j]))).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
const notes = rows.filter((r) => r.note);
if (notes.length) {
  console.log('\nnotes:');
  for (const r of notes) console.log(`  ${r.bench} / ${r.case}: ${r.note}`);
}
mkdirSync(join(root, '.bench-out'), { recursive: true });
writeFileSync(join(root, '.bench-out/results.json'), JSON.stringify(rows, null, 2));
console.log(`\n${rows.length} figures from ${files.length} benchmark(s); saved to .bench-out/results.json`);
process.exit(failed ? 1 : 0);
