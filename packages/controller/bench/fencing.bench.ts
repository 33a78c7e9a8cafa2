/**
 * Fencing against Pacemaker 2.1.5 + Corosync 3.1.7, side by side in one run, same harness (three
 * netns nodes: needs root), same CIB, same fence agent: the harness's power switch through
 * `fence_hbts_power` (for Pacemaker's fencer, which runs agents from /usr/sbin only, a wrapper is
 * put at /usr/sbin/fence_hbts_power for the run and removed after). stonith-enabled=true, a VIP
 * (IPaddr2). Two cases, each the median of 3 runs (1 with HBTS_BENCH_QUICK=1):
 * - power-off of the VIP's holder → fenced (the switch's record) and → VIP up on a survivor;
 * - the holder's link cut while it keeps running → fenced by the majority and → VIP up there,
 *   with the VIP followed on every node (`watchAddress`): it must never be on two at once.
 * Ours: heartbeat with crm respawn, keepalive 100ms / deadtime 500ms; Pacemaker: token 1000
 * (anchors.md: 5.9 s and 6.1 s there).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { report } from '@heartbeat-ts/cluster-glue';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { type Cluster, fenceAgentDir, type HarnessNode, resolveBin, waitFor, watchAddress } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from '@heartbeat-ts/heartbeat/test-cluster';
import { benchNeeds, type Impl, OURS, PACEMAKER_INSTALLED, PCMK, pacemakerCluster } from './pacemaker-cluster.js';

benchNeeds('fencing', ['/usr/lib/ocf/resource.d/heartbeat/IPaddr2'], 'resource-agents');
const quick = process.env.HBTS_BENCH_QUICK === '1';
const VIP = '10.250.0.100';
const SYSTEM_AGENT = '/usr/sbin/fence_hbts_power';

const run = async (impl: Impl, n: HarnessNode, name: string, ...args: string[]) => {
  const bins: Record<string, [string, string]> = { crm_mon: ['@heartbeat-ts/tools', 'crm_mon'], cibadmin: ['@heartbeat-ts/cib', 'cibadmin'] };
  const r = impl === OURS ? await n.exec(process.execPath, [resolveBin(...bins[name]!), ...args]) : await n.exec(`/usr/sbin/${name}`, args);
  return { out: String(r.stdout), code: r.exitCode ?? -1 };
};
const live = (c: Cluster) => (c.nodes as HarnessNode[]).filter((n) => n.pids().length > 0);
const online = async (impl: Impl, n: HarnessNode) => [...(await run(impl, n, 'crm_mon', '-1', '--output-as', 'xml').catch(() => ({ out: '' }))).out.matchAll(/<node name="[^"]+" id="[^"]*" online="true"/g)].length;
const hasVip = async (n: HarnessNode) => {
  try {
    return String((await n.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0', 'up'])).stdout).includes(`${VIP}/24`);
  } catch {
    return false;
  }
};

async function holder(impl: Impl, c: Cluster): Promise<HarnessNode> {
  let h: HarnessNode | undefined;
  await waitFor(`${impl}: 3 nodes online, the VIP on one`, async () => {
    const nodes = c.nodes as HarnessNode[];
    if (live(c).length !== 3) return false;
    for (const n of nodes) if ((await online(impl, n)) !== 3) return false;
    const held = await Promise.all(nodes.map(hasVip));
    h = held.filter(Boolean).length === 1 ? nodes[held.indexOf(true)] : undefined;
    return h !== undefined;
  }, { timeoutMs: 180_000, intervalMs: 300 });
  return h!;
}

async function start(impl: Impl): Promise<Cluster> {
  if (impl === OURS) {
    const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d --fence-agent-path ${fenceAgentDir()}:/usr/sbin`;
    return heartbeatCluster({ mode: 'netns', nodes: 3, crmCommand: crm });
  }
  return pacemakerCluster({ token: 1000 });
}

/** One case: the holder powered off, or cut off; the times to fencing and to the VIP elsewhere. */
async function once(impl: Impl, c: Cluster, how: 'power-off' | 'cut link'): Promise<{ fenced: number; vip: number; most: number }> {
  const h = await holder(impl, c);
  const rest = (c.nodes as HarnessNode[]).filter((n) => n !== h);
  const watch = await watchAddress(c.nodes as HarnessNode[], VIP);
  const t0 = Date.now();
  if (how === 'power-off') await c.powerOff(h.name);
  else await c.cutLink(h.name);
  const vipAt = () => Math.min(...rest.map((n) => watch.gainedAt(n.name) ?? Infinity));
  await waitFor(`${impl}: the VIP elsewhere`, async () => vipAt() < Infinity, { timeoutMs: 60_000, intervalMs: 5 });
  await new Promise((r) => setTimeout(r, 1000));
  watch.stop();
  const fencedAt = c.powerEvents.find((e) => e.node === h.name && e.at >= t0)?.at;
  if (how === 'cut link') await c.restoreLink(h.name);
  // The fenced node was rebooted by the switch; wait until it is back before the next case.
  await holder(impl, c);
  await new Promise((r) => setTimeout(r, 2000));
  return { fenced: fencedAt ? fencedAt - t0 : NaN, vip: vipAt() - t0, most: watch.most };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, Partial<Record<Impl, number>>>();
const notes = new Map<string, string[]>();
const put = (k: string, impl: Impl, v: number, note: string) => {
  results.set(k, { ...results.get(k), [impl]: v });
  notes.set(k, [...(notes.get(k) ?? []), `${impl}: ${note}`]);
};

const impls: Impl[] = PACEMAKER_INSTALLED ? [OURS, PCMK] : [OURS];
let failed = false;
try {
  if (impls.includes(PCMK)) writeFileSync(SYSTEM_AGENT, `#!/bin/sh\n# installed by heartbeat-ts's fencing benchmark for its run\nexec "${fenceAgentDir()}/fence_hbts_power" "$@"\n`, { mode: 0o755 });
  for (const impl of impls) {
    const c = await start(impl);
    try {
      const power = await c.powerSwitch();
      const n1 = c.node('n1');
      await waitFor(`${impl}: 3 nodes online`, async () => (await online(impl, n1)) === 3, { timeoutMs: 120_000, intervalMs: 500 });
      const device = `<primitive id="power" class="stonith" type="fence_hbts_power"><instance_attributes id="power-ia"><nvpair id="power-socket" name="power_socket" value="${power.socket}"/><nvpair id="power-hosts" name="pcmk_host_list" value="n1 n2 n3"/></instance_attributes><operations><op id="power-mon" name="monitor" interval="60s"/></operations></primitive>`;
      const vip = `<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="vip-ia"><nvpair id="vip-ip" name="ip" value="${VIP}"/><nvpair id="vip-mask" name="cidr_netmask" value="24"/><nvpair id="vip-nic" name="nic" value="eth0"/></instance_attributes><operations><op id="vip-mon" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;
      for (const x of [device, vip]) if ((await run(impl, n1, 'cibadmin', '-C', '-o', 'resources', '-X', x)).code !== 0) throw new Error(`${impl}: cannot configure ${x.slice(0, 40)}`);
      for (const how of ['power-off', 'cut link'] as const) {
        const runs: Array<{ fenced: number; vip: number; most: number }> = [];
        for (let i = 0; i < (quick ? 1 : 3); i++) runs.push(await once(impl, c, how));
        const most = Math.max(...runs.map((r) => r.most));
        put(`${how} → VIP elsewhere, fenced first`, impl, median(runs.map((r) => r.vip)) / 1000, `fenced at ${runs.map((r) => r.fenced).join(', ')} ms, VIP at ${runs.map((r) => r.vip).join(', ')} ms; at most ${most} node(s) with the VIP at once`);
        if (runs.some((r) => !(r.fenced < r.vip)) || most > 1) {
          failed = true;
          console.error(`${impl} / ${how}: ${runs.some((r) => !(r.fenced < r.vip)) ? 'the VIP moved before the fencing' : 'the VIP was on two nodes at once'}`);
        }
      }
    } catch (e) {
      failed = true;
      console.error(`${impl}: ${(e as Error).message}`);
    } finally {
      await c.stop();
    }
  }
} finally {
  if (impls.includes(PCMK)) rmSync(SYSTEM_AGENT, { force: true });
}

for (const [k, v] of results) {
  const ours = v[OURS];
  const base = v[PCMK];
  if (ours === undefined) continue;
  report({ bench: 'fencing', case: k, value: ours, unit: 's', ...(base !== undefined ? { baseline: base, baselineName: 'Pacemaker+Corosync (token 1000)' } : {}), ...(base !== undefined && ours ? { ratio: base / ours } : {}), note: notes.get(k)!.join('; ') });
}
if (failed) process.exit(1);
