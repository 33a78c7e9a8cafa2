import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, waitFor } from '@heartbeat-ts/test-harness';
import { clStatus, hb, heartbeatCluster, view } from './hb-cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});
beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (network namespaces): run them as root, as CI does');
});

const allActive = async (c: Cluster, name: string) => Object.values(await view(c.node(name))).every((s) => s === 'active');

describe('heartbeat in network namespaces (root)', () => {
  it('3 nodes, 2 links each: power-off, a cut link, a partition and its healing', async () => {
    cluster = await heartbeatCluster({ mode: 'netns', nodes: 3, links: 2, keepalive: '100ms', deadtime: '500ms' });
    const c = cluster;
    for (const n of c.nodes) await waitFor(`${n.name} sees all active`, () => allActive(c, n.name), { timeoutMs: 5000 });
    expect((await clStatus(c.node('n1'), 'listhblinks', 'n2')).stdout.split('\n').map((s) => s.trim())).toEqual(['eth0', 'eth1']);

    // One link of n2 cut: the link is dead, the node is not.
    await c.cutLink('n2', 'eth1');
    await waitFor('n2 eth1 dead on n1', async () => (await clStatus(c.node('n1'), 'hblinkstatus', 'n2', 'eth1')).stdout === 'dead', { timeoutMs: 3000 });
    expect(await clStatus(c.node('n1'), 'hblinkstatus', 'n2', 'eth0')).toEqual({ stdout: 'up', exitCode: 0 });
    expect(await clStatus(c.node('n1'), 'nodestatus', 'n2')).toEqual({ stdout: 'active', exitCode: 0 });
    await c.restoreLink('n2', 'eth1');
    await waitFor('n2 eth1 up again', async () => (await clStatus(c.node('n1'), 'hblinkstatus', 'n2', 'eth1')).stdout === 'up', { timeoutMs: 3000 });

    // Power n3 off: dead within deadtime (+ a keepalive).
    const watcher = await hb(c.node('n1'));
    let deadAt = 0;
    await watcher.subscribe('node-status', (e) => {
      if (e.node === 'n3' && e.status === 'dead') deadAt = Date.now();
    });
    const t0 = Date.now();
    await c.powerOff('n3');
    await waitFor('n3 dead on n1', () => deadAt > 0, { timeoutMs: 3000, intervalMs: 5 });
    expect(deadAt - t0).toBeLessThan(500 + 100 + 250);
    await c.startNode('n3');
    await waitFor('n3 back', async () => (await view(c.node('n1'))).n3 === 'active', { timeoutMs: 5000 });

    // Partition n3 (both cables): each side declares the other dead; n3 alone has no quorum.
    const before = (await watcher.request('membership', {})).generation;
    await c.cutLink('n3');
    await waitFor('partition seen on both sides', async () => (await view(c.node('n1'))).n3 === 'dead' && (await view(c.node('n3'))).n1 === 'dead', { timeoutMs: 3000 });
    const lonely = await hb(c.node('n3'));
    expect(await lonely.request('membership', {})).toMatchObject({ members: ['n3'], quorum: false });
    expect(await watcher.request('membership', {})).toMatchObject({ members: ['n1', 'n2'], quorum: true });
    await c.restoreLink('n3');
    await waitFor('partition healed', async () => (await allActive(c, 'n1')) && (await allActive(c, 'n3')), { timeoutMs: 5000 });
    const after = await watcher.request('membership', {});
    expect(after.members).toEqual(['n1', 'n2', 'n3']);
    expect(after.generation).toBeGreaterThan(before);

    // Partition n1, the membership's leader: its peers are declared dead one by one, but it never
    // delivers a view with some of them and quorum (a DC there could fence a node of the
    // majority): it goes from all three to itself alone.
    const views: { members: string[]; quorum: boolean }[] = [];
    await watcher.subscribe('membership', (m) => views.push({ members: m.members, quorum: m.quorum }));
    await c.cutLink('n1');
    await waitFor('n1 alone', async () => views.some((v) => v.members.length === 1), { timeoutMs: 3000, intervalMs: 20 });
    expect(views).toEqual([{ members: ['n1'], quorum: false }]);
    await c.restoreLink('n1');
    await waitFor('healed again', async () => (await allActive(c, 'n1')) && (await allActive(c, 'n2')), { timeoutMs: 5000 });
    lonely.close();
    watcher.close();
  });

  it('mixed cluster: real heartbeat 3.0.6 and ours see each other, and each notices the other die and return', async () => {
    cluster = await heartbeatCluster({ mode: 'netns', nodes: 2, real: ['n1'], keepalive: '200ms', deadtime: '1', initdead: '10' });
    const c = cluster;
    const [real, ours] = [c.node('n1'), c.node('n2')];
    await waitFor('real heartbeat sees ours active', async () => (await clStatus(real, '--real', 'nodestatus', 'n2')).stdout === 'active', { timeoutMs: 15_000 });
    await waitFor('ours sees real heartbeat active', async () => (await clStatus(ours, 'nodestatus', 'n1')).stdout === 'active', { timeoutMs: 5000 });
    expect(await clStatus(real, '--real', 'nodestatus', 'n1')).toEqual({ stdout: 'active', exitCode: 0 });
    expect((await clStatus(real, '--real', 'listnodes')).stdout.split('\n').sort()).toEqual(['n1', 'n2']);

    // Kill ours: the real one declares it dead within its deadtime.
    const t0 = Date.now();
    c.killNode('n2');
    await waitFor('real heartbeat declares ours dead', async () => (await clStatus(real, '--real', 'nodestatus', 'n2')).stdout === 'dead', { timeoutMs: 5000, intervalMs: 50 });
    expect(Date.now() - t0).toBeLessThan(1000 + 1000);
    await c.startNode('n2');
    await waitFor('real heartbeat sees ours again', async () => (await clStatus(real, '--real', 'nodestatus', 'n2')).stdout === 'active', { timeoutMs: 10_000 });

    // Kill the real one: ours declares it dead after the deadtime it announces (heartbeat 3
    // announces deadtime + 2 s during its first 5 s), and sees it come back.
    const x0 = await hb(ours);
    const announced = (await x0.request('node', { name: 'n1' })).deadtimeMs;
    x0.close();
    expect([1000, 3000]).toContain(announced);
    const t1 = Date.now();
    c.killNode('n1');
    await waitFor('ours declares the real heartbeat dead', async () => (await clStatus(ours, 'nodestatus', 'n1')).stdout === 'dead', { timeoutMs: 6000, intervalMs: 20 });
    expect(Date.now() - t1).toBeLessThan(announced + 500);
    await c.startNode('n1');
    await waitFor('ours sees the real heartbeat again', async () => (await clStatus(ours, 'nodestatus', 'n1')).stdout === 'active', { timeoutMs: 15_000 });
    // No packet of the real heartbeat was rejected by ours.
    const x = await hb(ours);
    expect((await x.request('status', {})).badPackets).toEqual({});
    x.close();
    const realLog = (await real.exec('cat', ['/var/log/ha-log'])).stdout;
    expect(realLog).not.toMatch(/failed authentication|bad node|Bad\/invalid auth/);
  });

  for (const [kind, line] of [
    ['bcast', 'bcast eth0'],
    ['mcast', 'mcast eth0 225.0.0.7 694 1 0'],
  ] as const) {
    it(`${kind} media: 3 nodes see each other and notice a power-off`, async () => {
      cluster = await heartbeatCluster({ mode: 'netns', nodes: 3, media: () => [line] });
      const c = cluster;
      for (const n of c.nodes) await waitFor(`${n.name} sees all active over ${kind}`, () => allActive(c, n.name), { timeoutMs: 5000 });
      await c.powerOff('n2');
      await waitFor(`n2 dead over ${kind}`, async () => (await view(c.node('n1'))).n2 === 'dead' && (await view(c.node('n3'))).n2 === 'dead', { timeoutMs: 3000 });
    });
  }
});
