/**
 * The CRM against Pacemaker 2.1.5 + Corosync 3.1.7, side by side in one run, same harness (three
 * nodes in network namespaces: needs root), same CIB:
 * - a group `web` of ocf:heartbeat:IPaddr2 (a VIP) and Debian's apache (ocf:heartbeat:apache);
 *   a group `mv` of IPaddr2 (a second VIP) and ocf:pacemaker:Dummy; both resource-stickiness=100;
 *   stonith-enabled=false;
 * - idle RSS and CPU per node (the cluster's processes, apache's not counted);
 * - `crm_resource --move` of `mv` → its VIP up on the target (the command's time included);
 *   a VIP is up when `ip monitor` in the node's namespace reports its address (watchAddress);
 * - CIB modify throughput through persistent client connections on n1 (each update creates its
 *   own nvpair; afterwards every node's CIB must hold all of them: nothing lost), and whether a
 *   daemon was evicted or respawned meanwhile;
 * - power-off of web's holder (every process killed, link down) → VIP up on a survivor, and →
 *   HTTP 200 from apache on the VIP.
 * Ours: heartbeat with `crm respawn`, keepalive 100ms, deadtime 500ms. Pacemaker: corosync
 * `token: 1000` (anchors.md: 4.5 s / 6.5 s there; 9.6 s / 11.6 s at the default token).
 * Pacemaker's persistent CIB client is a small C program built here against libcib (needs gcc
 * and the Debian package pacemaker-dev; without them `cibadmin --modify` as a command is measured
 * and says so). HBTS_BENCH_QUICK=1: one power-off and one move per stack, fewer updates.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IpcClient, report } from '@heartbeat-ts/cluster-glue';
import { CibProtocol } from '@heartbeat-ts/cib';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { type Cluster, type HarnessNode, resolveBin, waitFor, watchAddress } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from '@heartbeat-ts/heartbeat/test-cluster';
import { benchNeeds, type Impl, OURS, PACEMAKER_INSTALLED, PCMK, pacemakerCluster } from './pacemaker-cluster.js';

benchNeeds('CRM', ['/usr/lib/ocf/resource.d/heartbeat/IPaddr2', '/usr/lib/ocf/resource.d/heartbeat/apache', '/usr/sbin/apache2', '/usr/lib/ocf/resource.d/pacemaker/Dummy'], 'resource-agents, pacemaker-resource-agents and apache2');
const quick = process.env.HBTS_BENCH_QUICK === '1';
const VIP = '10.250.0.100';
const VIP2 = '10.250.0.101';

interface Stack {
  impl: Impl;
  cluster: Cluster;
  /** Runs one of the stack's commands (crm_resource, cibadmin, crm_attribute, crm_mon) on a node. */
  tool(n: HarnessNode, name: string, ...args: string[]): Promise<{ out: string; code: number }>;
  /** The processes that make up the cluster stack on a node (not apache, not the harness's). */
  stackPids(n: HarnessNode): number[];
}

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};
const running = (c: Cluster) => (c.nodes as HarnessNode[]).filter((n) => n.pids().length > 0);

