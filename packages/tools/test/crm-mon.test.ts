/** crm_mon's text against what Pacemaker 2.1.5's crm_mon printed for the same live CIB (../shared/reference/captures/pacemaker-3node). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { ctime, monitorText } from '../src/cluster-status.js';

const captures = join(__dirname, '../../../../shared/reference/captures/pacemaker-3node');

describe('crm_mon text', () => {
  it('prints the summary, nodes and resources as Pacemaker does for the same CIB', () => {
    const cib = Cib.parse(readFileSync(join(captures, 'cib-live.xml'), 'utf8'), 'cib-live.xml');
    const ours = monitorText({ cib, dc: 'n1', now: new Date('2026-11-26T16:25:30Z'), version: '2.1.5-a3f44794f94' }).split('\n');
    const theirs = readFileSync(join(captures, 'crm_mon.txt'), 'utf8').split('\n');
    // Pacemaker's from "Cluster Summary:" to the end of its resources (its -r/-f/-A extras aside).
    const start = theirs.indexOf('Cluster Summary:');
    const end = theirs.indexOf('Migration Summary:');
    const want = theirs.slice(start, end).filter((l) => l.trim());
    const got = ours.filter((l) => l.trim());
    // (Our stack is heartbeat, theirs corosync.)
    expect(got.map((l) => l.replace('Stack: heartbeat', 'Stack: corosync'))).toEqual(want);
  });

  it('formats times as Pacemaker does', () => {
    expect(ctime(new Date('2026-11-06T06:05:04Z'))).toBe('Fri Nov  6 06:05:04 2026');
  });
});
