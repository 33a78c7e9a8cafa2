import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, type HarnessNode, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { heartbeatCluster, hb } from '../../../heartbeat/test/cluster/hb-cluster.js';

let cluster: Cluster | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const n of cluster?.nodes ?? []) console.error(`--- ${n.name}\n${(n.logs()['cib.log'] ?? '').split('\n').slice(-15).join('\n')}`);
  await cluster?.stop();
  cluster = undefined;
});

const cibadmin = async (n: HarnessNode, ...args: string[]) => {
  const r = await n.exec(process.execPath, [resolveBin('@heartbeat-ts/cib', 'cibadmin'), ...args]);
  return { out: String(r.stdout), code: r.exitCode };
};
const version = (xml: string) => /admin_epoch="(\d+)" epoch="(\d+)" num_updates="(\d+)"/.exec(xml)?.slice(1).join('.');
const resources = async (n: HarnessNode) => [...(await cibadmin(n, '-Q', '-o', 'resources')).out.matchAll(/primitive id="([^"]+)"/g)].map((m) => m[1]).sort();

const members = async (n: HarnessNode) => {
  const x = await hb(n);
  try {
    return (await x.request('membership', {})).members.join();
  } finally {
    x.close();
  }
};

/** Three nodes running heartbeat and a replicating cib daemon, all members and answering. */
async function cibCluster(mode: 'loopback' | 'netns'): Promise<[Cluster, [HarnessNode, HarnessNode, HarnessNode]]> {
  cluster = await heartbeatCluster({
    mode,
    nodes: 3,
    extraDaemons: () => [{ name: 'cib', command: process.execPath, args: [resolveBin('@heartbeat-ts/cib', 'hbts-cib'), '--replicate'] }],
  });
  for (const n of cluster.nodes) await waitFor(`${n.name}: 3 members and its CIB answers`, async () => (await members(n)) === 'n1,n2,n3' && (await cibadmin(n, '-Q')).code === 0, { timeoutMs: 20_000 });
  return [cluster, cluster.nodes as [HarnessNode, HarnessNode, HarnessNode]];
}

describe('CIB replication over heartbeat (3 nodes, loopback)', () => {
  it('updates on any node reach every node through the master; a returning node converges to the higher version', async () => {
    const [c, [n1, n2, n3]] = await cibCluster('loopback');
    // An update on a node that is not the master (n1 is) goes through n1 and reaches everyone.
    expect((await cibadmin(n2, '-C', '-o', 'resources', '-X', '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>')).code).toBe(0);
    for (const n of c.nodes) await waitFor(`${n.name} has d1`, async () => (await resources(n)).join() === 'd1', { timeoutMs: 3000 });
    expect((await cibadmin(n3, '-C', '-o', 'resources', '-X', '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>')).code).toBe(108);
    expect((await cibadmin(n3, '-M', '-X', '<primitive id="d1" description="from n3"/>')).code).toBe(0);
    const v = version((await cibadmin(n1, '-Q')).out);
    for (const n of c.nodes) await waitFor(`${n.name} at ${v}`, async () => version((await cibadmin(n, '-Q')).out) === v, { timeoutMs: 3000 });

    // The master dies: n2 takes over; updates go on.
    c.killNode('n1');
    await waitFor('n2 and n3 without n1', async () => (await members(n2)) === 'n2,n3', { timeoutMs: 5000 });
    expect((await cibadmin(n3, '-C', '-o', 'resources', '-X', '<primitive id="d2" class="ocf" provider="heartbeat" type="Dummy"/>')).code).toBe(0);
    await waitFor('d2 on n2', async () => (await resources(n2)).join() === 'd1,d2', { timeoutMs: 3000 });

    // n1 returns with its older CIB and is master again: the higher version wins everywhere.
    await c.startNode('n1');
    for (const n of c.nodes) await waitFor(`${n.name} converged with d2`, async () => (await resources(n)).join() === 'd1,d2', { timeoutMs: 10_000 });
    const versions = await Promise.all(c.nodes.map(async (n) => version((await cibadmin(n, '-Q')).out)));
    expect(new Set(versions).size).toBe(1);
  });

  it('netns: a partition and its healing — every update acknowledged on the majority side survives, all converge', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces): run the tests as root, as CI does');
    const [c, [n1, n2, n3]] = await cibCluster('netns');
    expect((await cibadmin(n1, '-C', '-o', 'resources', '-X', '<primitive id="before" class="lsb" type="x"/>')).code).toBe(0);
    await waitFor('n3 has it', async () => (await resources(n3)).join() === 'before', { timeoutMs: 3000 });

    await c.cutLink('n3');
    await waitFor('partition seen', async () => (await members(n1)) === 'n1,n2' && (await members(n3)) === 'n3', { timeoutMs: 5000 });
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      const n = i % 2 ? n2 : n1;
      if ((await cibadmin(n, '-C', '-o', 'resources', '-X', `<primitive id="during${i}" class="lsb" type="x"/>`)).code === 0) acked.push(`during${i}`);
    }
    expect(acked).toHaveLength(5);
    expect(await resources(n3)).toEqual(['before']);

    await c.restoreLink('n3');
    const want = ['before', ...acked].sort().join();
    for (const n of c.nodes) await waitFor(`${n.name} converged`, async () => (await resources(n)).join() === want, { timeoutMs: 10_000 });
    const versions = await Promise.all(c.nodes.map(async (n) => version((await cibadmin(n, '-Q')).out)));
    expect(new Set(versions).size).toBe(1);
  });
});
