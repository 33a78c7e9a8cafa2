/** crm_simulate's text: the Transition Summary section as Pacemaker prints it. Pure. */
import { Cib } from '@heartbeat-ts/cib/client';
import { inject, type Injections } from './inject.js';
import { schedule, type Schedule } from './schedule.js';
import { buildWorkingSet, type WorkingSet } from './working-set.js';

export interface Simulation {
  ws: WorkingSet;
  schedule: Schedule;
}

export function simulate(cibXml: string, file?: string, opts: { now?: number; injections?: Injections } = {}): Simulation {
  return simulateCib(Cib.parse(cibXml, file), opts);
}

/** Simulates a parsed CIB: applies the injections to it (it is changed), then schedules. */
export function simulateCib(cib: Cib, opts: { now?: number; injections?: Injections } = {}): Simulation {
  if (opts.injections) inject(cib.root, opts.injections);
  const ws = buildWorkingSet(cib, opts);
  return { ws, schedule: schedule(ws) };
}

/** A section of a crm_simulate output (or expected summary file) by its heading, up to the next heading. */
export function sectionOf(text: string, heading: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `${heading}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (/^\S/.test(l)) break;
    out.push(l);
  }
  while (out.length && !out[out.length - 1]!.trim()) out.pop();
  return out;
}

export function transitionSummaryText(s: Schedule): string {
  return `Transition Summary:\n${s.summary.map((e) => `  * ${e.text}\n`).join('')}`;
}

/** The Transition Summary lines of a crm_simulate output (or expected summary file). */
export function transitionSummaryOf(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Transition Summary:'));
  if (start < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (/^\S/.test(l)) break;
    if (l.trim()) out.push(l);
  }
  return out;
}

/** Compared as Pacemaker's suite does: white space ignored. */
export const normalizeLine = (l: string): string => l.replace(/\s+/g, '');