async function startStack(impl: Impl): Promise<Stack> {
  if (impl === OURS) {
    const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d`;
    const cluster = await heartbeatCluster({ mode: 'netns', nodes: 3, crmCommand: crm, privateDirs: ['/var/log/apache2'] });
    const bins: Record<string, [string, string]> = { crm_resource: ['@heartbeat-ts/tools', 'crm_resource'], crm_attribute: ['@heartbeat-ts/tools', 'crm_attribute'], crm_mon: ['@heartbeat-ts/tools', 'crm_mon'], cibadmin: ['@heartbeat-ts/cib', 'cibadmin'] };
    return {
      impl,
      cluster,
      tool: async (n, name, ...args) => {
        const [pkg, bin] = bins[name]!;
        const r = await n.exec(process.execPath, [resolveBin(pkg, bin), ...args]);
        return { out: String(r.stdout), code: r.exitCode ?? -1 };
      },
      stackPids: (n) => n.pids().filter((p) => ['node', 'heartbeat'].includes(comm(p)) || comm(p).startsWith('hbts')),
    };
  }
  const cluster = await pacemakerCluster({ token: 1000 });
  return {
    impl,
    cluster,
    tool: async (n, name, ...args) => {
      const r = await n.exec(`/usr/sbin/${name}`, args);
      return { out: String(r.stdout), code: r.exitCode ?? -1 };
    },
    stackPids: (n) => n.pids().filter((p) => /^(corosync|pacemaker)/.test(comm(p))),
  };
}

/** crm_mon's XML (both stacks print Pacemaker's schema): online nodes and the DC. */
async function monitor(s: Stack, n: HarnessNode): Promise<{ online: string[]; dc: boolean } | undefined> {
  const r = await s.tool(n, 'crm_mon', '-1', '--output-as', 'xml').catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const online = [...r.out.matchAll(/<node name="([^"]+)" id="[^"]*" online="true"/g)].map((m) => m[1]!);
  return { online, dc: /<current_dc present="true"/.test(r.out) };
}

const hasAddr = async (n: HarnessNode, ip: string) => String((await n.exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout).includes(`${ip}/24`);
async function holderOf(c: Cluster, ip: string): Promise<HarnessNode | undefined> {
  const nodes = running(c);
  const up = await Promise.all(nodes.map((n) => hasAddr(n, ip)));
  return up.filter(Boolean).length === 1 ? nodes[up.indexOf(true)] : undefined;
}
async function http(from: HarnessNode): Promise<string> {
  const r = await from.exec('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', `http://${VIP}/`]);
  return String(r.stdout);
}

async function waitOnline(s: Stack, count: number): Promise<void> {
  let last = '';
  await waitFor(`${s.impl}: ${count} nodes online with a DC`, async () => {
    for (const n of running(s.cluster)) {
      const m = await monitor(s, n);
      last = `${n.name}: ${JSON.stringify(m)}`;
      if (!m || m.online.length !== count || !m.dc) return false;
    }
    return true;
  }, { timeoutMs: 120_000, intervalMs: 500 }).catch((e: Error) => {
    throw new Error(`${e.message}; ${last}`);
  });
}

async function waitServing(s: Stack): Promise<HarnessNode> {
  let holder: HarnessNode | undefined;
  await waitFor(`${s.impl}: web answering HTTP on its VIP, mv's VIP up`, async () => {
    holder = await holderOf(s.cluster, VIP);
    if (!holder || !(await holderOf(s.cluster, VIP2))) return false;
    const client = running(s.cluster).find((n) => n !== holder)!;
    return (await http(client)) === '200';
  }, { timeoutMs: 90_000, intervalMs: 200 });
  return holder!;
}

async function configure(s: Stack): Promise<void> {
  const n1 = s.cluster.node('n1');
  const ok = async (what: string, p: Promise<{ out: string; code: number }>) => {
    const r = await p;
    if (r.code !== 0) throw new Error(`${s.impl}: ${what} failed (${r.code}): ${r.out}`);
  };
  await ok('stonith-enabled=false', s.tool(n1, 'crm_attribute', '-t', 'crm_config', '-n', 'stonith-enabled', '-v', 'false'));
  const ip = (id: string, addr: string) =>
    `<primitive id="${id}" class="ocf" provider="heartbeat" type="IPaddr2"><instance_attributes id="${id}-ia"><nvpair id="${id}-ip" name="ip" value="${addr}"/><nvpair id="${id}-mask" name="cidr_netmask" value="24"/><nvpair id="${id}-nic" name="nic" value="eth0"/></instance_attributes><operations><op id="${id}-mon" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;
  // (Both groups sticky, as production clusters are: the power-off moves web alone, not mv too
  // for balance — the anchor's figure is for the seed group alone.)
  const sticky = (id: string) => `<meta_attributes id="${id}-meta"><nvpair id="${id}-stickiness" name="resource-stickiness" value="100"/></meta_attributes>`;
  const web = `<group id="web">${sticky('web')}${ip('web-vip', VIP)}<primitive id="web-apache" class="ocf" provider="heartbeat" type="apache"><instance_attributes id="web-apache-ia"><nvpair id="web-apache-conf" name="configfile" value="/etc/apache2/apache2.conf"/></instance_attributes><operations><op id="web-apache-mon" name="monitor" interval="10s" timeout="20s"/><op id="web-apache-start" name="start" interval="0" timeout="40s"/></operations></primitive></group>`;
  const mv = `<group id="mv">${sticky('mv')}${ip('mv-vip', VIP2)}<primitive id="mv-dummy" class="ocf" provider="pacemaker" type="Dummy"><operations><op id="mv-dummy-mon" name="monitor" interval="10s" timeout="20s"/></operations></primitive></group>`;
  await ok('create web', s.tool(n1, 'cibadmin', '-C', '-o', 'resources', '-X', web));
  await ok('create mv', s.tool(n1, 'cibadmin', '-C', '-o', 'resources', '-X', mv));
  await ok('bench attributes', s.tool(n1, 'cibadmin', '-C', '-o', 'crm_config', '-X', '<cluster_property_set id="bench-set"/>'));
}

/** RSS (MB) and CPU (% of one core over `ms`) of the stack's processes, averaged over the nodes. */
async function idle(s: Stack, ms: number): Promise<{ rssMb: number; cpu: number; procs: number }> {
  const ticks = (pid: number) => {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]);
    } catch {
      return 0;
    }
  };
  const rss = (pid: number) => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  const nodes = running(s.cluster);
  const before = nodes.map((n) => s.stackPids(n).map((p) => [p, ticks(p)] as const));
  await new Promise((r) => setTimeout(r, ms));
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let rssSum = 0;
  let cpuSum = 0;
  let procs = 0;
  for (const [i, n] of nodes.entries()) {
    const pids = s.stackPids(n);
    procs += pids.length;
    rssSum += pids.reduce((a, p) => a + rss(p), 0);
    cpuSum += before[i]!.reduce((a, [p, t]) => a + Math.max(0, ticks(p) - t), 0) / hz / (ms / 1000) * 100;
  }
  return { rssMb: rssSum / nodes.length, cpu: cpuSum / nodes.length, procs: procs / nodes.length };
}

/**
 * How long the stop agents of a move ran on the node the group left (mv-dummy's and mv-vip's
 * stop, from their lrm_rsc_op exec-time in the CIB — both stacks record it): the part of a move
 * that is the agents' own, the same for both stacks, which no cluster manager can shorten.
 */
async function stopAgentsMs(s: Stack, on: HarnessNode, from: string): Promise<number | undefined> {
  const xml = (await s.tool(on, 'cibadmin', '-Q', '-o', 'status')).out;
  const state = xml.split('<node_state').find((b) => new RegExp(`\\buname="${from}"`).test(b.slice(0, b.indexOf('>'))));
  if (!state) return undefined;
  let sum = 0;
  for (const rsc of ['mv-dummy', 'mv-vip']) {
    const op = new RegExp(`<lrm_rsc_op [^>]*\\bid="${rsc}_last_0"[^>]*>`).exec(state)?.[0];
    const ms = op && /\boperation="stop"/.test(op) ? /\bexec-time="(\d+)"/.exec(op)?.[1] : undefined;
    if (ms === undefined) return undefined;
    sum += Number(ms);
  }
  return sum;
}

async function moveOnce(s: Stack): Promise<{ ms: number; stopAgentsMs: number | undefined }> {
  const from = (await holderOf(s.cluster, VIP2))!;
  const target = running(s.cluster).find((n) => n !== from)!;
  const watch = await watchAddress([target], VIP2);
  const t0 = Date.now();
  const r = await s.tool(from, 'crm_resource', '--move', '-r', 'mv', '-N', target.name);
  if (r.code !== 0) throw new Error(`${s.impl}: crm_resource --move failed: ${r.out}`);
  await waitFor(`${s.impl}: mv's VIP on ${target.name}`, async () => watch.gainedAt(target.name) !== undefined, { timeoutMs: 30_000, intervalMs: 5 });
  watch.stop();
  const took = watch.gainedAt(target.name)! - t0;
  // Leave it there: the move constraint goes, the VIP stays (nothing pulls it back).
  await s.tool(target, 'crm_resource', '--clear', '-r', 'mv');
  await new Promise((res) => setTimeout(res, 3000));
  return { ms: took, stopAgentsMs: await stopAgentsMs(s, target, from.name) };
}

async function powerOffOnce(s: Stack): Promise<{ vip: number; http: number }> {
  const holder = await waitServing(s);
  const survivors = running(s.cluster).filter((n) => n !== holder);
  const watch = await watchAddress(survivors, VIP);
  const t0 = Date.now();
  await s.cluster.powerOff(holder.name);
  const vipAt = () => Math.min(...survivors.map((n) => watch.gainedAt(n.name) ?? Infinity));
  await waitFor(`${s.impl}: VIP and HTTP on a survivor`, async () => vipAt() < Infinity && (await http(survivors[0]!)) === '200', { timeoutMs: 60_000, intervalMs: 10 });
  watch.stop();
  const res = { vip: vipAt() - t0, http: Date.now() - t0 };
  await s.cluster.startNode(holder.name);
  await waitOnline(s, 3);
  await waitServing(s);
  await new Promise((r) => setTimeout(r, 3000));
  return res;
}

/** Pacemaker's persistent CIB client: a small C program against libcib, built here. */
function pacemakerCibClient(): string | undefined {
  if (!existsSync('/usr/include/pacemaker/crm/cib.h')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'hbts-cibclient-'));
  const src = join(dir, 'cibclient.c');
  writeFileSync(src, `/* N modifies through one libcib connection: each sets nvpair bench-<tag>-<i mod K> of cluster_property_set bench-set to i. */
#include <stdio.h>
#include <stdlib.h>
#include <crm/crm.h>
#include <crm/cib.h>
#include <crm/common/xml.h>
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  const char *tag = argv[2];
  int keys = atoi(argv[3]);
  cib_t *cib = cib_new();
  if (cib->cmds->signon(cib, "hbts-bench", cib_command) != pcmk_ok) { fprintf(stderr, "signon failed\\n"); return 2; }
  for (int i = 0; i < n; i++) {
    char xml[256];
    snprintf(xml, sizeof xml, "<cluster_property_set id=\\"bench-set\\"><nvpair id=\\"bench-%s-%d\\" name=\\"bench-%s-%d\\" value=\\"%d\\"/></cluster_property_set>", tag, i % keys, tag, i % keys, i);
    xmlNode *x = string2xml(xml);
    int rc = cib->cmds->modify(cib, "crm_config", x, cib_sync_call);
    free_xml(x);
    if (rc != pcmk_ok) { fprintf(stderr, "modify %d: %s\\n", i, pcmk_strerror(rc)); return 1; }
  }
  cib->cmds->signoff(cib);
  cib_delete(cib);
  return 0;
}
`);
  const bin = join(dir, 'cibclient');
  const cflags = spawnSync('pkg-config', ['--cflags', '--libs', 'pacemaker-cib'], { encoding: 'utf8' });
  const flags = cflags.status === 0 ? cflags.stdout.trim().split(/\s+/) : ['-I/usr/include/pacemaker', '-I/usr/include/libxml2', '-I/usr/include/glib-2.0', '-I/usr/lib/x86_64-linux-gnu/glib-2.0/include', '-lcib', '-lcrmcommon', '-lxml2', '-lglib-2.0'];
  const r = spawnSync('gcc', ['-O2', '-o', bin, src, ...flags], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`cannot build Pacemaker's CIB client: ${r.stderr}`);
    return undefined;
  }
  return bin;
}

