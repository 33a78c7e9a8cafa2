/** crm_ticket and iso8601 beside Pacemaker 2.1.5's on the same input (crm_ticket on copies of one CIB file, CIB_file). */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const captures = join(__dirname, '../../../../shared/reference/captures/pacemaker-3node');
const dist = join(__dirname, '../dist/src');
const dir = mkdtempSync(join(tmpdir(), 'hbts-ticket-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const times = (t: string) => t.replace(/\d{2}:\d{2}:\d{2}/g, 'HH:MM:SS').replace(/last-granted="\d+"/g, 'last-granted="T"');

describe('crm_ticket beside Pacemaker\'s', () => {
  const ours = join(dir, 'ours.xml');
  const theirs = join(dir, 'theirs.xml');
  copyFileSync(join(captures, 'cib-live.xml'), ours);
  copyFileSync(join(captures, 'cib-live.xml'), theirs);
  const run = (bin: string, file: string, args: string[]) => {
    const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, CIB_file: file } });
    if (r.error) throw new Error(`${bin} did not run (Pacemaker's: package pacemaker-cli-utils): ${r.error.message}`);
    return { out: times(r.stdout), err: times(r.stderr).replace(/^crm_ticket: /, ''), code: r.status };
  };
  const steps = [
    ['-t', 'tA', '--grant', '--force'], ['-t', 'tB', '--revoke', '--force'], ['-l'], ['-L'], ['-w'],
    ['-t', 'tA', '-G', 'granted'], ['-t', 'tA', '-S', 'owner', '-v', 'me'], ['-t', 'tA', '-G', 'owner'],
    ['-t', 'tA', '--standby'], ['-l'], ['-t', 'tA', '--grant'], ['-t', 'tA', '-D', 'owner'], ['-t', 'tA', '--activate'],
    ['-t', 'tB', '--cleanup'], ['-w'], ['-l'],
  ];
  it('the same output, exit codes and ticket states, step by step', () => {
    for (const args of steps) {
      const o = run(process.execPath, ours, [join(dist, 'crm-ticket.js'), ...args]);
      const t = run('/usr/sbin/crm_ticket', theirs, args);
      expect(o, `crm_ticket ${args.join(' ')}`).toEqual(t);
    }
    const state = (f: string) => times(/<tickets>[\s\S]*?<\/tickets>/.exec(readFileSync(f, 'utf8'))![0]);
    expect(state(ours)).toBe(state(theirs));
    // (Ours also answers in JSON and XML.)
    const j = JSON.parse(spawnSync(process.execPath, [join(dist, 'crm-ticket.js'), '-l', '--output-as', 'json'], { encoding: 'utf8', env: { ...process.env, CIB_file: ours } }).stdout);
    expect(j.tickets).toEqual([expect.objectContaining({ id: 'tA', status: 'granted', standby: false })]);
  });
});

describe('iso8601 beside Pacemaker\'s', () => {
  const cases = [
    ['-d', '2026-11-27T10:00:00Z', '-D', 'P1Y2M3DT4H5M6S'], ['-d', '2026-01-31T00:00:00Z', '-D', 'P1M'], ['-d', '2024-02-29T12:00:00Z', '-D', 'P1Y'],
    ['-D', 'PT90M', '-d', '2026-11-27T10:00:00Z'], ['-d', '2026-11-27 10:00:00 +02:00'], ['-d', '2026-331'], ['-d', '2026-W48-5'], ['-d', '2021-W01-1'],
    ['-d', '2026-11-27T10:00:00Z', '--seconds'], ['-d', '2026-11-27T10:00:00Z', '--epoch'], ['-d', '2026-11-27T10:00:00Z', '--week'], ['-d', '2027-01-01T10:00:00Z', '--week'],
    ['-d', '2026-11-27T10:00:00Z', '--ordinal'], ['-D', 'P2W', '-d', '2026-11-27T10:00:00Z'], ['-D', 'PT45S'], ['-D', 'P3D'],
    ['-p', '2026-01-01T00:00:00Z/P1M'], ['-p', '2026-01-01T00:00:00Z/2026-03-01T00:00:00Z'],
  ];
  it('parses and prints dates, durations and periods alike', () => {
    for (const args of cases) {
      const o = spawnSync(process.execPath, [join(dist, 'iso8601.js'), ...args], { encoding: 'utf8' });
      const t = spawnSync('/usr/sbin/iso8601', args, { encoding: 'utf8' });
      expect([o.status, o.stdout], `iso8601 ${args.join(' ')}`).toEqual([t.status, t.stdout]);
    }
  });

  it('a bad date: exit 2 and Pacemaker\'s message; -E compares the date computed', () => {
    const bad = spawnSync(process.execPath, [join(dist, 'iso8601.js'), '-d', 'bogus'], { encoding: 'utf8' });
    expect([bad.status, bad.stderr]).toEqual([2, 'iso8601: Invalid date/time specified: bogus\n']);
    const ok = spawnSync(process.execPath, [join(dist, 'iso8601.js'), '-d', '2026-11-27T10:00:00Z', '-D', 'PT1H', '-E', '2026-11-27T11:00:00Z']);
    expect(ok.status).toBe(0);
    const off = spawnSync(process.execPath, [join(dist, 'iso8601.js'), '-d', '2026-11-27T10:00:00Z', '-E', '2026-11-27T11:00:00Z']);
    expect(off.status).toBe(1);
  });
});

describe('crm_attribute --output-as beside Pacemaker\'s', () => {
  it('the same XML for cluster options and node attributes; JSON the same data', () => {
    const [a, b] = [join(dir, 'attr-a.xml'), join(dir, 'attr-b.xml')];
    copyFileSync(join(captures, 'cib-live.xml'), a);
    copyFileSync(join(captures, 'cib-live.xml'), b);
    const run = (file: string, bin: string[], args: string[]) => spawnSync(bin[0]!, [...bin.slice(1), ...args], { encoding: 'utf8', env: { ...process.env, CIB_file: file } });
    const mine = [process.execPath, join(dist, 'crm-attribute.js')];
    for (const args of [['-N', 'n1', '-n', 'site', '-v', 'a'], ['-n', 'stonith-enabled', '-G', '--output-as', 'xml'], ['-N', 'n1', '-n', 'site', '-G', '--output-as', 'xml'], ['-n', 'nope', '-G']]) {
      const o = run(a, mine, args);
      const t = run(b, ['/usr/sbin/crm_attribute'], args);
      expect([o.status, o.stdout.replace(/ request="[^"]*"/, '')], args.join(' ')).toEqual([t.status, t.stdout.replace(/ request="[^"]*"/, '')]);
    }
    const j = JSON.parse(run(a, mine, ['-N', 'n1', '-n', 'site', '-G', '--output-as', 'json']).stdout);
    expect(j.attribute).toEqual({ name: 'site', value: 'a', scope: 'nodes', node: 'n1' });
  });
});
