/**
 * Differential test against Pacemaker 2.1.5's scheduler (Debian's pacemaker-cli-utils): random
 * CIBs from the generator, our Transition Summary against the real crm_simulate's. A ratchet
 * like the corpus: test/differential-baseline.json lists the seeds that still differ; any other
 * seed must agree, and a listed seed that agrees now must leave the list. More seeds:
 * scripts/pengine-soak.mjs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { systemTool } from '@heartbeat-ts/cluster-glue';
import { generateCib } from '../src/generate.js';
import { normalizeLine, simulate, transitionSummaryOf } from '../src/simulate.js';

export const DIFFERENTIAL_SIZES: [number, number, number][] = [
  [3, 10, 5],
  [4, 15, 8],
  [5, 20, 10],
];
const SEEDS = 30;

it(`agrees with Pacemaker's crm_simulate on ${SEEDS} generated CIBs, except the seeds listed as differing`, () => {
  // Pacemaker's, from the system directories: npm puts our own crm_simulate first on PATH.
  const crmSimulate = systemTool('crm_simulate');
  if (!crmSimulate) throw new Error("this test runs Pacemaker's crm_simulate: install the Debian package pacemaker-cli-utils");
  const dir = mkdtempSync(join(tmpdir(), 'hbts-diff-'));
  try {
    const differing: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const [nodes, resources, constraints] = DIFFERENTIAL_SIZES[seed % DIFFERENTIAL_SIZES.length]!;
      const xml = generateCib({ nodes, resources, constraints, seed });
      const file = join(dir, `seed-${seed}.xml`);
      writeFileSync(file, xml);
      if (!sameSummary(crmSimulate, xml, file, [])) differing.push(seed);
    }
    const baseline = JSON.parse(readFileSync(join(__dirname, 'differential-baseline.json'), 'utf8')) as { differing: number[] };
    expect(differing.filter((s) => !baseline.differing.includes(s)), 'seeds that agreed before and differ now').toEqual([]);
    expect(baseline.differing.filter((s) => !differing.includes(s)), 'seeds that agree now: remove them from test/differential-baseline.json').toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Whether Pacemaker's crm_simulate -S (with `args`) and ours (with `options`) print the same transition summary for the CIB in `file`. */
function sameSummary(crmSimulate: string, xml: string, file: string, args: string[], options?: Parameters<typeof simulate>[2]): boolean {
  const real = spawnSync(crmSimulate, ['-x', file, '-S', ...args], { encoding: 'utf8', timeout: 60_000 });
  const theirs = transitionSummaryOf(real.stdout).map(normalizeLine);
  const ours = simulate(xml, file, options).schedule.summary.map((e) => normalizeLine(`* ${e.text}`));
  return JSON.stringify(theirs) === JSON.stringify(ours);
}

const INJECTION_SEEDS = 30;

it(`agrees with Pacemaker's crm_simulate on ${INJECTION_SEEDS} generated CIBs with injected events (-u/-d/-f/-i), except the listed seeds`, () => {
  const crmSimulate = systemTool('crm_simulate');
  if (!crmSimulate) throw new Error("this test runs Pacemaker's crm_simulate: install the Debian package pacemaker-cli-utils");
  const dir = mkdtempSync(join(tmpdir(), 'hbts-diff-inj-'));
  try {
    const differing: number[] = [];
    for (let seed = 101; seed < 101 + INJECTION_SEEDS; seed++) {
      const [nodes, resources, constraints] = DIFFERENTIAL_SIZES[seed % DIFFERENTIAL_SIZES.length]!;
      const xml = generateCib({ nodes, resources, constraints, seed });
      const file = join(dir, `seed-${seed}.xml`);
      writeFileSync(file, xml);
      // Events chosen from what the CIB holds: a node that fails or leaves, a running resource whose monitor fails.
      const ws = simulate(xml, file).ws;
      const node = ws.nodes[seed % ws.nodes.length]!.name;
      const running = [...ws.byId.values()].filter((r) => r.kind === 'primitive' && r.active.size === 1 && !r.id.includes(':'));
      const victim = running[seed % Math.max(1, running.length)];
      const args: string[] = seed % 3 === 0 ? ['-f', node] : seed % 3 === 1 ? ['-d', node] : [];
      const injections: Parameters<typeof simulate>[2] = { injections: { ...(seed % 3 === 0 ? { nodeFail: [node] } : seed % 3 === 1 ? { nodeDown: [node] } : {}) } };
      if (victim) {
        const spec = `${victim.id}_monitor_10000@${[...victim.active.keys()][0]}=7`;
        args.push('-i', spec);
        injections!.injections!.opInject = [spec];
      }
      if (!sameSummary(crmSimulate, xml, file, args, injections)) differing.push(seed);
    }
    const baseline = JSON.parse(readFileSync(join(__dirname, 'differential-baseline.json'), 'utf8')) as { injectionsDiffering: number[] };
    expect(differing.filter((s) => !baseline.injectionsDiffering.includes(s)), 'seeds that agreed before and differ now').toEqual([]);
    expect(baseline.injectionsDiffering.filter((s) => !differing.includes(s)), 'seeds that agree now: remove them from test/differential-baseline.json').toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
