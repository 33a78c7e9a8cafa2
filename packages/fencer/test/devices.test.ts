/** The fencer's pure parts (devices and topology from the CIB) and the device layer running Debian's fence_dummy. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib/client';
import { fenceAgentMetadata, findFenceAgent, installedFenceAgents, runFenceAgent } from '@heartbeat-ts/cluster-glue';
import { actionTimeoutMs, agentAction, agentOptions, canFenceStatically, fenceDevices, parseAgentList, topologyFor } from '../src/devices.js';

const cib = Cib.parse(
  `<cib admin_epoch="0" epoch="1" num_updates="0"><configuration>
  <crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-timeout" value="30s"/></cluster_property_set></crm_config>
  <nodes/>
  <resources>
    <primitive id="ipmi" class="stonith" type="fence_ipmilan"><instance_attributes id="i1"><nvpair id="i1a" name="ip" value="10.0.0.9"/><nvpair id="i1b" name="pcmk_host_map" value="n1:1;n2:2"/><nvpair id="i1c" name="pcmk_reboot_action" value="off"/><nvpair id="i1d" name="pcmk_reboot_timeout" value="90s"/></instance_attributes></primitive>
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
    expect(canFenceStatically(ipmi!, 'n1')).toBe(true);
    expect(canFenceStatically(ipmi!, 'n3')).toBe(false);
    expect(canFenceStatically(any!, 'n3')).toBe(true);
    expect(dyn!.hostCheck).toBe('dynamic-list');
    expect(canFenceStatically(dyn!, 'n1')).toBeUndefined();
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