/**
 * Updates per second through `clients` persistent connections on n1: client c sets nvpair
 * bench-<tag><c>-<i mod 50> to i, one modify each (a configuration change: the epoch goes up by one).
 * Nothing lost: afterwards every node's CIB has the epoch up by exactly the number of updates,
 * and each nvpair holds the last value written to it.
 */
async function cibThroughput(s: Stack, clients: number, perClient: number, tag: string): Promise<{ rate: number; lost: number; how: string }> {
  const n1 = s.cluster.node('n1');
  const KEYS = 50;
  const epochs = async () => Promise.all(running(s.cluster).map(async (n) => Number(/<cib [^>]*\bepoch="(\d+)"/.exec((await s.tool(n, 'cibadmin', '-Q')).out)?.[1] ?? NaN)));
  const before = await epochs();
  const set = (c: number, i: number) => `<cluster_property_set id="bench-set"><nvpair id="bench-${tag}${c}-${i % KEYS}" name="bench-${tag}${c}-${i % KEYS}" value="${i}"/></cluster_property_set>`;
  const t0 = process.hrtime.bigint();
  let how: string;
  if (s.impl === OURS) {
    how = 'persistent client';
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
      const client = await IpcClient.connect(CibProtocol, { path: n1.socket('cib'), name: 'bench', timeoutMs: 60_000 });
      try {
        for (let i = 0; i < perClient; i++) await client.request('modify', { xml: set(c, i) });
      } finally {
        client.close();
      }
    }));
  } else {
    const bin = pacemakerCibClient();
    how = bin ? 'persistent client (libcib)' : 'cibadmin --modify as a command (no gcc or pacemaker-dev for a persistent client)';
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
      if (bin) {
        const r = await n1.exec(bin, [String(perClient), `${tag}${c}`, String(KEYS)], { timeoutMs: 600_000 });
        if (r.exitCode !== 0) console.error(`${s.impl}: CIB client ${c}: ${String(r.stderr)}`);
      } else {
        for (let i = 0; i < perClient; i++) await n1.exec('/usr/sbin/cibadmin', ['--modify', '-o', 'crm_config', '-X', set(c, i)]);
      }
    }));
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await new Promise((r) => setTimeout(r, 3000));
  const after = await epochs();
  let lost = 0;
  for (const [k, n] of running(s.cluster).entries()) {
    lost = Math.max(lost, clients * perClient - (after[k]! - before[k]!));
    const q = (await s.tool(n, 'cibadmin', '-Q', '-o', 'crm_config')).out;
    for (let c = 0; c < clients; c++) {
      for (let key = 0; key < Math.min(KEYS, perClient); key++) {
        const last = key + KEYS * Math.floor((perClient - 1 - key) / KEYS);
        if (!q.includes(`name="bench-${tag}${c}-${key}" value="${last}"`)) lost = Math.max(lost, 1);
      }
    }
  }
  return { rate: (clients * perClient) / secs, lost, how };
}

