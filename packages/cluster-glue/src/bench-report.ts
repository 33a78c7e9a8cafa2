/**
 * What every benchmark prints: one JSON line per figure on stdout, which `npm run bench`
 * gathers into a table. A figure may carry the baseline measured in the same run (an
 * anchor such as Pacemaker's crm_simulate, or a raw node:net socket) and their ratio.
 */
import { readFileSync } from 'node:fs';

export interface BenchFigure {
  bench: string;
  case: string;
  value: number;
  unit: string;
  /** Same measurement on the baseline, in the same run. */
  baseline?: number;
  baselineName?: string;
  /** ours / baseline, or baseline / ours when `higherIsBetter`; > 1 means we are better when `ratioMeaning` says so. */
  ratio?: number;
  note?: string;
}

export function report(f: BenchFigure): void {
  process.stdout.write(`${JSON.stringify({ hbtsBench: 1, ...f })}\n`);
}

/** p-th percentile (0..100) of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Resident set size of a process in MiB (Linux /proc). */
export async function rssMiB(pid: number): Promise<number> {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}
