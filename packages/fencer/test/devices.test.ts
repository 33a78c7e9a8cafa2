/** The fencer's pure parts (devices and topology from the CIB) and the device layer running Debian's fence_dummy. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib/client';
import { fenceAgentMetadata, fenceMetadataXml, findFenceAgent, installedFenceAgents, installedFencing, resolveFenceAgent, runFenceAgent, runFencing } from '@heartbeat-ts/cluster-glue';
import { actionTimeoutMs, agentAction, agentOptions, canFenceStatically, deviceLocations, fenceDevices, fencingDelayMs, parseAgentList, topologyFor } from '../src/devices.js';

const cib = Cib.parse(
  `<cib admin_epoch="0" epoch="1" num_updates="0"><configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-timeout" value="30s"/></cluster_property_set></crm_config>
  <nodes/>
  <resources>
    <primitive id="ipmi" class="stonith" type="fence_ipmilan"><instance_attributes id="i1"><nvpair id="i1a" name="ip" value="10.0.0.9"/><nvpair id="i1b" name="pcmk_host_map" value="n1:1;n2:2"/><nvpair id="i1c" name="pcmk_reboot_action" value="off"/><nvpair id="i1d" name="pcmk_reboot_timeout" value="90s"/><nvpair id="i1e" name="pcmk_reboot_retries" value="3"/></instance_attributes></primitive>
    <primitive id="any" class="stonith" type="fence_dummy"><instance_attributes id="i2"><nvpair id="i2a" name="pcmk_host_check" value="none"/></instance_attributes></primitive>
    <primitive id="dyn" class="stonith" type="fence_xvm"/>
    <primitive id="off" class="stonith" type="fence_dummy"><meta_attributes id="m3"><nvpair id="m3a" name="target-role" value="Stopped"/></meta_attributes></primitive>
    <primitive id="web" class="ocf" provider="heartbeat" type="apache"/>
  </resources>
  <constraints/>
  <fencing-topology><fencing-level id="l2" target="n1" index="2" devices="any"/><fencing-level id="l1" target="n1" index="1" devices="ipmi,dyn"/><fencing-level id="l3" target-pattern="^n[23]$" index="1" devices="any"/></fencing-topology>
</configuration><status/></cib>`,
  'test',
);

describe('fencing devices from the CIB', () => {
  it('reads stonith primitives, their agent options and pcmk_* settings; disabled ones are left out', () => {
    const [ipmi, any, dyn, ...rest] = fenceDevices(cib);
    expect(rest).toEqual([]);
    expect(ipmi).toMatchObject({ id: 'ipmi', agent: 'fence_ipmilan', options: { ip: '10.0.0.9' }, hostCheck: 'static-list' });
    expect(agentOptions(ipmi!, 'n2')).toEqual({ ip: '10.0.0.9', plug: '2' });
    expect(agentAction(ipmi!, 'reboot')).toBe('off');
    expect(actionTimeoutMs(cib, ipmi!, 'reboot')).toBe(90_000);
    expect(actionTimeoutMs(cib, any!, 'reboot')).toBe(30_000);
    expect(ipmi!.retries).toEqual({ reboot: 3 });
    expect(any!.retries).toEqual({});
    expect(canFenceStatically(ipmi!, 'n1')).toBe(true);
    expect(canFenceStatically(ipmi!, 'n3')).toBe(false);
    expect(canFenceStatically(any!, 'n3')).toBe(true);
    expect(dyn!.hostCheck).toBe('dynamic-list');
    expect(canFenceStatically(dyn!, 'n1')).toBeUndefined();
  });

  it('waits pcmk_delay_base, plus a random part up to pcmk_delay_max', () => {
    const d = (base: string, max: string) => fenceDevices(Cib.parse(`<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config/><nodes/><resources><primitive id="d" class="stonith" type="fence_dummy"><instance_attributes id="a">${base ? `<nvpair id="a1" name="pcmk_delay_base" value="${base}"/>` : ''}${max ? `<nvpair id="a2" name="pcmk_delay_max" value="${max}"/>` : ''}</instance_attributes></primitive></resources><constraints/></configuration><status/></cib>`, 'test'))[0]!;
    expect(fencingDelayMs(d('2s', ''), () => 0.99)).toBe(2000);
    expect(fencingDelayMs(d('', '10s'), () => 0)).toBe(0);
    expect(fencingDelayMs(d('', '10s'), () => 0.5)).toBe(5000);
    expect(fencingDelayMs(d('2s', '10s'), () => 0)).toBe(2000);
    expect(fencingDelayMs(d('2s', '10s'), () => 0.999999)).toBe(10_000);
    // (A base above the max: the max.)
    expect(fencingDelayMs(d('20s', '10s'), () => 0.3)).toBe(10_000);
  });

  it('uses a device only where its location constraints allow (rules too; opt-in clusters)', () => {
    const withConstraints = (constraints: string, symmetric = true) =>
      deviceLocations(Cib.parse(`<cib admin_epoch="0" epoch="1" num_updates="0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="symmetric-cluster" value="${symmetric}"/></cluster_property_set></crm_config><nodes><node id="1" uname="n1"><instance_attributes id="n1a"><nvpair id="n1a1" name="rack" value="a"/></instance_attributes></node><node id="2" uname="n2"/><node id="3" uname="n3"/></nodes><resources><primitive id="p1" class="stonith" type="fence_dummy"/><primitive id="p2" class="stonith" type="fence_dummy"/></resources><constraints>${constraints}</constraints></configuration><status/></cib>`, 'test'));
    const a = withConstraints('<rsc_location id="l1" rsc="p1" node="n1" score="-INFINITY"/><rsc_location id="l2" rsc="p2" score="-100"><rule id="r2" score="-100"><expression id="e2" attribute="rack" operation="eq" value="a"/></rule></rsc_location>');
    expect(['n1', 'n2', 'n3'].map((n) => a('p1', n))).toEqual([false, true, true]);
    expect(['n1', 'n2', 'n3'].map((n) => a('p2', n))).toEqual([false, true, true]);
    // (A node the CIB does not list yet: as any node without a constraint.)
    expect(a('p1', 'n9')).toBe(true);
    const optIn = withConstraints('<rsc_location id="l1" rsc="p1" node="n2" score="0"/>', false);
    expect(['n1', 'n2', 'n3'].map((n) => optIn('p1', n))).toEqual([false, true, false]);
    expect(optIn('p2', 'n2')).toBe(false);
  });

  it('gives the topology of a target in index order, by name or pattern', () => {
    expect(topologyFor(cib, 'n1')).toEqual([['ipmi', 'dyn'], ['any']]);
    expect(topologyFor(cib, 'n3')).toEqual([['any']]);
    expect(topologyFor(cib, 'n4')).toEqual([]);
    expect(parseAgentList('n1,n1-alias\nn2\nSuccess: done\n')).toEqual(['n1', 'n1-alias', 'n2']);
  });
});

describe('the device layer (cluster-glue) with Debian fence agents', () => {
  it('finds, describes and runs fence_dummy, and times out an agent that takes too long', async () => {
    if (!existsSync('/usr/sbin/fence_dummy')) throw new Error('this test runs /usr/sbin/fence_dummy: install the Debian package fence-agents');
    expect(installedFenceAgents()).toContain('fence_dummy');
    const path = findFenceAgent('fence_dummy')!;
    expect(path).toBe('/usr/sbin/fence_dummy');
    expect(findFenceAgent('fence_nosuch')).toBeUndefined();
    expect(findFenceAgent('../bin/sh')).toBeUndefined();
    const md = await fenceAgentMetadata(path);
    expect(md.name).toBe('fence_dummy');
    expect(md.actions).toEqual(expect.arrayContaining(['off', 'reboot', 'status', 'monitor']));
    expect(md.parameters.find((p) => p.name === 'action')).toMatchObject({ required: true, default: 'reboot' });
    const file = `/tmp/hbts-fence-dummy-${process.pid}.status`;
    expect((await runFenceAgent(path, 'off', { status_file: file })).rc).toBe(0);
    expect((await runFenceAgent(path, 'status', { status_file: file })).rc).toBe(2);
    expect((await runFenceAgent(path, 'on', { status_file: file })).rc).toBe(0);
    expect((await runFenceAgent(path, 'status', { status_file: file })).rc).toBe(0);
    const slow = await runFenceAgent(path, 'reboot', { type: 'fail' }, { timeoutMs: 500 });
    expect(slow).toMatchObject({ status: 'timeout', rc: 1 });
    expect(slow.ms).toBeLessThan(5000);
  });
});

describe('the device layer (cluster-glue) with stonith plugins', () => {
  it("runs cluster-glue's null plugin through its stonith command: list, reset, status, meta-data", async () => {
    if (!existsSync('/usr/sbin/stonith')) throw new Error('this test runs /usr/sbin/stonith: install the Debian package cluster-glue');
    expect(installedFencing()).toEqual(expect.arrayContaining(['fence_dummy', 'null', 'meatware', 'external/ssh']));
    // The same list, in the same order, as Pacemaker's stonith_admin --list-installed (plugins, then agents).
    if (existsSync('/usr/sbin/stonith_admin')) {
      const theirs = execFileSync('/usr/sbin/stonith_admin', ['-I'], { encoding: 'utf8' }).trim().split('\n');
      expect(theirs.pop()).toMatch(/^\d+ fence devices found$/);
      expect(installedFencing()).toEqual(theirs);
    }
    const plugin = resolveFenceAgent('null')!;
    expect(plugin).toMatchObject({ kind: 'plugin', name: 'null' });
    expect(resolveFenceAgent('external/ssh')).toMatchObject({ kind: 'plugin' });
    expect(resolveFenceAgent('external/nosuch')).toBeUndefined();
    expect(resolveFenceAgent('fence_dummy')).toMatchObject({ kind: 'agent', path: '/usr/sbin/fence_dummy' });
    const list = await runFencing(plugin, 'list', { hostlist: 'a b' });
    expect(list).toMatchObject({ rc: 0, status: 'done' });
    expect(parseAgentList(list.output)).toEqual(['a', 'b']);
    expect(await runFencing(plugin, 'reboot', { hostlist: 'a b', plug: 'a' })).toMatchObject({ rc: 0, status: 'done' });
    expect(await runFencing(plugin, 'status', { hostlist: 'a b' })).toMatchObject({ rc: 0 });
    // (No node to act on: refused before the plugin runs.)
    expect(await runFencing(plugin, 'off', { hostlist: 'a b' })).toMatchObject({ rc: 1, status: 'error' });
    // (Read once: the second answer comes from the cache, the same.)
    expect(await fenceMetadataXml(plugin)).toBe(await fenceMetadataXml(plugin));
    const md = await fenceAgentMetadata(plugin);
    expect(md.name).toBe('null');
    expect(md.parameters.map((p) => p.name)).toEqual(['hostlist']);
  });
});
