#!/usr/bin/env node
/**
 * The main job: a local 3-node cluster on loopback (no root). Each node is a directory and real
 * daemons talking over UDP and Unix sockets: heartbeat (ours) with `crm respawn`, which starts
 * the CRM — the replicated CIB, the executor, the scheduler, the attribute daemon and the
 * controller. Two resources are configured in the CIB, as an operator would with cibadmin:
 * `web` (preferring n1) and `db` (preferring n2), our OCF Dummy agent with a monitor. Kill a
 * node's heartbeat and watch the DC move its resource; Ctrl-C stops everything.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { IpcClient } from '@heartbeat-ts/cluster-glue/client';
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { HeartbeatProtocol } from '@heartbeat-ts/heartbeat';
import { buildWorkingSet } from '@heartbeat-ts/pengine/working-set';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { Cluster, type HarnessNode, resolveBin, waitFor } from '@heartbeat-ts/test-harness';

const RESOURCES = [
  { name: 'web', home: 'n1' },
  { name: 'db', home: 'n2' },
];
const secret = randomBytes(16).toString('hex');
const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d`;

function setup(node: HarnessNode): void {
  const c = node.cluster;
  const etc = node.path('/etc/ha.d');
  writeFileSync(
    join(etc, 'ha.cf'),
    [
      'keepalive 200ms',
      'deadtime 1',
      'initdead 3',
      'udpport 7694',
      `ucast lo ${c.nodes.map((n) => n.address).join(' ')}`,
      ...c.nodes.map((n) => `node ${n.name}`),
      'crm respawn',
      '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'authkeys'), `auth 1\n1 sha1 ${secret}\n`);
  chmodSync(join(etc, 'authkeys'), 0o600);
}

const heartbeat = resolveBin('@heartbeat-ts/heartbeat', 'heartbeat');
const cluster = await Cluster.start({
  mode: 'loopback',
  nodes: 3,
  setup,
  daemons: (node) => [{ name: 'heartbeat', command: process.execPath, args: [heartbeat, '-f', '--bind', node.address, '--crm-command', crm] }],
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the cluster...');
  await cluster.stop();
  console.log('stopped; nothing left behind');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

console.log(`heartbeat-ts demo: 3-node cluster ${cluster.id} on loopback`);
for (const n of cluster.nodes) console.log(`  ${n.name}  ${n.address}  root ${n.dir}`);
console.log('Each node runs heartbeat (keepalive 200 ms, deadtime 1 s) with crm respawn: the CIB, executor, scheduler, attribute daemon and controller.');

/** A request to a node's CIB daemon (undefined while it is not up). */
async function withCib<T>(n: HarnessNode, fn: (c: Awaited<ReturnType<typeof connectCib>>) => Promise<T>): Promise<T | undefined> {
  let c;
  try {
    c = await connectCib('hbts-demo', n.root);
    return await fn(c);
  } catch {
    return undefined;
  } finally {
    c?.close();
  }
}

// The configuration, as an operator writes it (cibadmin): no fencing on one machine, two resources.
const n1 = cluster.node('n1');
await waitFor('the CIB daemons', async () => (await withCib(n1, async () => true)) === true, { timeoutMs: 30_000 });
await withCib(n1, async (c) => {
  await c.request('modify', { xml: '<cib><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config></configuration></cib>' });
  for (const r of RESOURCES) {
    await c.request('create', { section: 'resources', xml: `<primitive id="${r.name}" class="ocf" provider="heartbeat-ts" type="Dummy"><operations><op id="${r.name}-mon" name="monitor" interval="2s" timeout="10s"/></operations></primitive>` });
    await c.request('create', { section: 'constraints', xml: `<rsc_location id="${r.name}-prefers-${r.home}" rsc="${r.name}" node="${r.home}" score="100"/>` });
  }
});
console.log(`Resources (in the CIB): ${RESOURCES.map((r) => `${r.name} prefers ${r.home}`).join(', ')} — ocf:heartbeat-ts:Dummy, monitored every 2 s.`);
console.log("In another terminal: kill -9 a node's heartbeat pid (below) and watch the DC move its resource; crm_mon -1 --root DIR shows a node's view; Ctrl-C here stops everything.\n");

async function membership(n: HarnessNode): Promise<string> {
  let c;
  try {
    c = await IpcClient.connect(HeartbeatProtocol, { path: n.socket('heartbeat'), name: 'hbts-demo', connectTimeoutMs: 500, timeoutMs: 1000 });
    const r = await c.request('nodes', {});
    return r.nodes.map((x) => `${x.name}=${x.status}`).join(' ');
  } catch {
    return 'down';
  } finally {
    c?.close();
  }
}

async function dcOf(n: HarnessNode): Promise<string> {
  let c;
  try {
    c = await connectController('hbts-demo', n.root);
    return (await c.request('status', {})).dc ?? 'none';
  } catch {
    return '-';
  } finally {
    c?.close();
  }
}

/** Where the node's CIB says each resource runs. */
async function placement(n: HarnessNode): Promise<string> {
  const xml = await withCib(n, async (c) => (await c.request('query', {})).xml);
  if (!xml) return '-';
  const ws = buildWorkingSet(Cib.parse(xml, 'the live CIB'));
  return RESOURCES.map((r) => `${r.name}@${[...(ws.byId.get(r.name)?.active.keys() ?? [])].join('+') || 'stopped'}`).join(' ');
}

let last = '';
for (;;) {
  if (stopping) break;
  const lines: string[] = [];
  for (const n of cluster.nodes) {
    const pid = n.procs[0]?.pid;
    lines.push(`${n.name} (heartbeat pid ${pid ?? '-'}) sees: ${await membership(n)}   DC: ${await dcOf(n)}   CIB: ${await placement(n)}`);
  }
  const view = lines.join('\n');
  if (view !== last) {
    console.log(`[${new Date().toISOString().slice(11, 19)}]\n${view}\n`);
    last = view;
  }
  await new Promise((r) => setTimeout(r, 500));
}
