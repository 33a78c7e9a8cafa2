#!/usr/bin/env node
/**
 * The main job, for now: a local 3-node cluster on loopback (no root), each node a real
 * daemon process with its own root directory, watching the others over UDP. It prints the
 * cluster's view as nodes come and go; Ctrl-C stops everything.
 * Try: kill -9 one node's pid (printed below) and watch the others declare it dead.
 */
import { beaconCluster, beaconStatus } from './beacon/cluster.js';

const cluster = await beaconCluster({ mode: 'loopback', nodes: 3, keepaliveMs: 200, deadtimeMs: 1000 });
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
console.log('Each node runs a daemon that watches its peers (keepalive 200 ms, deadtime 1 s).');
console.log('In another terminal: kill -9 <pid> of a node below; Ctrl-C here stops everything.\n');

let last = '';
for (;;) {
  if (stopping) break;
  const lines: string[] = [];
  for (const n of cluster.nodes) {
    try {
      const st = await beaconStatus(n);
      lines.push(`${n.name} (pid ${st.pid}) sees: ${st.peers.map((p) => `${p.name}=${p.state}`).join(' ')}`);
    } catch {
      lines.push(`${n.name}: down`);
    }
  }
  const view = lines.join('\n');
  if (view !== last) {
    console.log(`[${new Date().toISOString().slice(11, 19)}]\n${view}\n`);
    last = view;
  }
  await new Promise((r) => setTimeout(r, 500));
}
