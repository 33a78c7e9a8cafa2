#!/usr/bin/env node
// Differential soak: many generated CIBs through our scheduler and Pacemaker's crm_simulate.
// node scripts/pengine-soak.mjs [SEEDS=200] [FIRST=1] — prints the agreement rate and the seeds that differ.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCib, normalizeLine, simulate, transitionSummaryOf } from '../packages/pengine/dist/src/index.js';

const count = Number(process.argv[2] ?? 200);
const first = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'hbts-soak-'));
const differ = [];
for (let seed = first; seed < first + count; seed++) {
  const nodes = 3 + (seed % 6);
  const xml = generateCib({ nodes, resources: 10 + (seed % 5) * 10, constraints: 5 + (seed % 4) * 5, seed });
  const file = join(dir, 'cib.xml');
  writeFileSync(file, xml);
  const theirs = transitionSummaryOf(spawnSync('/usr/sbin/crm_simulate', ['-x', file, '-S'], { encoding: 'utf8' }).stdout).map(normalizeLine);
  const ours = simulate(xml).schedule.summary.map((e) => normalizeLine(`* ${e.text}`));
  if (JSON.stringify(theirs) !== JSON.stringify(ours)) differ.push(seed);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${count - differ.length} of ${count} generated CIBs agree with crm_simulate; differing seeds: ${differ.join(' ') || 'none'}`);
