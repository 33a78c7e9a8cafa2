/**
 * Scheduler benchmarks: our crm_simulate beside Pacemaker 2.1.5's (Debian's
 * pacemaker-cli-utils), each as a process on the same generated CIB — wall time, peak RSS,
 * and whether the Transition Summaries are identical — at (3 nodes, 10 resources),
 * (16, 500 with 200 constraints), (16, 1000), (32, 2000 with 800 constraints); then the whole
 * 799-case corpus: ours in one process against Pacemaker's 799 processes.
 * Pacemaker's runs stop after 10 minutes (reported as not finished).
 * HBTS_BENCH_QUICK=1: Pacemaker's only at the smallest size, ours at the two small ones, and no
 * corpus run of Pacemaker's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report, systemTool } from '@heartbeat-ts/cluster-glue';
import { generateCib } from '../src/generate.js';
import { normalizeLine, simulate, transitionSummaryOf } from '../src/simulate.js';

const quick = process.env.HBTS_BENCH_QUICK === '1';
const ours = fileURLToPath(new URL('../src/crm-simulate.js', import.meta.url));
// Pacemaker's, from the system directories: npm puts our own crm_simulate first on PATH.
const realSimulate = systemTool('crm_simulate');
const haveReal = realSimulate !== undefined;

interface Run {
  ms: number;
  peakMiB: number;
  out: string;
  timedOut: boolean;
}

/** Runs a command, sampling its peak RSS (VmHWM) while it runs. */
function measure(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    let peak = 0;
    let timedOut = false;
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const sample = () => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    };
    const timer = setInterval(sample, 10);
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', () => {
      clearInterval(timer);
      clearTimeout(killer);
      resolve({ ms: performance.now() - t0, peakMiB: peak, out, timedOut });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'hbts-pe-bench-'));
try {
  const sizes = [
    { nodes: 3, resources: 10, constraints: 5 },
    { nodes: 16, resources: 500, constraints: 200 },
    ...(quick ? [] : [{ nodes: 16, resources: 1000, constraints: 0 }, { nodes: 32, resources: 2000, constraints: 800 }]),
  ];
  for (const size of sizes) {
    const file = join(dir, `cib-${size.nodes}-${size.resources}.xml`);
    writeFileSync(file, generateCib({ ...size, seed: size.resources }));
    const label = `${size.nodes} nodes, ${size.resources} resources, ${size.constraints} constraints`;
    const mine = await measure(process.execPath, [ours, '-x', file, '-S'], 600_000);
    const theirs = haveReal && (!quick || size.resources <= 10) ? await measure(realSimulate!, ['-x', file, '-S'], 600_000) : undefined;
    const same =
      theirs && !theirs.timedOut
        ? JSON.stringify(transitionSummaryOf(mine.out).map(normalizeLine)) === JSON.stringify(transitionSummaryOf(theirs.out).map(normalizeLine))
        : undefined;
    const verdict = same === undefined ? '' : same ? '; identical Transition Summaries' : '; Transition Summaries differ';
    report({ bench: 'scheduler', case: `crm_simulate -S: ${label} (wall)`, value: mine.ms, unit: 'ms', ...(theirs && !theirs.timedOut ? { baseline: theirs.ms, baselineName: 'crm_simulate 2.1.5', ratio: theirs.ms / mine.ms } : {}), note: `a process each, Node start-up included${theirs?.timedOut ? '; crm_simulate 2.1.5 did not finish within 10 min' : ''}${verdict}` });
    report({ bench: 'scheduler', case: `crm_simulate -S: ${label} (peak RSS)`, value: mine.peakMiB, unit: 'MiB', ...(theirs && !theirs.timedOut ? { baseline: theirs.peakMiB, baselineName: 'crm_simulate 2.1.5', ratio: theirs.peakMiB / mine.peakMiB } : {}) });
  }

  // The whole corpus.
  const corpus = fileURLToPath(new URL('../../../../../shared/pacemaker-scheduler/xml/', import.meta.url));
  const files = readdirSync(corpus).filter((f) => f.endsWith('.xml'));
  const t0 = performance.now();
  for (const f of files) simulate(readFileSync(join(corpus, f), 'utf8'), f);
  const oursMs = performance.now() - t0;
  let theirsMs: number | undefined;
  if (haveReal && !quick) {
    const t1 = performance.now();
    for (const f of files) spawnSync(realSimulate!, ['-x', join(corpus, f), '-S', '-Q'], { stdio: 'ignore' });
    theirsMs = performance.now() - t1;
  }
  report({ bench: 'scheduler', case: `the ${files.length}-case corpus`, value: oursMs, unit: 'ms', ...(theirsMs !== undefined ? { baseline: theirsMs, baselineName: 'crm_simulate 2.1.5', ratio: theirsMs / oursMs } : {}), note: `ours in one process; Pacemaker's as ${files.length} processes (how its suite runs it)` });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
