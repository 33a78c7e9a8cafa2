/**
 * Debian's IPaddr2 (the OCF agent and heartbeat's resource.d wrapper of it) through the
 * executor daemon on real nodes in network namespaces: the address appears on one node only,
 * answers pings from the other, a recurring monitor reports it gone when someone removes it.
 */
import { cpSync, existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimePaths } from '@heartbeat-ts/cluster-glue';
import { Cluster, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { connectExecutor, type ExecutorClient } from '../../src/client.js';
import type { WireOpRecord } from '../../src/protocol.js';

let cluster: Cluster;
let n1: ExecutorClient;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (network namespaces): run them as root, as CI does');
  if (!existsSync('/etc/ha.d/resource.d/IPaddr2')) throw new Error('this test runs heartbeat:IPaddr2: install the Debian package heartbeat');
  if (!existsSync('/usr/lib/ocf/resource.d/heartbeat/IPaddr2')) throw new Error('this test runs ocf:heartbeat:IPaddr2: install the Debian package resource-agents');
  const execd = resolveBin('@heartbeat-ts/executor', 'hbts-execd');
  cluster = await Cluster.start({
    mode: 'netns',
    nodes: 2,
    // /etc/ha.d is private to each node: give it the heartbeat package's scripts.
    setup: (n) => cpSync('/etc/ha.d', n.path('/etc/ha.d'), { recursive: true }),
    daemons: () => [{ name: 'executor', command: process.execPath, args: [execd] }],
  });
  for (const n of cluster.nodes) await waitFor(`executor on ${n.name}`, () => existsSync(n.socket('executor')), { timeoutMs: 10_000 });
  n1 = await connectExecutor({ ...runtimePaths({ root: '/' }), runDir: cluster.node('n1').path('/run/heartbeat-ts') }, { timeoutMs: 60_000 });
});
afterAll(async () => {
  n1?.close();
  await cluster?.stop();
});

const addrs = async (node: string) => (await cluster.node(node).exec('ip', ['-o', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout;
const haExec = (node: string, ...args: string[]) => cluster.node(node).exec(process.execPath, [resolveBin('@heartbeat-ts/executor', 'ha-exec'), ...args], { timeoutMs: 60_000 });

describe('IPaddr2 through the executor in network namespaces (root)', () => {
  it('ocf:heartbeat:IPaddr2: start, ping from the peer, recurring monitor sees it removed, stop', async () => {
    const vip = '10.250.0.100';
    const params = { ip: vip, cidr_netmask: '24', nic: 'eth0' };
    const op = (action: string, interval = 0) => n1.request('exec', { rsc: 'vip', agent: 'ocf:heartbeat:IPaddr2', action, params, interval });
    expect((await op('monitor')).rc).toBe(7);
    const start = await op('start');
    expect(start, start.output).toMatchObject({ rc: 0, status: 'done' });
    expect(await addrs('n1')).toContain(`${vip}/24`);
    expect(await addrs('n2')).not.toContain(vip);
    expect((await cluster.node('n2').exec('ping', ['-c', '3', '-W', '2', vip])).exitCode).toBe(0);

    const events: WireOpRecord[] = [];
    await n1.subscribe('op', (e) => e.rsc === 'vip' && events.push(e));
    expect((await op('monitor', 500)).rc).toBe(0);
    await cluster.node('n1').exec('ip', ['addr', 'del', `${vip}/24`, 'dev', 'eth0']);
    await waitFor('the monitor reports the address gone', () => events.some((e) => e.key === 'vip_monitor_500' && e.rc === 7), { timeoutMs: 5000 });
    expect((await n1.request('cancel', { rsc: 'vip', action: 'monitor', interval: 500 })).cancelled).toBe(true);
    expect((await op('start')).rc).toBe(0);
    expect(await addrs('n1')).toContain(vip);
    expect((await op('stop')).rc).toBe(0);
    expect(await addrs('n1')).not.toContain(vip);
    expect((await op('monitor')).rc).toBe(7);
  });

  it("heartbeat:IPaddr2 (heartbeat's v1 script, positional argument) through ha-exec on the node", async () => {
    const vip = '10.250.0.101';
    const run = (action: string) => haExec('n2', 'run', 'heartbeat:IPaddr2', action, '--rsc', 'vip2', '--param', `1=${vip}/24/eth0`);
    expect((await run('monitor')).exitCode).toBe(7);
    const started = await run('start');
    expect(started.exitCode, started.stdout + started.stderr).toBe(0);
    expect(await addrs('n2')).toContain(vip);
    expect((await run('monitor')).exitCode).toBe(0);
    expect((await cluster.node('n1').exec('ping', ['-c', '3', '-W', '2', vip])).exitCode).toBe(0);
    expect((await run('stop')).exitCode).toBe(0);
    expect(await addrs('n2')).not.toContain(vip);
  });
});
