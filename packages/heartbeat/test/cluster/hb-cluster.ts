/** Clusters of our heartbeat daemon (and optionally real heartbeat 3.0.6 nodes) in the test harness. */
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type HarnessMode, type HarnessNode, resolveBin } from '@heartbeat-ts/test-harness';
export type { Cluster } from '@heartbeat-ts/test-harness';
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
  /** authkeys method (default sha1). */
  authMethod?: 'crc' | 'md5' | 'sha1' | 'sha256' | 'aes-256-gcm';
  /** More processes per node, started after heartbeat (e.g. CRM daemons). */
  extraDaemons?: (node: HarnessNode) => Array<{ name: string; command: string; args?: string[] }>;
  /** ha.cf media lines instead of the default ucast ones. */
  media?: (node: HarnessNode) => string[];
  /** `crm respawn` with this CRM command (heartbeat's --crm-command), instead of `crm off`. */
  crmCommand?: string;
  /** netns: more node-private directories (e.g. /var/log/apache2 for Debian's apache). */
  privateDirs?: string[];
}

export const SECRET = 'hbts-test-secret';

export function haCf(node: HarnessNode, o: HbClusterOptions): string {
  const c = node.cluster;
  const media = o.media
    ? o.media(node)
    : node.mode === 'loopback'
      ? [`ucast lo ${c.nodes.map((n) => n.address).join(' ')}`]
      : node.ifaces.map((iface, k) => `ucast ${iface} ${c.nodes.filter((n) => n !== node).map((n) => n.addressOn(k)).join(' ')}`);
  return [
    `keepalive ${o.keepalive ?? '100ms'}`,
    `deadtime ${o.deadtime ?? '500ms'}`,
    ...(o.warntime ? [`warntime ${o.warntime}`] : []),
    `initdead ${o.initdead ?? '2'}`,
    `udpport ${node.mode === 'loopback' ? 7694 : 694}`,
    ...media,
    ...c.nodes.map((n) => `node ${n.name}`),
    o.crmCommand ? 'crm respawn' : 'crm off',
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
    privateDirs: ['/var/lib/heartbeat', ...(o.privateDirs ?? [])],
    setup: (node) => {
      writeFileSync(node.path('/etc/ha.d/ha.cf'), haCf(node, o));
      const ak = node.path('/etc/ha.d/authkeys');
      writeFileSync(ak, `auth 1\n1 ${o.authMethod ?? 'sha1'} ${o.authMethod === 'crc' ? '' : SECRET}\n`);
      chmodSync(ak, 0o600);
      writeFileSync(node.path('/etc/ha.d/haresources'), o.haresources ?? '');
      installResourceScripts(node);
    },
    daemons: (node) => [
      ...(real.has(node.name)
        ? [{ name: 'heartbeat', command: '/bin/sh', args: ['-c', 'mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/heartbeat/rsctmp && chown -R hacluster:haclient /run/heartbeat /var/lib/heartbeat 2>/dev/null; exec /usr/libexec/heartbeat/heartbeat -d'] }]
        : [{ name: 'heartbeat', command: process.execPath, args: [main, '-f', ...(node.mode === 'loopback' ? ['--bind', node.address] : []), ...(o.crmCommand ? ['--crm-command', o.crmCommand] : [])] }]),
      ...(o.extraDaemons?.(node) ?? []),
    ],
  });
}

/**
 * netns: heartbeat 3's scripts (resource.d, rc.d, shellfuncs, harc) from the Debian package
 * into the node's private /etc/ha.d; every mode: `Marker`, a test resource that records it
 * runs in a file (/var/lib/heartbeat-ts/marker.NAME as the node sees it).
 */
function installResourceScripts(node: HarnessNode): void {
  const etc = node.path('/etc/ha.d');
  if (node.mode === 'netns') {
    if (!existsSync('/etc/ha.d/resource.d/IPaddr2')) throw new Error('the netns heartbeat tests need the Debian package heartbeat (apt-get install -y heartbeat)');
    for (const f of ['resource.d', 'rc.d', 'shellfuncs', 'harc']) cpSync(join('/etc/ha.d', f), join(etc, f), { recursive: true });
  }
  mkdirSync(join(etc, 'resource.d'), { recursive: true });
  const state = node.mode === 'loopback' ? join(node.dir, 'var/lib/heartbeat-ts') : '/var/lib/heartbeat-ts';
  writeFileSync(
    join(etc, 'resource.d', 'Marker'),
    `#!/bin/sh
# Marker NAME start|stop|status — a test resource
f=${state}/marker.$1
case "$2" in
 start) echo "$(hostname)" > "$f";;
 stop) rm -f "$f";;
 status) if [ -f "$f" ]; then echo running; else echo stopped; fi;;
 *) exit 1;;
esac
`,
    { mode: 0o755 },
  );
}

/** Where the Marker resource NAME runs (node names). */
export function markerHolders(c: Cluster, name: string): string[] {
  return c.nodes.filter((n) => existsSync(join(n.dir, 'var/lib/heartbeat-ts', `marker.${name}`))).map((n) => n.name);
}

/** netns: nodes that have `ip` on one of their interfaces. */
export async function ipHolders(c: Cluster, ip: string): Promise<string[]> {
  const out: string[] = [];
  for (const n of c.nodes) {
    if (!n.anchorPid) continue;
    const r = await n.exec('ip', ['-4', '-o', 'addr', 'show']).catch(() => undefined);
    if (r && String(r.stdout).includes(` ${ip}/`)) out.push(n.name);
  }
  return out;
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

/** Prints every node's heartbeat log (ours as short lines, heartbeat 3's ha-log tail) — for failed tests. */
export function dumpLogs(c: Cluster | undefined): void {
  if (!c) return;
  for (const n of c.nodes) {
    const ours = n.logs()['heartbeat.log'];
    const lines = ours
      ? ours.split('\n').filter(Boolean).slice(-40).map((l) => {
          try {
            const { time, level, msg, component: _c, node: _n, ...rest } = JSON.parse(l) as Record<string, unknown>;
            return `${new Date(time as number).toISOString().slice(11, 23)} ${level} ${msg} ${JSON.stringify(rest)}`;
          } catch {
            return l;
          }
        })
      : [];
    let real = '';
    try {
      real = readFileSync(join(n.dir, 'var/log/ha-log'), 'utf8').split('\n').filter((l) => !l.includes('debug:')).slice(-40).join('\n');
    } catch {
      /* not a heartbeat 3 node */
    }
    console.error(`----- ${n.name} -----\n${lines.join('\n')}${real ? `\n(heartbeat 3.0.6 ha-log)\n${real}` : ''}\n${n.output('heartbeat').slice(-1500)}`);
  }
}
