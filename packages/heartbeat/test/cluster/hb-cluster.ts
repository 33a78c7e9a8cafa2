/** Clusters of our heartbeat daemon (and optionally real heartbeat 3.0.6 nodes) in the test harness. */
import { chmodSync, writeFileSync } from 'node:fs';
import { Cluster, type HarnessMode, type HarnessNode, resolveBin } from '@heartbeat-ts/test-harness';
import { IpcClient } from '@heartbeat-ts/cluster-glue';
import { HeartbeatProtocol } from '../../src/protocol.js';

export interface HbClusterOptions {
  mode: HarnessMode;
  nodes?: number;
  links?: number;
  keepalive?: string;
  deadtime?: string;
  warntime?: string;
  initdead?: string;
  extra?: string;
  /** Node names that run the real heartbeat 3.0.6 (netns only). */
  real?: string[];
  haresources?: string;
}

export const SECRET = 'hbts-test-secret';

export function haCf(node: HarnessNode, o: HbClusterOptions): string {
  const c = node.cluster;
  const media =
    node.mode === 'loopback'
      ? [`ucast lo ${c.nodes.map((n) => n.address).join(' ')}`]
      : node.ifaces.map((iface, k) => `ucast ${iface} ${c.nodes.filter((n) => n !== node).map((n) => n.addressOn(k)).join(' ')}`);
  return [
    `keepalive ${o.keepalive ?? '100ms'}`,
    `deadtime ${o.deadtime ?? '500ms'}`,
    `warntime ${o.warntime ?? '300ms'}`,
    `initdead ${o.initdead ?? '2'}`,
    `udpport ${node.mode === 'loopback' ? 7694 : 694}`,
    ...media,
    ...c.nodes.map((n) => `node ${n.name}`),
    'crm off',
    'auto_failback on',
    // heartbeat 3.0.6 logs to logd unless told otherwise; ours records the directive.
    'logfile /var/log/ha-log',
    o.extra ?? '',
    '',
  ].join('\n');
}

export function heartbeatCluster(o: HbClusterOptions): Promise<Cluster> {
  const main = resolveBin('@heartbeat-ts/heartbeat', 'heartbeat');
  const real = new Set(o.real ?? []);
  return Cluster.start({
    mode: o.mode,
    nodes: o.nodes ?? 3,
    links: o.links ?? 1,
    privateDirs: ['/var/lib/heartbeat'],
    setup: (node) => {
      writeFileSync(node.path('/etc/ha.d/ha.cf'), haCf(node, o));
      const ak = node.path('/etc/ha.d/authkeys');
      writeFileSync(ak, `auth 1\n1 sha1 ${SECRET}\n`);
      chmodSync(ak, 0o600);
      writeFileSync(node.path('/etc/ha.d/haresources'), o.haresources ?? '');
    },
    daemons: (node) =>
      real.has(node.name)
        ? [{ name: 'heartbeat', command: '/bin/sh', args: ['-c', 'mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/heartbeat/rsctmp && chown -R hacluster:haclient /run/heartbeat /var/lib/heartbeat 2>/dev/null; exec /usr/libexec/heartbeat/heartbeat -d'] }]
        : [{ name: 'heartbeat', command: process.execPath, args: [main, '-f', ...(node.mode === 'loopback' ? ['--bind', node.address] : [])] }],
  });
}

export async function hb(node: HarnessNode) {
  return IpcClient.connect(HeartbeatProtocol, { path: node.socket('heartbeat'), name: 'test', connectTimeoutMs: 2000, timeoutMs: 3000 });
}

/** Status of every node as `node` sees it (over its API socket). */
export async function view(node: HarnessNode): Promise<Record<string, string>> {
  const c = await hb(node);
  try {
    const { nodes } = await c.request('nodes', {});
    return Object.fromEntries(nodes.map((n) => [n.name, n.status]));
  } finally {
    c.close();
  }
}

export async function clStatus(node: HarnessNode, ...args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const real = node.output('heartbeat').length >= 0 && args.includes('--real');
  const a = args.filter((x) => x !== '--real');
  const r = real ? await node.exec('/usr/bin/cl_status', a) : await node.exec(process.execPath, [resolveBin('@heartbeat-ts/heartbeat', 'cl_status'), ...a]);
  return { stdout: String(r.stdout).trim(), exitCode: r.exitCode ?? -1 };
}
