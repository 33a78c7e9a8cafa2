/**
 * Pacemaker's 799 scheduler regression cases: our Transition Summary against Pacemaker
 * 2.1.5's, white space ignored as its suite does. A ratchet: test/corpus-baseline.json lists
 * the cases that do not match yet, each with its reason; a listed case that now matches, or an
 * unlisted one that stops matching, fails the test. HBTS_UPDATE_BASELINE=1 rewrites the file.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseXml } from '@heartbeat-ts/cluster-glue';
import { graphShape, graphXml, transitionGraph } from '../src/graph.js';
import { normalizeLine, sectionOf, simulate, transitionSummaryOf } from '../src/simulate.js';
import { runTransition } from '../src/execute.js';
import { clusterStatusText, revisedStatusText } from '../src/status.js';
import { buildWorkingSet } from '../src/working-set.js';
import { Cib } from '@heartbeat-ts/cib';

const dir = join(__dirname, '../../../../shared/pacemaker-scheduler');
const baselineFile = join(__dirname, 'corpus-baseline.json');

function runCase(name: string): { ok: boolean; reason?: string } {
  const want = transitionSummaryOf(readFileSync(join(dir, 'summary', `${name}.summary`), 'utf8')).map(normalizeLine);
  const sim = simulate(readFileSync(join(dir, 'xml', `${name}.xml`), 'utf8'), `${name}.xml`);
  const got = sim.schedule.summary.map((e) => normalizeLine(`* ${e.text}`));
  if (JSON.stringify(got) === JSON.stringify(want)) return { ok: true };
  if (sim.schedule.unsupported.length) return { ok: false, reason: `not decided yet: ${sim.schedule.unsupported.join(', ')}` };
  const i = want.findIndex((w, k) => got[k] !== w);
  const at = i < 0 ? got.length - 1 : i;
  return { ok: false, reason: `differs at line ${at + 1}: expected "${want[at] ?? '(nothing)'}", got "${got[at] ?? '(nothing)'}"` };
}

describe('the scheduler corpus (Transition Summary)', () => {
  it('matches Pacemaker on every case not listed in the baseline, and the baseline is exact', () => {
    const cases = readdirSync(join(dir, 'xml')).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
    expect(cases.length).toBe(799);
    const failing: Record<string, string> = {};
    for (const c of cases) {
      let r: { ok: boolean; reason?: string };
      try {
        r = runCase(c);
      } catch (e) {
        throw new Error(`${c}: the scheduler threw: ${(e as Error).stack}`);
      }
      if (!r.ok) failing[c] = r.reason!;
    }
    const passing = cases.length - Object.keys(failing).length;
    if (process.env.HBTS_UPDATE_BASELINE === '1') {
      writeFileSync(baselineFile, `${JSON.stringify({ passing, total: cases.length, failing }, null, 1)}\n`);
    }
    const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as { passing: number; failing: Record<string, string> };
    const regressions = Object.keys(failing).filter((c) => !(c in baseline.failing));
    const fixed = Object.keys(baseline.failing).filter((c) => !(c in failing));
    expect(regressions, 'cases that matched before and no longer do').toEqual([]);
    expect(fixed, 'cases that match now: remove them from test/corpus-baseline.json (HBTS_UPDATE_BASELINE=1)').toEqual([]);
    expect(passing).toBeGreaterThanOrEqual(baseline.passing);
  });
});

const graphBaselineFile = join(__dirname, 'graph-baseline.json');

describe('the scheduler corpus (transition graph)', () => {
  it('builds the same graph as Pacemaker (actions and their orderings, whatever the numbering) on every case listed in the baseline', () => {
    const cases = readdirSync(join(dir, 'xml')).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
    const identical: string[] = [];
    for (const c of cases) {
      const sim = simulate(readFileSync(join(dir, 'xml', `${c}.xml`), 'utf8'), `${c}.xml`);
      if (sim.schedule.unsupported.length) continue;
      const ours = graphShape(parseXml(graphXml(transitionGraph(sim.ws, sim.schedule.fenced))));
      const want = graphShape(parseXml(readFileSync(join(dir, 'exp', `${c}.exp`), 'utf8')));
      const same = (a: Set<string>, b: Set<string>) => a.size === b.size && [...a].every((x) => b.has(x));
      if (same(ours.actions, want.actions) && same(ours.edges, want.edges)) identical.push(c);
    }
    if (process.env.HBTS_UPDATE_BASELINE === '1') {
      writeFileSync(graphBaselineFile, `${JSON.stringify({ about: 'Corpus cases whose transition graph (actions as KEY@NODE, orderings between them) equals Pacemaker 2.1.5\'s exp file. A ratchet: none may drop out; HBTS_UPDATE_BASELINE=1 rewrites it.', count: identical.length, identical }, null, 1)}\n`);
    }
    const baseline = JSON.parse(readFileSync(graphBaselineFile, 'utf8')) as { identical: string[] };
    expect(baseline.identical.filter((c) => !identical.includes(c)), 'cases whose graph matched before and no longer does').toEqual([]);
    expect(identical.filter((c) => !baseline.identical.includes(c)), 'cases whose graph matches now: add them to test/graph-baseline.json (HBTS_UPDATE_BASELINE=1)').toEqual([]);
  });
});

const statusBaselineFile = join(__dirname, 'status-baseline.json');

describe('the scheduler corpus (status sections and the executed transition)', () => {
  it('prints "Current cluster status", "Executing Cluster Transition" and "Revised Cluster Status" as Pacemaker does on every case listed in the baseline', () => {
    const cases = readdirSync(join(dir, 'xml')).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
    const norm = (lines: string[]) => lines.map(normalizeLine).filter(Boolean);
    const current: string[] = [];
    const revised: string[] = [];
    // The executed actions: the same ones as Pacemaker's (in any order), and in the same order.
    const executedSame: string[] = [];
    const executedInOrder: string[] = [];
    for (const c of cases) {
      const xml = readFileSync(join(dir, 'xml', `${c}.xml`), 'utf8');
      const want = readFileSync(join(dir, 'summary', `${c}.summary`), 'utf8');
      const before = clusterStatusText(buildWorkingSet(Cib.parse(xml, `${c}.xml`))).split('\n');
      if (JSON.stringify(norm(before)) === JSON.stringify(norm(sectionOf(want, 'Current cluster status')))) current.push(c);
      const run = runTransition(simulate(xml, `${c}.xml`));
      const executed = norm(run.execution.lines.map((l) => `* ${l}`));
      const wantExecuted = norm(sectionOf(want, 'Executing Cluster Transition'));
      if (JSON.stringify([...executed].sort()) === JSON.stringify([...wantExecuted].sort())) executedSame.push(c);
      if (JSON.stringify(executed) === JSON.stringify(wantExecuted)) executedInOrder.push(c);
      const after = revisedStatusText(run.ws).split('\n');
      const wantAfter = sectionOf(want, 'Revised Cluster Status');
      if (wantAfter.length && JSON.stringify(norm(after)) === JSON.stringify(norm(wantAfter))) revised.push(c);
    }
    const now = { current, revised, executedSame, executedInOrder };
    if (process.env.HBTS_UPDATE_BASELINE === '1') {
      const counts = Object.fromEntries(Object.entries(now).map(([k, v]) => [`${k}Count`, v.length]));
      writeFileSync(statusBaselineFile, `${JSON.stringify({ about: "Corpus cases whose status sections and executed actions, as crm_simulate -S prints them, equal Pacemaker 2.1.5's (white space ignored; executedSame: the same actions in any order). A ratchet: none may drop out; HBTS_UPDATE_BASELINE=1 rewrites it.", ...counts, ...now }, null, 1)}\n`);
    }
    const baseline = JSON.parse(readFileSync(statusBaselineFile, 'utf8')) as Record<keyof typeof now, string[]>;
    for (const k of Object.keys(now) as (keyof typeof now)[]) {
      expect(baseline[k].filter((c) => !now[k].includes(c)), `${k}: matched before and no longer does`).toEqual([]);
      expect(now[k].filter((c) => !baseline[k].includes(c)), `${k}: matches now: update test/status-baseline.json (HBTS_UPDATE_BASELINE=1)`).toEqual([]);
    }
  });
});
