import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { clStatus, heartbeatCluster, markerHolders } from './hb-cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('haresources mode (crm off), 3 nodes on loopback', () => {
  it('groups start on their nodes, move to the next live node when one dies, and fail back (auto_failback on)', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 3, haresources: 'n1 Marker::a\nn2 Marker::b\n' });
    const c = cluster;
    await waitFor('a on n1 and b on n2', () => markerHolders(c, 'a').join() === 'n1' && markerHolders(c, 'b').join() === 'n2', { timeoutMs: 8000 });
    expect((await clStatus(c.node('n3'), 'rscstatus')).stdout).toBe('none');
    expect((await clStatus(c.node('n1'), 'rscstatus')).stdout).toBe('local');

    c.killNode('n1');
    // A powered-off node keeps its files: the marker on n1 is stale, the group must come up on n2.
    await waitFor('a taken over by n2', () => markerHolders(c, 'a').includes('n2'), { timeoutMs: 3000 });
    expect(markerHolders(c, 'a')).toEqual(['n1', 'n2']);
    expect((await clStatus(c.node('n2'), 'rscstatus')).stdout).toBe('all');
    expect(markerHolders(c, 'b')).toEqual(['n2']);

    await c.startNode('n1');
    // n1's Marker::a status says "running" (stale file) so it does not start it again; n2 gives it back.
    await waitFor('a back on n1 only', () => markerHolders(c, 'a').join() === 'n1', { timeoutMs: 8000 });
    expect((await clStatus(c.node('n2'), 'rscstatus')).stdout).toBe('local');

    // Standby on n2 hands b to the next live node (n3).
    const r = await c.node('n2').exec(process.execPath, [resolveBin('@heartbeat-ts/heartbeat', 'hb_standby')]);
    expect(r.exitCode).toBe(0);
    await waitFor('b on n3', () => markerHolders(c, 'b').join() === 'n3', { timeoutMs: 5000 });
  });
});