/** Daemons that died or were evicted while the CIB was busy: process start times that changed. */
function stackSignature(s: Stack): string {
  return running(s.cluster).map((n) => s.stackPids(n).sort().join(',')).join(';');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results: Record<string, Record<Impl, number>> = {};
const notes: Record<string, string[]> = {};
const put = (k: string, impl: Impl, v: number, note?: string) => {
  (results[k] ??= {} as Record<Impl, number>)[impl] = v;
  if (note) (notes[k] ??= []).push(`${impl}: ${note}`);
};

// (HBTS_BENCH_CRM=ours or =pacemaker runs one of them.)
const only = process.env.HBTS_BENCH_CRM;
const impls = (PACEMAKER_INSTALLED ? [OURS, PCMK] as Impl[] : [OURS] as Impl[]).filter((i) => !only || (only === 'ours' ? i === OURS : i === PCMK));
let failed = false;
if (!PACEMAKER_INSTALLED) console.error('Pacemaker + Corosync are not installed (Debian packages pacemaker, corosync): ours alone');
for (const impl of impls) {
  const t0 = Date.now();
  const s = await startStack(impl);
  try {
    await waitOnline(s, 3);
    put('start → 3 nodes online', impl, (Date.now() - t0) / 1000);
    await configure(s);
    await waitServing(s);
    await new Promise((r) => setTimeout(r, 5000));
    const id = await idle(s, quick ? 3000 : 10_000);
    put('idle RSS per node', impl, id.rssMb, `${id.procs.toFixed(0)} processes per node`);
    put('idle CPU per node', impl, id.cpu);
    const moves: Array<{ ms: number; stopAgentsMs: number | undefined }> = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) moves.push(await moveOnce(s));
    put('crm_resource --move of VIP+Dummy → VIP up on the target', impl, median(moves.map((m) => m.ms)) / 1000, `runs ${moves.map((m) => m.ms).join(', ')} ms; of which the stop agents ran ${moves.map((m) => m.stopAgentsMs ?? '?').join(', ')} ms`);
    // The same move less the stop agents' run time: what the stack itself (command, CIB,
    // scheduler, messages, executor) and the VIP's start up to its address took.
    const beyond = moves.filter((m) => m.stopAgentsMs !== undefined).map((m) => m.ms - m.stopAgentsMs!);
    if (beyond.length) put('crm_resource --move, less the stop agents\' run time', impl, median(beyond) / 1000, `runs ${beyond.join(', ')} ms`);
    for (const clients of [1, 4]) {
      const sig = stackSignature(s);
      const per = impl === OURS ? (quick ? 4000 : 8000) / clients : (quick ? 100 : 800) / clients;
      const t = await cibThroughput(s, clients, per, `c${clients}x`);
      const evicted = stackSignature(s) !== sig;
      put(`CIB modify, ${clients} persistent client${clients > 1 ? 's' : ''}, 3 nodes`, impl, t.rate, `${t.how}; ${clients * per} updates, ${t.lost} missing on some node${evicted ? ', a daemon was evicted or respawned' : ', no daemon evicted or respawned'}`);
    }
    const offs: Array<{ vip: number; http: number }> = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) offs.push(await powerOffOnce(s));
    put('power-off → VIP up on a survivor', impl, median(offs.map((o) => o.vip)) / 1000, `runs ${offs.map((o) => o.vip).join(', ')} ms`);
    put('power-off → HTTP 200 on the VIP', impl, median(offs.map((o) => o.http)) / 1000, `runs ${offs.map((o) => o.http).join(', ')} ms`);
  } catch (e) {
    // (What was measured is still reported; the benchmark fails.)
    failed = true;
    console.error(`${impl}: ${(e as Error).message}`);
    for (const n of s.cluster.nodes as HarnessNode[]) {
      console.error(`--- ${n.name}: ${String((await s.tool(n, 'crm_mon', '-1').catch(() => ({ out: '(down)' }))).out)}`);
      if (process.env.HBTS_BENCH_DEBUG) console.error(String((await n.exec('sh', ['-c', 'hostname; ps -eo pid,comm | head -0; tail -n 5 /var/log/heartbeat-ts/pacemakerd.out /var/log/heartbeat-ts/corosync.out; grep -v KNET /var/log/corosync.log | tail -n 8; tail -n 15 /var/log/pacemaker/pacemaker.log'])).stdout));
    }
  } finally {
    await s.cluster.stop();
  }
}

