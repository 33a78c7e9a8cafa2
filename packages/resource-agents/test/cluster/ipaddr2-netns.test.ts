/**
 * Our IPaddr2 on real nodes in network namespaces, run by the executor daemon: the address
 * moves from n1 to n2 and n3's ARP cache follows at once (unsolicited ARP, not a re-resolve);
 * Debian's ocf-tester passes it inside a node.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimePaths } from '@heartbeat-ts/cluster-glue';
import { connectExecutor, type ExecutorClient } from '@heartbeat-ts/executor';
import { Cluster, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { resourceDir } from '../../src/index.js';

let cluster: Cluster;
const clients: Record<string, ExecutorClient> = {};
const VIP = '10.250.0.100';

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (network namespaces): run them as root, as CI does');
  const execd = resolveBin('@heartbeat-ts/executor', 'hbts-execd');
  cluster = await Cluster.start({
    mode: 'netns',
    nodes: 3,
    daemons: () => [{ name: 'executor', command: process.execPath, args: [execd, '--ocf-ra-path', `${resourceDir()}:/usr/lib/ocf/resource.d`] }],
  });
  for (const n of cluster.nodes) {
    await waitFor(`executor on ${n.name}`, () => existsSync(n.socket('executor')), { timeoutMs: 10_000 });
    clients[n.name] = await connectExecutor({ ...runtimePaths({ root: '/' }), runDir: n.path('/run/heartbeat-ts') }, { timeoutMs: 60_000 });
  }
});
afterAll(async () => {
  for (const c of Object.values(clients)) c.close();
  await cluster?.stop();
});

const vip = (node: string, action: string) => clients[node]!.request('exec', { rsc: 'vip', agent: 'ocf:heartbeat-ts:IPaddr2', action, params: { ip: VIP } });
const mac = async (node: string) => (await cluster.node(node).exec('cat', ['/sys/class/net/eth0/address'])).stdout.trim();
const neighbour = async (node: string) => (await cluster.node(node).exec('ip', ['neigh', 'show', VIP, 'dev', 'eth0'])).stdout;

describe('ocf:heartbeat-ts:IPaddr2 in network namespaces (root)', () => {
  it('moves between nodes; unsolicited ARP updates the third node’s cache', async () => {
    expect((await vip('n1', 'monitor')).rc).toBe(7);
    const s = await vip('n1', 'start');
    expect(s, s.output).toMatchObject({ rc: 0 });
    // nic and prefix came from the connected route.
    expect((await cluster.node('n1').exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout).toContain(`${VIP}/24`);
    expect((await cluster.node('n3').exec('ping', ['-c', '3', '-W', '2', VIP])).exitCode).toBe(0);
    expect(await neighbour('n3')).toContain(await mac('n1'));

    expect((await vip('n1', 'stop')).rc).toBe(0);
    expect((await vip('n2', 'start')).rc).toBe(0);
    expect((await vip('n1', 'monitor')).rc).toBe(7);
    expect((await vip('n2', 'monitor')).rc).toBe(0);
    const n2mac = await mac('n2');
    // n3 sends nothing to the address: only the announcement can have changed its entry.
    await waitFor('n3 learns the new MAC from the announcement', async () => (await neighbour('n3')).includes(n2mac), { timeoutMs: 3000 });
    expect((await cluster.node('n3').exec('ping', ['-c', '3', '-W', '2', VIP])).exitCode).toBe(0);
    expect((await vip('n2', 'stop')).rc).toBe(0);
  });

  it("passes Debian's ocf-tester inside a node", async () => {
    if (!existsSync('/usr/sbin/ocf-tester')) throw new Error('ocf-tester is missing: install the Debian package resource-agents');
    const r = await cluster.node('n1').exec('ocf-tester', ['-n', 'vip-t', '-o', 'ip=10.250.0.150', join(resourceDir(), 'heartbeat-ts/IPaddr2')], { env: { OCF_ROOT: '/usr/lib/ocf' }, timeoutMs: 120_000 });
    expect(r.exitCode, `${r.stdout}${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('passed all tests');
  });
});
