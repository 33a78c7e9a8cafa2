/**
 * The seed story, in network namespaces (root): three nodes of ours, heartbeat with `crm respawn`,
 * keepalive 100ms / deadtime 500ms. A group of Debian's ocf:heartbeat:IPaddr2 (a VIP) and Debian's
 * apache through ocf:heartbeat:apache runs on one node and answers HTTP on the VIP. Then, each
 * step starting from a settled cluster:
 * - apache is killed: recovered in place; killed again (migration-threshold=2): the group moves;
 *   `crm_resource --cleanup` forgets the failures;
 * - `crm_resource --move`, `--clear`, `--ban`, `--clear`;
 * - standby and online (`crm_attribute -N NODE -n standby`);
 * - the DC is powered off (not the holder): another node becomes DC, the group keeps running;
 * - the holder is powered off: the VIP comes up on a survivor and apache answers on it (the times
 *   are printed; `npm run bench` measures them against Pacemaker); the node rejoins;
 * - a clean stop of the holder (`heartbeat -k`) moves the group before the node leaves;
 * - the holder is cut off alone (1 of 3): without quorum it stops the group, the others run it.
 * The live CIB and the saved scheduler inputs replay in crm_simulate. Fencing is disabled (issue 9).
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { normalizeLine, transitionSummaryOf } from '@heartbeat-ts/pengine';
import { type Cluster, type HarnessNode, resolveBin, waitFor, watchAddress } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from '../../../heartbeat/test/cluster/hb-cluster.js';
import { cibadmin, controller, crmAttribute, crmResource, dumpCrmLogs, placement, settledDc, storySteps, tool } from './crm-helpers.js';

const VIP = '10.250.0.100';
let cluster: Cluster | undefined;
let nodes: HarnessNode[] = [];
const story = storySteps(120_000);
const step = story.step;

const hasVip = async (n: HarnessNode) => String((await n.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout).includes(`${VIP}/24`);
/** The node that has the VIP, if exactly one of the running ones has it. */
async function vipHolder(among = nodes.filter((n) => n.pids().length > 0)): Promise<HarnessNode | undefined> {
  const up = await Promise.all(among.map(hasVip));
  return up.filter(Boolean).length === 1 ? among[up.indexOf(true)] : undefined;
}
/** HTTP status of http://VIP/ as `from` sees it ('000' when nothing answers). */
async function http(from: HarnessNode): Promise<string> {
  const r = await from.exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', `http://${VIP}/`]);
  return String(r.stdout);
}
/** The apache processes of a node (its network namespace). */
function apachePids(n: HarnessNode): number[] {
  return n.pids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'apache2';
    } catch {
      return false;
    }
  });
}
/** Where the group runs, once the cluster has settled there: the VIP, apache and HTTP on one node. */
async function settledOn(expect?: (n: HarnessNode) => boolean, timeoutMs = 30_000): Promise<HarnessNode> {
  let holder: HarnessNode | undefined;
  await waitFor('the cluster settled with the group on one node, answering HTTP', async () => {
    const running = nodes.filter((n) => n.pids().length > 0);
    holder = await vipHolder(running);
    if (!holder || (expect && !expect(holder))) return false;
    if (!(await settledDc(running))) return false;
    const p = await placement(holder);
    if (p.vip?.join() !== holder.name || p.apache?.join() !== holder.name) return false;
    const client = running.find((n) => n !== holder) ?? holder;
    return (await http(client)) === '200';
  }, { timeoutMs, intervalMs: 100 });
  return holder!;
}

