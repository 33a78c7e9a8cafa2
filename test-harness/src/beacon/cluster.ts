/** A cluster of beacon daemons: the harness's own smoke test, and the demo until the stack grows. */
import { writeFileSync } from 'node:fs';
import { IpcClient } from '@heartbeat-ts/cluster-glue';
import { Cluster, type HarnessMode, type HarnessNode } from '../cluster.js';
import { resolveBin } from '../bins.js';
import { type BeaconConfig, BeaconProtocol } from './protocol.js';

export const BEACON_PORT = 7940;

export function beaconCluster(opts: { mode?: HarnessMode; nodes?: number; keepaliveMs?: number; deadtimeMs?: number; keepDirs?: boolean } = {}): Promise<Cluster> {
  return Cluster.start({
    mode: opts.mode ?? 'loopback',
    nodes: opts.nodes ?? 3,
    keepDirs: opts.keepDirs ?? false,
    setup: (node) => {
      const cfg: BeaconConfig = {
        node: node.name,
        listen: { address: node.address, port: BEACON_PORT },
        peers: node.cluster.nodes.filter((p) => p !== node).map((p) => ({ name: p.name, address: p.address, port: BEACON_PORT })),
        keepaliveMs: opts.keepaliveMs ?? 100,
        deadtimeMs: opts.deadtimeMs ?? 500,
      };
      writeFileSync(node.path('/etc/ha.d/beacon.json'), JSON.stringify(cfg, null, 2));
    },
    daemons: () => [{ name: 'beacon', command: process.execPath, args: [resolveBin('@heartbeat-ts/test-harness', 'hbts-beacon')] }],
  });
}

/** Asks a node's beacon daemon over its Unix socket what it knows. */
export async function beaconStatus(node: HarnessNode) {
  const c = await IpcClient.connect(BeaconProtocol, { path: node.socket('beacon'), name: 'harness', connectTimeoutMs: 2000 });
  try {
    return await c.request('status', {}, { timeoutMs: 2000 });
  } finally {
    c.close();
  }
}
