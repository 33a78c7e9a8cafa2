/**
 * Fencing in network namespaces (root): three nodes of ours (heartbeat with `crm respawn`,
 * keepalive 100ms / deadtime 500ms), `stonith-enabled=true`, one device of the harness's own
 * fence agent (fence_hbts_power: the harness's power switch, which powers a node off for real —
 * every process killed, its link down — and boots it again), a group with a VIP.
 * - The holder is powered off: it is fenced (the switch says when) before the VIP comes up on a
 *   survivor; the node boots again and rejoins.
 * - The holder's link is cut while it keeps running: the majority fences it; the VIP is never
 *   up on two nodes at once (every address and link change of every node followed with `ip
 *   monitor`); no survivor is fenced.
 * - stonith_admin: Debian's fence_dummy as a device (--reboot), a failing device (the failure and
 *   its reason), a topology whose first level fails and whose second succeeds, the history
 *   (text and Pacemaker's XML; every node's fencer has each result), --list-installed, --list-registered, --metadata, --confirm; an
 *   agent that takes too long is timed out (pcmk_reboot_timeout).
 * - The DC cut off: the others fence it, one of them becomes DC; the VIP never on two nodes.
 * - A node that rebooted learns its own fencing from the others' history when it joins.
 * - A device that provides unfencing: each node unfenced once (#node-unfenced recorded).
 * - A stonith plugin (cluster-glue's `null`) that location constraints let only n3 use: a
 *   request on n1 is carried out by n3 (the history says so); n1 does not list it as registered.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { type Cluster, fenceAgentDir, type HarnessNode, resolveBin, waitFor, watchAddress } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from '@heartbeat-ts/heartbeat/test-cluster';
import { cibadmin, controller, dumpCrmLogs, storySteps, tool } from '../../../controller/test/cluster/crm-helpers.js';

const VIP = '10.250.0.100';
let cluster: Cluster | undefined;
let nodes: HarnessNode[] = [];
const story = storySteps();
const step = story.step;

const stonithAdmin = (n: HarnessNode, ...a: string[]) => tool(n, '@heartbeat-ts/fencer', 'stonith_admin', ...a);
// (A node being fenced may power off between the check and the command: then it has no VIP.)
const hasVip = async (n: HarnessNode) => {
  try {
    return n.pids().length > 0 && String((await n.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout).includes(`${VIP}/24`);
  } catch {
    return false;
  }
};
/** The same, read straight from the node's network namespace (a few ms: for sampling); a node powered off has its link down. */
const vipIn = async (n: HarnessNode) => {
  try {
    return (await promisify(execFile)('ip', ['-n', n.ns!, '-o', '-4', 'addr', 'show', 'dev', 'eth0', 'up'])).stdout.includes(`${VIP}/24`);
  } catch {
    return false;
  }
};
async function members(n: HarnessNode): Promise<number> {
  const r = await tool(n, '@heartbeat-ts/tools', 'crm_mon', '--output-as', 'xml').catch(() => undefined);
  return r && r.code === 0 ? [...r.out.matchAll(/<node name="[^"]+" id="[^"]*" online="true"/g)].length : 0;
}
async function settledHolder(): Promise<HarnessNode> {
  let holder: HarnessNode | undefined;
  await waitFor('3 nodes online, the VIP on one of them', async () => {
    for (const n of nodes) if ((await members(n)) !== 3) return false;
    const held = await Promise.all(nodes.map(hasVip));
    holder = held.filter(Boolean).length === 1 ? nodes[held.indexOf(true)] : undefined;
    return holder !== undefined;
  }, { timeoutMs: 60_000, intervalMs: 200 });
  return holder!;
}

/** Cuts a node's link while it keeps running, every node's address and link followed from then on: the others, when, the watch. */
async function cutOff(n: HarnessNode) {
  const rest = nodes.filter((x) => x !== n);
  const t0 = Date.now();
  const watch = await watchAddress(nodes, VIP);
  await cluster!.cutLink(n.name);
  return { rest, t0, watch };
}
/** Its link back, and the cluster settled again. */
async function reconnect(n: HarnessNode): Promise<void> {
  await cluster!.restoreLink(n.name);
  await settledHolder();
}

