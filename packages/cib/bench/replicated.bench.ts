/**
 * Replicated CIB updates: 3 loopback nodes running heartbeat and `hbts-cib --replicate`;
 * modify throughput through a persistent client on the master and on another node (whose
 * updates go through the master). Each update is on the master's disk and broadcast before
 * its answer.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { IpcClient, report } from '@heartbeat-ts/cluster-glue';
import { Cluster, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { HeartbeatProtocol } from '@heartbeat-ts/heartbeat';
import { CibProtocol } from '../src/protocol.js';

const quick = process.env.HBTS_BENCH_QUICK === '1';
const hbMain = resolveBin('@heartbeat-ts/heartbeat', 'heartbeat');
const cibMain = resolveBin('@heartbeat-ts/cib', 'hbts-cib');

const cluster = await Cluster.start({
  mode: 'loopback',
  nodes: 3,
  setup: (node) => {
    const all = node.cluster.nodes;
    writeFileSync(node.path('/etc/ha.d/ha.cf'), `keepalive 100ms\ndeadtime 500ms\ninitdead 2\nudpport 7694\nucast lo ${all.map((n) => n.address).join(' ')}\n${all.map((n) => `node ${n.name}`).join('\n')}\ncrm off\n`);
    writeFileSync(node.path('/etc/ha.d/authkeys'), 'auth 1\n1 sha1 bench\n');
    chmodSync(node.path('/etc/ha.d/authkeys'), 0o600);
  },
  daemons: (node) => [
    { name: 'heartbeat', command: process.execPath, args: [hbMain, '-f', '--bind', node.address] },
    { name: 'cib', command: process.execPath, args: [cibMain, '--replicate'] },
  ],
});
try {
  const connect = (i: number) => IpcClient.connect(CibProtocol, { path: cluster.nodes[i]!.socket('cib'), timeoutMs: 15_000 });
  await waitFor('3 replicated CIBs', async () => {
    for (let i = 0; i < 3; i++) (await connect(i)).close();
    return true;
  }, { timeoutMs: 15_000 });
  // Every node agrees on the three members (so all agree on the master) before measuring.
  await waitFor('an agreed 3-node membership', async () => {
    for (const n of cluster.nodes) {
      const h = await IpcClient.connect(HeartbeatProtocol, { path: n.socket('heartbeat'), name: 'bench', connectTimeoutMs: 2000, timeoutMs: 3000 });
      try {
        if ((await h.request('membership', {})).members.join() !== cluster.nodes.map((x) => x.name).join()) return false;
      } finally {
        h.close();
      }
    }
    return true;
  }, { timeoutMs: 20_000 });
  const c0 = await connect(0);
  await c0.request('create', { section: 'resources', xml: '<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="d-meta"><nvpair id="d-target" name="target-role" value="Started"/></meta_attributes></primitive>' });
  c0.close();
  for (const [label, node] of [['on the master', 0], ['on another node (through the master)', 1]] as const) {
    const c = await connect(node);
    const n = quick ? 20 : 200;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await c.request('modify', { xml: `<nvpair id="d-target" value="${label.length}-${i}"/>` });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    c.close();
    report({ bench: 'cib', case: `replicated modify, 3 nodes, 1 client ${label}`, value: n / secs, unit: 'updates/s' });
  }
} finally {
  await cluster.stop();
}
