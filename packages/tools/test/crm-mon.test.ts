/** crm_mon's text and XML against what Pacemaker 2.1.5's crm_mon printed for the same live CIB (../shared/reference/captures/pacemaker-3node). */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { serializeXml } from '@heartbeat-ts/cluster-glue';
import { ctime, monitorText } from '../src/cluster-status.js';
import { monitorXml } from '../src/crm-mon-xml.js';
import { parseMonitorArgs, type MonitorArgs } from '../src/crm-mon-options.js';

const viewOf = (...argv: string[]) => (parseMonitorArgs(argv) as MonitorArgs).view;

const captures = join(__dirname, '../../../../shared/reference/captures/pacemaker-3node');

describe('crm_mon text', () => {
  it('prints what Pacemaker printed for the same CIB (crm_mon -1 -r -f -A -m 3), line for line', () => {
    const cib = Cib.parse(readFileSync(join(captures, 'cib-live.xml'), 'utf8'), 'cib-live.xml');
    // (The fencing event the capture's cluster went through, as our fencer records it.)
    const fencing = { events: [{ target: 'n2', action: 'reboot', status: 'success' as const, origin: 'pacemaker-controld.2132@n1', delegate: 'n1', completed: Date.parse('2026-11-26T16:25:05Z'), ms: 2000 }] };
    const ours = monitorText({ cib, dc: 'n1', now: new Date('2026-11-26T16:25:30Z'), version: '2.1.5-a3f44794f94', fencing, view: viewOf('-1', '-r', '-f', '-A', '-m', '3') });
    const theirs = readFileSync(join(captures, 'crm_mon.txt'), 'utf8')
      // (Not ours to show: pacemakerd's state; our stack is heartbeat, theirs corosync.)
      .replace(/^Status of pacemakerd: [^\n]*\n/, '')
      .replace('Stack: corosync', 'Stack: heartbeat');
    expect(ours).toBe(theirs);
  });

  it('formats times as Pacemaker does', () => {
    expect(ctime(new Date('2026-11-06T06:05:04Z'))).toBe('Fri Nov  6 06:05:04 2026');
  });
});

