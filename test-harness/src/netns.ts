/**
 * Network-namespace plumbing for the netns mode (root only): one namespace per node with
 * `eth0` on a private test subnet, all joined by a bridge that lives in a namespace of its
 * own, so no test traffic ever reaches the host's interfaces. Link cuts set the node's
 * port on the bridge down; packet loss uses nftables inside the node's namespace (this
 * kernel has no sch_netem, so `tc netem` delay is not available).
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';

export const SUBNET_PREFIX = '10.250.0.';
export const SUBNET_BITS = 24;

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new Error(`${what} needs root (network namespaces, mounts): run as root, or use mode "loopback"`);
  }
}

export function requireCommand(cmd: string, debPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`the test harness needs \`${cmd}\`: install the Debian package ${debPackage} (apt-get install -y ${debPackage})`);
  }
}

async function ip(...args: string[]): Promise<void> {
  const r = await execa('ip', args, { reject: false });
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')} failed: ${String(r.stderr).trim()}`);
}

export function listNamespaces(): string[] {
  try {
    return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter(Boolean);
  } catch {
    return [];
  }
}

export function namespacePids(ns: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function deleteNamespaceSync(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    /* already gone */
  }
}

export async function createBridge(ns: string): Promise<void> {
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', ns, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', ns, 'link', 'set', 'br0', 'up');
}

/** Creates node namespace `ns` with eth0 = `address`, plugged into the bridge as `port`. */
export async function createNode(ns: string, bridgeNs: string, port: string, address: string): Promise<void> {
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs);
  await ip('-n', ns, 'addr', 'add', `${address}/${SUBNET_BITS}`, 'dev', 'eth0');
  await ip('-n', ns, 'link', 'set', 'eth0', 'up');
  await ip('-n', bridgeNs, 'link', 'set', port, 'master', 'br0');
  await ip('-n', bridgeNs, 'link', 'set', port, 'up');
}

export async function setPort(bridgeNs: string, port: string, up: boolean): Promise<void> {
  await ip('-n', bridgeNs, 'link', 'set', port, up ? 'up' : 'down');
}

export async function setNodeLink(ns: string, up: boolean): Promise<void> {
  await ip('-n', ns, 'link', 'set', 'eth0', up ? 'up' : 'down');
}

/** Drops about `percent`% of packets arriving at the node (nftables, inside its namespace). */
export async function setLoss(ns: string, percent: number): Promise<void> {
  requireCommand('nft', 'nftables');
  await clearLoss(ns);
  if (percent <= 0) return;
  const match = percent >= 100 ? '' : `numgen random mod 100 < ${Math.round(percent)} `;
  const rules = `table inet hbts_loss {\n chain input {\n  type filter hook input priority 0; policy accept;\n  iifname "eth0" ${match}drop\n }\n}\n`;
  const r = await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, reject: false });
  if (r.exitCode !== 0) throw new Error(`nft in ${ns} failed: ${String(r.stderr).trim()}`);
}

export async function clearLoss(ns: string): Promise<void> {
  await execa('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', 'hbts_loss'], { reject: false });
}
