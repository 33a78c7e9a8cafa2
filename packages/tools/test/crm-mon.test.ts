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
    // With the fencing history (-m 3), its section as Pacemaker prints it.
    const fencing = { level: 3, events: [{ target: 'n2', action: 'reboot', status: 'success' as const, origin: 'pacemaker-controld.2132@n1', delegate: 'n1', completed: Date.parse('2026-11-26T16:25:05Z'), ms: 2000 }] };
    const withFencing = monitorText({ cib, dc: 'n1', now: new Date('2026-11-26T16:25:30Z'), version: '2.1.5-a3f44794f94', fencing }).trimEnd().split('\n').slice(-2);
    expect(withFencing).toEqual(theirs.slice(theirs.indexOf('Fencing History:')).filter((l) => l.trim()));
  });

  it('formats times as Pacemaker does', () => {
    expect(ctime(new Date('2026-11-06T06:05:04Z'))).toBe('Fri Nov  6 06:05:04 2026');
  });
});

describe('crm_mon --output-as xml', () => {
  const cib = () => Cib.parse(readFileSync(join(captures, 'cib-live.xml'), 'utf8'), 'cib-live.xml');
  // (The fencing event the capture's cluster went through, as our fencer records it.)
  const fencing = { level: 3, events: [{ target: 'n2', action: 'reboot', status: 'success' as const, origin: 'pacemaker-controld.2132@n1', delegate: 'n1', completed: Date.parse('2026-11-26T16:25:05Z'), ms: 2000 }] };
  const ours = (c: Cib) => serializeXml(monitorXml({ cib: c, dc: 'n1', now: new Date('2026-11-26T16:25:30Z'), version: '2.1.5-a3f44794f94', request: 'crm_mon -1 -m 3 --output-as xml', fencing }));

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