describe('fencing in network namespaces (root)', () => {
  beforeAll(async () => {
    story.failed = true;
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces): run the tests as root, as CI does');
    for (const f of ['/usr/lib/ocf/resource.d/heartbeat/IPaddr2', '/usr/sbin/fence_dummy']) if (!existsSync(f)) throw new Error(`this test runs ${f}: install the Debian packages resource-agents and fence-agents`);
    const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d --fence-agent-path ${fenceAgentDir()}:/usr/sbin`;
    cluster = await heartbeatCluster({ mode: 'netns', nodes: 3, crmCommand: crm });
    nodes = cluster.nodes as HarnessNode[];
    const power = await cluster.powerSwitch();
    for (const n of nodes) await waitFor(`${n.name}: 3 members`, async () => (await members(n)) === 3, { timeoutMs: 60_000, intervalMs: 200 });
    const n1 = cluster.node('n1');
    const device = `<primitive id="power" class="stonith" type="fence_hbts_power"><instance_attributes id="power-ia"><nvpair id="power-socket" name="power_socket" value="${power.socket}"/><nvpair id="power-hosts" name="pcmk_host_list" value="n1 n2 n3"/></instance_attributes></primitive>`;
    const group = `<group id="web"><primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="${VIP}"/><nvpair id="vip-mask" name="cidr_netmask" value="24"/><nvpair id="vip-nic" name="nic" value="eth0"/></instance_attributes><operations><op id="vip-mon" name="monitor" interval="2s" timeout="20s"/></operations></primitive><primitive id="app" class="ocf" provider="heartbeat-ts" type="Dummy"/></group>`;
    expect((await cibadmin(n1, '-C', '-o', 'resources', '-X', device)).code).toBe(0);
    expect((await cibadmin(n1, '-C', '-o', 'resources', '-X', group)).code).toBe(0);
    await settledHolder();
    story.failed = false;
  }, 180_000);
  afterAll(async () => {
    if (story.failed) dumpCrmLogs(cluster, ['controller.log', 'fencer.log'], 30);
    await cluster?.stop();
    cluster = undefined;
  });

  step('the holder powered off is fenced before the VIP comes up on a survivor', async () => {
    const holder = await settledHolder();
    const survivors = nodes.filter((n) => n !== holder);
    const t0 = Date.now();
    await cluster!.powerOff(holder.name);
    let vipAt = 0;
    await waitFor('the VIP up on a survivor', async () => {
      if ((await Promise.all(survivors.map(vipIn))).some(Boolean)) vipAt = Date.now();
      return vipAt > 0;
    }, { timeoutMs: 30_000, intervalMs: 10 });
    const fencedAt = cluster!.powerEvents.find((e) => e.node === holder.name && e.at >= t0)?.at;
    console.log(`power-off of ${holder.name} -> fenced at +${(fencedAt ?? 0) - t0} ms, VIP up on a survivor at +${vipAt - t0} ms`);
    expect(fencedAt).toBeDefined();
    expect(fencedAt!).toBeLessThan(vipAt);
    expect(cluster!.powerEvents.filter((e) => e.at >= t0).map((e) => e.node)).toEqual([holder.name]);
    // Rebooted by the fencing: it comes back and joins.
    await settledHolder();
    // Both survivors' fencers know it: the one that did it told the other; the node that
    // rebooted learned it from them when it joined.
    for (const n of [...survivors, holder]) {
      await waitFor(`${n.name}'s fencing history`, async () => new RegExp(`^reboot of ${holder.name} by n\\d for controller@n\\d successful at `, 'm').test((await stonithAdmin(n, '--history', holder.name)).out), { timeoutMs: 10_000 });
    }
  });

  step('the DC cut off is fenced by the others; one of them becomes DC and carries on', async () => {
    await settledHolder();
    const dcOf = async (among: HarnessNode[]) => {
      for (const n of among) if ((await controller(n).catch(() => undefined))?.isDc) return n;
      return undefined;
    };
    const dc = (await dcOf(nodes))!;
    expect(dc).toBeDefined();
    const { rest, t0, watch } = await cutOff(dc);
    const fencedAt = () => cluster!.powerEvents.find((e) => e.node === dc.name && e.at >= t0)?.at;
    await waitFor(`${dc.name} fenced`, async () => fencedAt() !== undefined, { timeoutMs: 30_000, intervalMs: 20 });
    await waitFor('a new DC among the others', async () => (await dcOf(rest)) !== undefined, { timeoutMs: 15_000, intervalMs: 100 });
    await waitFor('the VIP on one of the others', async () => (await Promise.all(rest.map(vipIn))).filter(Boolean).length === 1, { timeoutMs: 30_000, intervalMs: 50 });
    watch.stop();
    const at = fencedAt()! - t0;
    console.log(`link of the DC ${dc.name} cut -> fenced at +${at} ms`);
    // Only the DC, once; the VIP never on two nodes.
    expect(cluster!.powerEvents.filter((e) => e.at >= t0).map((e) => `${e.action} ${e.node} +${e.at - t0}`)).toEqual([`reboot ${dc.name} +${at}`]);
    expect(watch.most).toBeLessThanOrEqual(1);
    await reconnect(dc);
  });

  step('the holder cut off is fenced by the majority; the VIP is never up on two nodes', async () => {
    const holder = await settledHolder();
    const { rest, t0, watch } = await cutOff(holder);
    let vipAt = 0;
    await waitFor('the VIP up on the majority side', async () => {
      if ((await Promise.all(rest.map(vipIn))).some(Boolean)) vipAt = Date.now();
      return vipAt > 0;
    }, { timeoutMs: 30_000, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 1000));
    watch.stop();
    const fenced = cluster!.powerEvents.filter((e) => e.at >= t0);
    console.log(`link of ${holder.name} cut -> fenced at +${(fenced[0]?.at ?? 0) - t0} ms, VIP on the majority at +${vipAt - t0} ms; ${watch.events} address/link events, at most ${watch.most} node(s) with the VIP at once`);
    expect(fenced.map((e) => e.node)).toEqual([holder.name]);
    expect(fenced[0]!.at).toBeLessThan(vipAt);
    expect(watch.most).toBe(1);
    await reconnect(holder);
  });

  step('a device that cannot fence leaves the resources where they were; stonith_admin --confirm releases them', async () => {
    const holder = await settledHolder();
    const rest = nodes.filter((n) => n !== holder);
    const n = rest[0]!;
    const power = await cluster!.powerSwitch();
    expect((await cibadmin(n, '-M', '-X', '<nvpair id="power-socket" value="/nonexistent/power.sock"/>')).code).toBe(0);
    expect((await tool(n, '@heartbeat-ts/tools', 'crm_attribute', '-t', 'crm_config', '-n', 'stonith-max-attempts', '-v', '3')).code).toBe(0);
    const off = Date.now();
    await cluster!.powerOff(holder.name);
    // Fencing fails, again: the VIP is not started elsewhere, crm_mon says why.
    await waitFor('a failed fencing action', async () => new RegExp(`Failed Fencing Actions:\\n  \\* reboot of ${holder.name} failed`).test((await tool(n, '@heartbeat-ts/tools', 'crm_mon', '-1')).out), { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 2000));
    expect((await Promise.all(rest.map(vipIn))).some(Boolean)).toBe(false);
    // stonith-max-attempts=3: three attempts, then none until something changes.
    const failedSince = async () => (JSON.parse((await stonithAdmin(n, '-H', holder.name, '--output-as', 'json')).out).history as { status: string; completed: string }[]).filter((e) => e.status === 'failed' && Date.parse(e.completed.replace(' ', 'T')) >= off - 1000).length;
    expect(await failedSince()).toBe(3);
    // The operator has made sure the node is off, and says so.
    const t0 = Date.now();
    expect((await stonithAdmin(n, '--confirm', holder.name)).code).toBe(0);
    await waitFor('the VIP up on a survivor', async () => (await Promise.all(rest.map(vipIn))).some(Boolean), { timeoutMs: 15_000, intervalMs: 50 });
    console.log(`--confirm ${holder.name} -> VIP up on a survivor at +${Date.now() - t0} ms`);
    expect((await cibadmin(n, '-M', '-X', `<nvpair id="power-socket" value="${power.socket}"/>`)).code).toBe(0);
    expect((await tool(n, '@heartbeat-ts/tools', 'crm_attribute', '-t', 'crm_config', '-n', 'stonith-max-attempts', '-D')).code).toBe(0);
    await cluster!.startNode(holder.name);
    await settledHolder();
  });

  step("stonith_admin: fence_dummy, a failing device, a topology, the history, the agents", async () => {
    const n = nodes[0]!;
    const devices =
      `<primitive id="dummy-ok" class="stonith" type="fence_dummy"><instance_attributes id="dok-ia"><nvpair id="dok-hosts" name="pcmk_host_list" value="ghost ghost2"/><nvpair id="dok-file" name="status_file" value="/tmp/hbts-fence-dummy.status"/></instance_attributes></primitive>` +
      `<primitive id="dummy-bad" class="stonith" type="fence_dummy"><instance_attributes id="dbad-ia"><nvpair id="dbad-hosts" name="pcmk_host_list" value="ghost2 ghost3"/><nvpair id="dbad-type" name="type" value="fail"/><nvpair id="dbad-timeout" name="pcmk_reboot_timeout" value="2s"/></instance_attributes></primitive>`;
    expect((await cibadmin(n, '-C', '-o', 'resources', '-X', `<resources>${devices}</resources>`)).code).toBe(0);
    const reboot = await stonithAdmin(n, '--reboot', 'ghost');
    expect(reboot.code, reboot.err).toBe(0);
    const bad = await stonithAdmin(n, '-B', 'ghost3');
    expect(bad.code).toBe(1);
    // (fence_dummy type=fail takes 20 s to fail: pcmk_reboot_timeout cuts it short.)
    expect(bad.err).toMatch(/Couldn't fence ghost3: dummy-bad: timed out after 2\d{3} ms/);
    // ghost2: the failing device first, the working one second.
    expect((await cibadmin(n, '-C', '-o', 'fencing-topology', '-X', '<fencing-topology><fencing-level id="fl-1" target="ghost2" index="1" devices="dummy-bad"/><fencing-level id="fl-2" target="ghost2" index="2" devices="dummy-ok"/></fencing-topology>')).code).toBe(0);
    expect((await stonithAdmin(n, '-B', 'ghost2')).code).toBe(0);
    const hist = await stonithAdmin(n, '--history', '*', '--output-as', 'xml');
    expect(hist.out).toMatch(/<fence_event action="reboot" target="ghost" client="stonith_admin" origin="n1" status="success" delegate="n1" completed="\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ"\/>/);
    expect((await tool(n, '@heartbeat-ts/tools', 'crm_mon', '-1', '-m', '3')).out).toMatch(/Fencing History:\n(.|\n)*  \* reboot of ghost by n1 for stonith_admin@n1 successful at /);
    expect(hist.out).toMatch(/target="ghost3"[^>]*status="failed"/);
    expect((await stonithAdmin(n, '-H', 'ghost2')).out).toMatch(/^reboot of ghost2 by n1 for stonith_admin@n1 successful at \d{4}/m);
    expect((await stonithAdmin(n, '-H', 'ghost3')).out).toMatch(/^reboot of ghost3 failed: delegate=n1, client=stonith_admin, origin=n1, last-failed='/m);
    const installed = await stonithAdmin(n, '--list-installed');
    expect(installed.out).toMatch(/^fence_hbts_power$/m);
    expect(installed.out).toMatch(/^fence_dummy$/m);
    expect((await stonithAdmin(n, '-L')).out).toBe('power\ndummy-ok\ndummy-bad\n3 fence devices found');
    expect((await stonithAdmin(n, '-M', '-a', 'fence_dummy')).out).toContain('<resource-agent name="fence_dummy"');
    expect((await stonithAdmin(n, '-M', '-a', 'fence_nosuch')).code).toBe(105);
    expect((await stonithAdmin(n, '--confirm', 'ghost4')).code).toBe(0);
    expect((await stonithAdmin(n, '-H', 'ghost4')).out).toMatch(/confirmed by an operator/);
    // An action under way: crm_mon shows it pending (text and XML) until it ends.
    const slow = stonithAdmin(n, '-B', 'ghost3');
    await waitFor('a pending fencing action', async () => /\nPending Fencing Actions:\n  \* reboot of ghost3 pending: client=stonith_admin, origin=n1$/m.test((await tool(n, '@heartbeat-ts/tools', 'crm_mon', '-1')).out), { timeoutMs: 1800, intervalMs: 100 });
    expect((await tool(n, '@heartbeat-ts/tools', 'crm_mon', '--output-as', 'xml')).out).toContain('<fence_event action="reboot" target="ghost3" client="stonith_admin" origin="n1" status="pending" extended-status="2"/>');
    expect((await slow).code).toBe(1);
    expect((await tool(n, '@heartbeat-ts/tools', 'crm_mon', '-1')).out).not.toContain('Pending Fencing Actions');
  });

  step('a stonith plugin (cluster-glue null) that only n3 may use (location constraints): n1 fences through n3', async () => {
    const [n1, , n3] = nodes as [HarnessNode, HarnessNode, HarnessNode];
    const plugin = '<primitive id="null-plugin" class="stonith" type="null"><instance_attributes id="np-ia"><nvpair id="np-hosts" name="hostlist" value="ghost5 ghost6"/></instance_attributes></primitive>';
    expect((await cibadmin(n1, '-C', '-o', 'resources', '-X', plugin)).code).toBe(0);
    const away = '<constraints><rsc_location id="np-not-n1" rsc="null-plugin" node="n1" score="-INFINITY"/><rsc_location id="np-not-n2" rsc="null-plugin" node="n2" score="-INFINITY"/></constraints>';
    expect((await cibadmin(n1, '-C', '-o', 'constraints', '-X', away)).code).toBe(0);
    // Its resource starts on n3 once n3's fencer has checked the device (stonith_admin -Q).
    await waitFor('null-plugin started on n3', async () => /null-plugin\t\(stonith:null\):\t Started n3/.test((await tool(n1, '@heartbeat-ts/tools', 'crm_mon', '-1')).out), { timeoutMs: 15_000, intervalMs: 200 });
    // (pcmk_host_check dynamic-list: the plugin's own list says which nodes it fences.)
    const r = await stonithAdmin(n1, '--reboot', 'ghost5');
    expect(r.code, r.err).toBe(0);
    expect((await stonithAdmin(n1, '-H', 'ghost5', '--output-as', 'xml')).out).toMatch(/<fence_event action="reboot" target="ghost5" client="stonith_admin" origin="n1" status="success" delegate="n3" /);
    expect((await stonithAdmin(n1, '-L')).out).not.toContain('null-plugin');
    expect((await stonithAdmin(n3, '-L')).out).toMatch(/^null-plugin$/m);
    const none = await stonithAdmin(n1, '-B', 'ghost7');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no device can fence ghost7/);
    const installed = (await stonithAdmin(n1, '-I')).out;
    expect(installed).toMatch(/^null$/m);
    expect(installed).toMatch(/^external\/ssh$/m);
    expect((await stonithAdmin(n1, '-M', '-a', 'null')).out).toContain('<resource-agent name="null"');
  });

  step('stonith_admin: --list, --list-targets, --query, --last, --validate, --register/--deregister, levels, --tolerance, --delay, --cleanup, JSON', async () => {
    const [n1, , n3] = nodes as [HarnessNode, HarnessNode, HarnessNode];
    expect((await stonithAdmin(n3, '--list', 'ghost5')).out).toBe('null-plugin\n1 fence device found');
    expect((await stonithAdmin(n1, '-l', 'ghost5')).out).toBe('0 fence devices found');
    expect((await stonithAdmin(n3, '--list-targets', 'null-plugin')).out).toBe('ghost5\nghost6\n2 fence targets found');
    expect((await stonithAdmin(n1, '-s', 'power', '--output-as', 'xml')).out).toContain('<list name="fence targets" count="3">\n    <item>n1</item>');
    expect((await stonithAdmin(n3, '--query', 'null-plugin')).code).toBe(0);
    const nosuch = await stonithAdmin(n1, '-Q', 'nosuch');
    expect(nosuch.code).toBe(105);
    expect(nosuch.err).toMatch(/no fence device nosuch/);
    expect((await stonithAdmin(n1, '--last', 'ghost5')).out).toMatch(/^Node ghost5 last fenced at: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    expect((await stonithAdmin(n1, '-h', 'ghost99')).out).toBe('Node ghost99 has never been fenced');
    expect((await stonithAdmin(n1, '-h', 'ghost5', '--output-as', 'xml')).out).toMatch(/<last-fenced target="ghost5" when="\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ"\/>/);
    const valid = await stonithAdmin(n1, '--validate', '-a', 'fence_dummy', '-o', 'type=file', '--output-as', 'xml');
    expect(valid.code).toBe(0);
    expect(valid.out).toMatch(/<validate agent="fence_dummy" valid="true">\n\s*<command code="0"/);
    expect((await stonithAdmin(n1, '-K', '-a', 'fence_nosuch')).code).toBe(105);
    // A device outside the CIB, registered with n1's fencer alone.
    const reg = await stonithAdmin(n1, '--register', 'extra', '-a', 'fence_dummy', '-o', 'pcmk_host_list=ghost8', '-o', 'status_file=/tmp/hbts-extra.status');
    expect(reg.code, reg.err).toBe(0);
    expect((await stonithAdmin(n1, '-L')).out).toMatch(/^extra$/m);
    expect((await stonithAdmin(n3, '-L')).out).not.toContain('extra');
    expect((await stonithAdmin(n1, '-B', 'ghost8')).code).toBe(0);
    expect((await stonithAdmin(n1, '--deregister', 'extra')).code).toBe(0);
    expect((await stonithAdmin(n1, '-D', 'extra')).code).toBe(105);
    expect((await stonithAdmin(n1, '-B', 'ghost8')).code).toBe(1);
    expect((await stonithAdmin(n1, '-R', 'x', '-a', 'fence_nosuch')).code).toBe(105);
    // JSON: the same data, in a versioned envelope.
    const json = JSON.parse((await stonithAdmin(n1, '--history', 'ghost5', '--output-as', 'json')).out);
    expect(json['heartbeat-ts']).toEqual({ command: 'stonith_admin', version: 1 });
    expect(json.status).toEqual({ code: 0, message: 'OK' });
    expect(json.history).toEqual([expect.objectContaining({ target: 'ghost5', action: 'reboot', status: 'success', delegate: 'n3', origin: 'stonith_admin@n1', device: 'null-plugin' })]);
    const failedJson = JSON.parse((await stonithAdmin(n1, '-B', 'ghost8', '--output-as', 'json')).out);
    expect(failedJson.status).toMatchObject({ code: 1, message: 'Error occurred', errors: [expect.stringMatching(/^Couldn't fence ghost8: /)] });
    expect(JSON.parse((await stonithAdmin(n1, '-I', '--output-as', 'json')).out).agents).toEqual(expect.arrayContaining(['fence_dummy', 'null']));
    // Levels outside the CIB: the first fails (dummy-bad times out), the second fences.
    expect((await stonithAdmin(n1, '--register-level', 'ghost9', '--index', '1', '--device', 'dummy-bad')).code).toBe(0);
    expect((await stonithAdmin(n1, '-r', 'ghost9', '-i', '2', '-v', 'dummy-ok')).code).toBe(0);
    expect((await stonithAdmin(n1, '-r', 'ghost9', '-v', 'dummy-ok')).code).toBe(64);
    expect((await stonithAdmin(n1, '-B', 'ghost9')).code).toBe(0);
    expect(JSON.parse((await stonithAdmin(n1, '-H', 'ghost9', '--output-as', 'json')).out).history.map((e: { status: string; device?: string }) => `${e.status} ${e.device ?? ''}`)).toEqual(['success dummy-ok']);
    expect((await stonithAdmin(n1, '--deregister-level', 'ghost9', '-i', '2')).code).toBe(0);
    expect((await stonithAdmin(n1, '-d', 'ghost9', '-i', '2')).code).toBe(105);
    // --tolerance: fenced a moment ago, not again; --delay: waits first.
    expect((await stonithAdmin(n1, '-B', 'ghost9', '--tolerance', '60')).code).toBe(0);
    expect(JSON.parse((await stonithAdmin(n1, '-H', 'ghost9', '--output-as', 'json')).out).history).toHaveLength(1);
    const t = Date.now();
    expect((await stonithAdmin(n1, '-B', 'ghost', '--delay', '1')).code).toBe(0);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
    // --cleanup: the history of ghost9 forgotten, on every node.
    expect((await stonithAdmin(n1, '-H', 'ghost9', '--cleanup')).out).toBe('cleaning up fencing-history for node ghost9');
    for (const x of [n1, n3]) await waitFor(`${x.name}: ghost9's history gone`, async () => (await stonithAdmin(x, '-H', 'ghost9')).out === '', { timeoutMs: 5000 });
    const bad = await stonithAdmin(n1, '--bogus', '--output-as', 'xml');
    expect(bad.code).toBe(64);
    expect(bad.out).toContain('<status code="64" message="Incorrect usage">');
  });

  step('a device that provides unfencing: every node is unfenced once (fence_dummy on), and stays so', async () => {
    const n = nodes[0]!;
    const file = `/tmp/hbts-unfence-${process.pid}.status`;
    const device = `<primitive id="unfencer" class="stonith" type="fence_dummy"><meta_attributes id="unf-meta"><nvpair id="unf-provides" name="provides" value="unfencing"/></meta_attributes><instance_attributes id="unf-ia"><nvpair id="unf-hosts" name="pcmk_host_list" value="n1 n2 n3"/><nvpair id="unf-file" name="status_file" value="${file}"/></instance_attributes></primitive>`;
    expect((await cibadmin(n, '-C', '-o', 'resources', '-X', device)).code).toBe(0);
    const unfenced = async () => {
      const hist = (await stonithAdmin(n, '--history', '*')).out;
      return nodes.map((x) => hist.split('\n').filter((l) => l.startsWith(`on of ${x.name} by `) && l.includes(' successful at ')).length);
    };
    await waitFor('each node unfenced', async () => (await unfenced()).every((c) => c >= 1), { timeoutMs: 30_000, intervalMs: 200 });
    for (const x of nodes) {
      const r = await tool(x, '@heartbeat-ts/tools', 'crm_attribute', '-N', x.name, '-n', '#node-unfenced', '-l', 'reboot', '-G', '-q');
      expect(r.code, `${x.name}: ${r.err}`).toBe(0);
      expect(Number(r.out)).toBeGreaterThan(1_700_000_000);
    }
    // Once: the cluster settles, nobody is unfenced again; by the device that provides unfencing.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await unfenced()).toEqual([1, 1, 1]);
    const history = JSON.parse((await stonithAdmin(n, '-H', '*', '--output-as', 'json')).out).history as { action: string; device?: string }[];
    expect(history.filter((e) => e.action === 'on').map((e) => e.device)).toEqual(['unfencer', 'unfencer', 'unfencer']);
    await settledHolder();
  });
});