const units: Record<string, [string, 'lower' | 'higher']> = {
  'start → 3 nodes online': ['s', 'lower'],
  'idle RSS per node': ['MB', 'lower'],
  'idle CPU per node': ['% of a core', 'lower'],
  'crm_resource --move of VIP+Dummy → VIP up on the target': ['s', 'lower'],
  'crm_resource --move, less the stop agents\' run time': ['s', 'lower'],
  'CIB modify, 1 persistent client, 3 nodes': ['updates/s', 'higher'],
  'CIB modify, 4 persistent clients, 3 nodes': ['updates/s', 'higher'],
  'power-off → VIP up on a survivor': ['s', 'lower'],
  'power-off → HTTP 200 on the VIP': ['s', 'lower'],
};
for (const [k, v] of Object.entries(results)) {
  const [unit, better] = units[k]!;
  const ours = v[OURS];
  const base = v[PCMK];
  const ratio = base === undefined || ours === undefined || ours === 0 ? undefined : better === 'lower' ? base / ours : ours / base;
  report({ bench: 'crm', case: k, value: ours, unit, ...(base !== undefined ? { baseline: base, baselineName: 'Pacemaker+Corosync (token 1000)' } : {}), ...(ratio !== undefined ? { ratio } : {}), ...(notes[k] ? { note: notes[k]!.join('; ') } : {}) });
}
if (failed) process.exit(1);
