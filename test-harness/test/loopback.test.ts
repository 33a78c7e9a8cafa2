import { afterEach, describe, expect, it } from 'vitest';
import { beaconCluster, beaconStatus, type Cluster, waitFor } from '../src/index.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const view = async (c: Cluster, name: string) =>
  Object.fromEntries((await beaconStatus(c.node(name))).peers.map((p) => [p.name, p.state]));

describe('test harness, loopback mode (no root)', () => {
  it('runs a 3-node cluster of real daemons, detects a killed node, restarts it, and leaves nothing behind', async () => {
    cluster = await beaconCluster({ mode: 'loopback', nodes: 3, keepaliveMs: 50, deadtimeMs: 300 });
    const c = cluster;
    for (const n of c.nodes) {
      await waitFor(`${n.name} to see every peer up`, async () => Object.values(await view(c, n.name)).every((s) => s === 'up'));
    }
    // Each node is its own process with its own root directory.
    const pids = c.nodes.map((n) => n.pids());
    expect(pids.every((p) => p.length === 1)).toBe(true);
    expect(new Set(pids.flat()).size).toBe(3);

    c.killNode('n3');
    await waitFor('n1 and n2 to declare n3 dead', async () => (await view(c, 'n1')).n3 === 'dead' && (await view(c, 'n2')).n3 === 'dead', { timeoutMs: 3000 });
    expect(c.node('n3').pids()).toEqual([]);
    expect((await view(c, 'n1')).n2).toBe('up');

    await c.startNode('n3');
    await waitFor('n3 back up everywhere', async () => (await view(c, 'n1')).n3 === 'up' && Object.values(await view(c, 'n3')).every((s) => s === 'up'));

    await c.stop();
    expect(c.leftovers()).toEqual({ namespaces: [], pids: [] });
  });

  it('refuses netns-only faults on loopback with a clear error', async () => {
    cluster = await beaconCluster({ mode: 'loopback', nodes: 2 });
    await expect(cluster.cutLink('n1')).rejects.toThrow(/needs the netns mode/);
  });
});