describe('crm_mon --output-as xml', () => {
  const cib = () => Cib.parse(readFileSync(join(captures, 'cib-live.xml'), 'utf8'), 'cib-live.xml');
  // (The fencing event the capture's cluster went through, as our fencer records it.)
  const fencing = { events: [{ target: 'n2', action: 'reboot', status: 'success' as const, origin: 'pacemaker-controld.2132@n1', delegate: 'n1', completed: Date.parse('2026-11-26T16:25:05Z'), ms: 2000 }] };
  const ours = (c: Cib) => serializeXml(monitorXml({ cib: c, dc: 'n1', now: new Date('2026-11-26T16:25:30Z'), version: '2.1.5-a3f44794f94', request: 'crm_mon -1 -m 3 --output-as xml', fencing, view: viewOf('-1', '-m', '3', '--output-as', 'xml') }));

  it('is what Pacemaker printed for the same CIB, line for line', () => {
    const theirs = readFileSync(join(captures, 'crm_mon.xml'), 'utf8')
      // (Not ours to show: pacemakerd's state.)
      .replace(/ {2}<pacemakerd [^\n]*\n/, '')
      .replace('<stack type="corosync"/>', '<stack type="heartbeat"/>');
    expect(ours(cib())).toBe(theirs);
  });

  it("validates against Pacemaker's own schema (api-result 2.25), failures included", () => {
    const rng = '/usr/share/pacemaker/api/api-result-2.25.rng';
    if (!existsSync(rng) || spawnSync('xmllint', ['--version']).error) throw new Error(`this test validates with xmllint against ${rng}: install libxml2-utils and pacemaker-cli-utils (pacemaker-common)`);
    // A failed monitor in the history, a stopped resource and a disabled one.
    const c = cib();
    const text = serializeXml(c.root)
      .replace(/(<lrm_resource id="web-apache"[^>]*>)/, '$1<lrm_rsc_op id="web-apache_last_failure_0" operation_key="web-apache_monitor_10000" operation="monitor" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="9:3:0:x" transition-magic="0:7;9:3:0:x" exit-reason="apache is not running" on_node="n2" call-id="25" rc-code="7" op-status="0" interval="10000" last-rc-change="1795710000" exec-time="12" queue-time="0" op-digest="x"/>')
      .replace('</resources>', '<primitive id="extra" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="extra-m"><nvpair id="extra-tr" name="target-role" value="Stopped"/></meta_attributes></primitive></resources>');
    const xml = ours(Cib.parse(text, 'modified'));
    expect(xml).toContain('<failure op_key="web-apache_monitor_10000" node="n2" exitstatus="not running" exitreason="apache is not running" exitcode="7" call="25" status="complete" last-rc-change="2026-11-26 16:20:00Z" queued="0" exec="12" interval="10000" task="monitor"/>');
    expect(xml).toContain('<resource id="extra" resource_agent="ocf:heartbeat:Dummy" role="Stopped" target_role="Stopped" active="false"');
    const dir = mkdtempSync(join(tmpdir(), 'hbts-crm-mon-'));
    try {
      writeFileSync(join(dir, 'out.xml'), xml);
      const r = spawnSync('xmllint', ['--noout', '--relaxng', rng, join(dir, 'out.xml')], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('crm_mon, the command (on a CIB file: -x)', () => {
  const bin = join(__dirname, '../dist/src/crm-mon.js');
  const live = join(captures, 'cib-live.xml');
  const mon = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

  it('--output-as json: the XML\'s data in the versioned envelope', () => {
    const r = mon('-x', live, '--output-as', 'json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j['heartbeat-ts']).toEqual({ command: 'crm_mon', version: 1 });
    expect(j.status).toEqual({ code: 0, message: 'OK' });
    expect(j.summary.current_dc).toMatchObject({ present: true, name: 'n1', with_quorum: true });
    expect(j.summary.nodes_configured.number).toBe(3);
    expect(j.nodes.node.map((n: { name: string; online: boolean }) => [n.name, n.online])).toEqual([['n1', true], ['n2', true], ['n3', true]]);
    expect(j.resources.group[0]).toMatchObject({ id: 'web', number_resources: 2 });
    expect(j.resources.group[0].resource.map((x: { id: string; node: { name: string }[] }) => [x.id, x.node[0]!.name])).toEqual([['web-vip', 'n3'], ['web-apache', 'n3']]);
    expect(j.node_history.node.find((n: { name: string }) => n.name === 'n3').resource_history[0].operation_history[0]).toMatchObject({ task: 'start', rc: 0, rc_text: 'ok' });
  });

  it('sections: --include/--exclude, -D, and an unknown section (exit 64, the list)', () => {
    expect(mon('-x', live, '--exclude=all', '--include=nodes').stdout).toBe('Node List:\n  * Online: [ n1 n2 n3 ]\n');
    expect(mon('-x', live, '-D').stdout.startsWith('Node List:')).toBe(true);
    expect(mon('-x', live, '-r', '-n').stdout).toContain('  * Node n3: online:\n    * Resources:\n      * web-vip\t(ocf:heartbeat:IPaddr2):\t Started\n');
    const bad = mon('-x', live, '--include=bogus');
    expect(bad.status).toBe(64);
    expect(bad.stderr).toContain('--include options: all, attributes, bans');
    expect(mon('-x', live, '-m', '7').status).toBe(64);
    expect(mon('--help').stdout).toContain('--group-by-node');
  });

  it('-s: one line; a warning (a node offline, no DC) exits 1', () => {
    const ok = mon('-x', live, '-s');
    expect([ok.status, ok.stdout]).toEqual([0, 'CLUSTER OK: 3 nodes online, 6 resource instances configured\n']);
    const dir = mkdtempSync(join(tmpdir(), 'hbts-crm-mon-'));
    try {
      const f = join(dir, 'cib.xml');
      writeFileSync(f, readFileSync(live, 'utf8').replace(/(<node_state id="2" uname="n2") in_ccm="true" crmd="online"/, '$1 in_ccm="false" crmd="offline"').replace(/ dc-uuid="1"/, ''));
      const warn = mon('-x', f, '-s');
      expect([warn.status, warn.stdout]).toEqual([1, 'CLUSTER WARN: No DC, offline node: n2\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(mon('-x', '/nonexistent/cib.xml').status).toBe(66);
  });
});
