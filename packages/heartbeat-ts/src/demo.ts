#!/usr/bin/env node
/**
 * The main job, for now: a local 3-node cluster on loopback (no root). Each node is a
 * directory and a set of real daemons — heartbeat (ours, `crm off`, haresources), the CIB
 * replicated over heartbeat, and the executor — talking over UDP and Unix sockets. Two
 * resources, `web` (preferring n1) and `db` (preferring n2), are our OCF Dummy agent, started
 * by heartbeat's v1 resource manager through the executor. Kill a node's heartbeat and watch
 * its resource move; Ctrl-C stops everything.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { IpcClient } from '@heartbeat-ts/cluster-glue';
import { HeartbeatProtocol } from '@heartbeat-ts/heartbeat';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { Cluster, type HarnessNode, resolveBin } from '@heartbeat-ts/test-harness';

const RESOURCES = [
  { name: 'web', home: 'n1' },
  { name: 'db', home: 'n2' },
];
const secret = randomBytes(16).toString('hex');
const haExec = resolveBin('@heartbeat-ts/executor', 'ha-exec');

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
      'crm off',
      'auto_failback on',
      '',
    ].join('\n'),
  );
  writeFileSync(join(etc, 'authkeys'), `auth 1\n1 sha1 ${secret}\n`);
  chmodSync(join(etc, 'authkeys'), 0o600);
  writeFileSync(join(etc, 'haresources'), RESOURCES.map((r) => `${r.home} DemoService::${r.name}\n`).join(''));
  mkdirSync(join(etc, 'resource.d'), { recursive: true });
  const state = join(node.dir, 'var/lib/heartbeat-ts');
  // heartbeat's v1 resource script for the demo: each action goes through the node's executor
  // daemon to our OCF Dummy agent.
  writeFileSync(
    join(etc, 'resource.d', 'DemoService'),
    `#!/bin/sh
# DemoService NAME start|stop|status — ocf:heartbeat-ts:Dummy run by this node's executor
"${process.execPath}" "${haExec}" --root "${node.dir}" run ocf:heartbeat-ts:Dummy "$2" --rsc "$1" --param "state=${state}/$1.state" >/dev/null 2>&1
rc=$?
if [ "$2" = status ]; then
  if [ $rc = 0 ]; then echo running; else echo stopped; fi
  exit 0
fi
exit $rc
`,
    { mode: 0o755 },
  );
}

const heartbeat = resolveBin('@heartbeat-ts/heartbeat', 'heartbeat');
const cibd = resolveBin('@heartbeat-ts/cib', 'hbts-cib');
const execd = resolveBin('@heartbeat-ts/executor', 'hbts-execd');
const cluster = await Cluster.start({
  mode: 'loopback',
  nodes: 3,
  setup,
  daemons: (node) => [
    { name: 'heartbeat', command: process.execPath, args: [heartbeat, '-f', '--bind', node.address] },
    { name: 'executor', command: process.execPath, args: [execd, '--ocf-ra-path', `${resourceDir()}:/usr/lib/ocf/resource.d`] },
    { name: 'cib', command: process.execPath, args: [cibd, '--replicate'] },
  ],
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
console.log('Each node runs heartbeat (keepalive 200 ms, deadtime 1 s), the replicated CIB and the executor.');
console.log(`Resources (haresources): ${RESOURCES.map((r) => `${r.name} on ${r.home}`).join(', ')} — ocf:heartbeat-ts:Dummy through the executor.`);
console.log('In another terminal: kill -9 a node\'s heartbeat pid (below) and watch its resource move; Ctrl-C here stops everything.\n');

async function nodeView(n: HarnessNode): Promise<string> {
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

let last = '';
for (;;) {
  if (stopping) break;
  const lines: string[] = [];
  for (const n of cluster.nodes) {
    const pid = n.procs[0]?.pid;
    const holds = RESOURCES.filter((r) => existsSync(join(n.dir, 'var/lib/heartbeat-ts', `${r.name}.state`))).map((r) => r.name);
    lines.push(`${n.name} (heartbeat pid ${pid ?? '-'}) sees: ${await nodeView(n)}   runs: ${holds.join(', ') || '-'}`);
  }
  const view = lines.join('\n');
  if (view !== last) {
    console.log(`[${new Date().toISOString().slice(11, 19)}]\n${view}\n`);
    last = view;
  }
  await new Promise((r) => setTimeout(r, 500));
}