describe('the seed story in network namespaces (root): a VIP and apache', () => {
  beforeAll(async () => {
    story.failed = true;
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces): run the tests as root, as CI does');
    for (const f of ['/usr/lib/ocf/resource.d/heartbeat/IPaddr2', '/usr/lib/ocf/resource.d/heartbeat/apache', '/usr/sbin/apache2']) {
      if (!existsSync(f)) throw new Error(`this test runs ${f}: install the Debian packages resource-agents and apache2`);
    }
    const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d`;
    cluster = await heartbeatCluster({ mode: 'netns', nodes: 3, crmCommand: crm, privateDirs: ['/var/log/apache2'] });
    nodes = cluster.nodes as HarnessNode[];
    for (const n of nodes) await waitFor(`${n.name}: controller with 3 members`, async () => (await controller(n).catch(() => undefined))?.members.length === 3, { timeoutMs: 30_000 });
    const n1 = cluster.node('n1');
    expect((await crmAttribute(n1, '-t', 'crm_config', '-n', 'stonith-enabled', '-v', 'false')).code).toBe(0);
    const group =
      `<group id="web">` +
      `<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="${VIP}"/><nvpair id="vip-mask" name="cidr_netmask" value="24"/><nvpair id="vip-nic" name="nic" value="eth0"/></instance_attributes><operations><op id="vip-mon" name="monitor" interval="2s" timeout="20s"/></operations></primitive>` +
      `<primitive id="apache" class="ocf" provider="heartbeat" type="apache"><instance_attributes id="apache-ia"><nvpair id="apache-conf" name="configfile" value="/etc/apache2/apache2.conf"/></instance_attributes><meta_attributes id="apache-meta"><nvpair id="apache-mt" name="migration-threshold" value="2"/></meta_attributes><operations><op id="apache-mon" name="monitor" interval="1s" timeout="20s"/><op id="apache-start" name="start" interval="0" timeout="40s"/></operations></primitive>` +
      `</group>`;
    expect((await cibadmin(n1, '-C', '-o', 'resources', '-X', group)).code).toBe(0);
    await settledOn();
    story.failed = false;
  }, 120_000);
  afterAll(async () => {
    if (story.failed) dumpCrmLogs(cluster, ['controller.log', 'crm.log', 'executor.log'], 40);
    await cluster?.stop();
    cluster = undefined;
  });

  step('apache killed: recovered in place; killed again (migration-threshold=2): the group moves; --cleanup forgets', async () => {
    const holder = await settledOn();
    const failCount = async () => Object.entries((await crmAttributeQuery(holder)) ?? {}).length;
    expect(apachePids(holder).length).toBeGreaterThan(0);
    for (const pid of apachePids(holder)) process.kill(pid, 'SIGKILL');
    await waitFor('the failure counted', async () => (await failCount()) > 0, { timeoutMs: 15_000 });
    await settledOn((n) => n === holder);
    for (const pid of apachePids(holder)) process.kill(pid, 'SIGKILL');
    const moved = await settledOn((n) => n !== holder);
    expect(apachePids(holder)).toEqual([]);
    const clean = await crmResource(moved, '--cleanup', '-r', 'apache');
    expect(clean.code, clean.err).toBe(0);
    await waitFor('no fail count left', async () => (await failCount()) === 0, { timeoutMs: 15_000 });
    await settledOn();
  });

  step('crm_resource --move, --clear, --ban, --clear', async () => {
    const holder = await settledOn();
    const target = nodes.find((n) => n !== holder)!;
    expect((await crmResource(target, '--move', '-r', 'web', '-N', target.name)).code).toBe(0);
    await settledOn((n) => n === target);
    expect((await crmResource(target, '--locate', '-r', 'web')).out).toBe(`resource web is running on: ${target.name}`);
    expect((await crmResource(target, '--clear', '-r', 'web')).code).toBe(0);
    const now = await settledOn();
    expect((await crmResource(holder, '--ban', '-r', 'web', '-N', now.name)).code).toBe(0);
    await settledOn((n) => n !== now);
    expect((await crmResource(holder, '--clear', '-r', 'web')).code).toBe(0);
    await settledOn();
  });

  step('standby moves the group away; online lets it back', async () => {
    const holder = await settledOn();
    expect((await crmAttribute(holder, '-N', holder.name, '-n', 'standby', '-v', 'on')).code).toBe(0);
    await settledOn((n) => n !== holder);
    expect((await crmAttribute(holder, '-N', holder.name, '-n', 'standby', '-G', '-q')).out).toBe('on');
    expect((await crmAttribute(holder, '-N', holder.name, '-n', 'standby', '-v', 'off')).code).toBe(0);
    await settledOn();
  });

  step('the DC powered off: another node is DC, the group keeps running; the node rejoins', async () => {
    let holder = await settledOn();
    let dc = await settledDc(nodes);
    if (dc === holder) {
      // Put the group away from the DC first.
      const target = nodes.find((n) => n !== dc)!;
      expect((await crmResource(target, '--move', '-r', 'web', '-N', target.name)).code).toBe(0);
      holder = await settledOn((n) => n === target);
      expect((await crmResource(target, '--clear', '-r', 'web')).code).toBe(0);
      holder = await settledOn();
      dc = await settledDc(nodes);
    }
    expect(dc && dc !== holder).toBe(true);
    await cluster!.powerOff(dc!.name);
    const rest = nodes.filter((n) => n !== dc);
    await waitFor('a new DC', async () => {
      for (const n of rest) if ((await controller(n).catch(() => undefined))?.isDc && (await controller(n)).members.length === 2) return true;
      return false;
    }, { timeoutMs: 15_000 });
    expect(await settledOn((n) => n === holder)).toBe(holder);
    await cluster!.startNode(dc!.name);
    for (const n of nodes) await waitFor(`${n.name}: 3 members again`, async () => (await controller(n).catch(() => undefined))?.members.length === 3, { timeoutMs: 30_000 });
    await settledOn();
  });

  step('the holder powered off: the VIP and HTTP come back on a survivor; the node rejoins', async () => {
    const holder = await settledOn();
    const survivors = nodes.filter((n) => n !== holder);
    // (The VIP's arrival as ip monitor reports it, not at the next poll.)
    const watch = await watchAddress(survivors, VIP);
    const t0 = Date.now();
    await cluster!.powerOff(holder.name);
    const vipAt = () => Math.min(...survivors.map((n) => watch.gainedAt(n.name) ?? Infinity));
    await waitFor('the VIP up on a survivor and HTTP 200 on it', async () => vipAt() < Infinity && (await http(survivors[0]!)) === '200', { timeoutMs: 20_000, intervalMs: 20 });
    watch.stop();
    console.log(`power-off of ${holder.name} -> VIP up on a survivor ${vipAt() - t0} ms, HTTP 200 on the VIP ${Date.now() - t0} ms (keepalive 100ms, deadtime 500ms)`);
    // The decision replays: the DC's last scheduler input gives the transition it ran.
    const now = await settledOn((n) => n !== holder);
    const dc = (await settledDc(survivors))!;
    const s = await controller(dc);
    const recovery = s.last!;
    expect(recovery.input).toMatch(/pe-input-\d+\.gz$/);
    const replay = await tool(dc, '@heartbeat-ts/pengine', 'crm_simulate', '-x', recovery.input!);
    expect(replay.code, replay.err).toBe(0);
    expect(transitionSummaryOf(replay.out).map(normalizeLine)).toEqual(recovery.summary.map((l) => normalizeLine(`* ${l}`)));
    const live = await tool(now, '@heartbeat-ts/pengine', 'crm_simulate', '-L');
    expect(live.out).toMatch(/Transition Summary:\s*$/);
    await cluster!.startNode(holder.name);
    for (const n of nodes) await waitFor(`${n.name}: 3 members again`, async () => (await controller(n).catch(() => undefined))?.members.length === 3, { timeoutMs: 30_000 });
    await settledOn();
  });

  step('a clean stop of the holder moves the group first', async () => {
    const holder = await settledOn();
    const stop = await holder.exec(process.execPath, [resolveBin('@heartbeat-ts/heartbeat', 'heartbeat'), '-k']);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    const now = await settledOn((n) => n !== holder);
    expect(apachePids(holder)).toEqual([]);
    expect((await cibadmin(now, '-Q')).out).toMatch(new RegExp(`<lrm_rsc_op id="apache_last_0" operation_key="apache_stop_0"[^>]*on_node="${holder.name}"[^>]*rc-code="0"`));
    await cluster!.startNode(holder.name);
    for (const n of nodes) await waitFor(`${n.name}: 3 members again`, async () => (await controller(n).catch(() => undefined))?.members.length === 3, { timeoutMs: 30_000 });
    await settledOn();
  });

  step('the holder cut off alone loses quorum and stops the group; the others run it', async () => {
    const holder = await settledOn();
    const rest = nodes.filter((n) => n !== holder);
    await cluster!.cutLink(holder.name);
    await waitFor(`${holder.name} alone stopped the VIP and apache`, async () => !(await hasVip(holder)) && apachePids(holder).length === 0, { timeoutMs: 20_000 });
    await waitFor('the group on the majority side', async () => (await vipHolder(rest)) !== undefined && (await http(rest[0]!)) === '200', { timeoutMs: 20_000 });
    expect((await placement(holder)).vip ?? []).not.toContain(holder.name);
    await cluster!.restoreLink(holder.name);
  });
});

/** The node's fail-count attributes for apache, as the CIB status has them. */
async function crmAttributeQuery(n: HarnessNode): Promise<Record<string, string> | undefined> {
  const q = await cibadmin(n, '-Q', '-o', 'status');
  if (q.code !== 0) return undefined;
  const out: Record<string, string> = {};
  for (const m of q.out.matchAll(/<nvpair [^>]*name="(fail-count-apache#[^"]+)" value="([^"]+)"/g)) out[m[1]!] = m[2]!;
  return out;
}
