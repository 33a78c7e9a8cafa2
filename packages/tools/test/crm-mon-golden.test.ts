/**
 * crm_mon's text beside Pacemaker 2.1.5's own crm_mon, run on the same CIB: every scheduler
 * fifth corpus state (../shared/pacemaker-scheduler/xml, with status sections) through both, for the
 * option sets operators use — the default, -r, -n -r, -s, and -r -f -A -o -L -c. Pacemaker reads
 * the file through CIB_file (no cluster needed). Compared whole, but for the "Last updated" time
 * and the stack's name. A ratchet: test/crm-mon-baseline.json lists, per option set, the cases
 * that match; none may drop out, and a case that starts matching must be added
 * (HBTS_UPDATE_BASELINE=1 rewrites the file).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { buildWorkingSet } from '@heartbeat-ts/pengine';
import { monitorText } from '../src/cluster-status.js';
import { type MonitorArgs, parseMonitorArgs } from '../src/crm-mon-options.js';
import { simpleStatus } from '../src/crm-mon-sections.js';

const run = promisify(execFile);
const corpus = join(__dirname, '../../../../shared/pacemaker-scheduler/xml');
const baselineFile = join(__dirname, 'crm-mon-baseline.json');
const OPTION_SETS = ['-1', '-1 -r', '-1 -n -r', '-s', '-1 -r -f -A -o -L -c'];

/** Ours, as crm_mon prints it for that CIB file. */
function ours(path: string, flags: string[]): string {
  const cib = Cib.parse(readFileSync(path, 'utf8'), path);
  const dcId = cib.root.attrs['dc-uuid'];
  const dc = dcId ? cib.nodes.find((n) => n.id === dcId)?.uname ?? null : null;
  const args = parseMonitorArgs([...flags, '-x', path]) as MonitorArgs;
  if (args.simple) return `${simpleStatus(buildWorkingSet(cib), dc).line}\n`;
  return monitorText({ cib, dc, now: new Date(), version: cib.property('dc-version') ?? 'unknown', view: args.view });
}

/** Pacemaker's (exit status aside: -s exits 1 on a warning). */
async function theirs(path: string, flags: string[]): Promise<string> {
  try {
    return (await run('/usr/sbin/crm_mon', flags, { env: { ...process.env, CIB_file: path }, encoding: 'utf8' })).stdout;
  } catch (e) {
    const out = (e as { stdout?: string }).stdout;
    if (out) return out;
    throw new Error(`Pacemaker's crm_mon (package pacemaker-cli-utils) did not run on ${path}: ${(e as Error).message}`);
  }
}

const normal = (t: string) => t.replace(/^ {2}\* Last updated: .*$/m, '').replace(/Stack: \S+/, 'Stack: -');

it('prints what Pacemaker 2.1.5 prints for the scheduler corpus, option set by option set (ratchet)', async () => {
  // (Every fifth case: Pacemaker's crm_mon costs ~50 ms a run; 160 cases × 5 option sets.)
  const cases = readdirSync(corpus).filter((f) => f.endsWith('.xml')).sort().filter((_, i) => i % 5 === 0);
  const matching: Record<string, string[]> = {};
  for (const set of OPTION_SETS) {
    const flags = set.split(' ');
    const same: string[] = [];
    // (Pacemaker's crm_mon runs four at a time.)
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const outs = await Promise.all(batch.map((c) => theirs(join(corpus, c), flags)));
      batch.forEach((c, k) => {
        let mine: string;
        try {
          mine = ours(join(corpus, c), flags);
        } catch (e) {
          mine = `error: ${(e as Error).message}`;
        }
        if (normal(mine) === normal(outs[k]!)) same.push(c.replace(/\.xml$/, ''));
      });
    }
    matching[set] = same;
  }
  if (process.env.HBTS_UPDATE_BASELINE === '1') {
    writeFileSync(baselineFile, `${JSON.stringify({ about: "Scheduler corpus cases whose crm_mon text equals Pacemaker 2.1.5's crm_mon for the same CIB, per option set (see crm-mon-golden.test.ts). A ratchet.", total: cases.length, counts: Object.fromEntries(Object.entries(matching).map(([k, v]) => [k, v.length])), matching }, null, 1)}\n`);
  }
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as { matching: Record<string, string[]> };
  for (const set of OPTION_SETS) {
    const now = new Set(matching[set]);
    const before = new Set(baseline.matching[set] ?? []);
    expect([...before].filter((c) => !now.has(c)), `crm_mon ${set}: matched Pacemaker before and no longer does`).toEqual([]);
    expect([...now].filter((c) => !before.has(c)), `crm_mon ${set}: matches now: update test/crm-mon-baseline.json (HBTS_UPDATE_BASELINE=1)`).toEqual([]);
  }
}, 300_000);
