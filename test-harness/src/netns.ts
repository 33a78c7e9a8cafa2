/**
 * Network-namespace plumbing for the netns mode (root only): one namespace per node with
 * `eth0` on a private test subnet, all joined by a bridge that lives in a namespace of its
 * own, so no test traffic ever reaches the host's interfaces. Link cuts set the node's
 * port on the bridge down; packet loss uses nftables inside the node's namespace (this
 * kernel has no sch_netem, so `tc netem` delay is not available).
 */
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';

export const SUBNET_BITS = 24;

/** Address of node `index` on link `link` (eth<link>): 10.250.<link>.<10+index>. */
export function nodeAddress(link: number, index: number): string {
  return `10.250.${link}.${10 + index}`;
}

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

/** The namespace holding one bridge per link: br0 for eth0, br1 for eth1... */
export async function createBridges(ns: string, links: number): Promise<void> {
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  for (let k = 0; k < links; k++) {
    await ip('-n', ns, 'link', 'add', `br${k}`, 'type', 'bridge');
    await ip('-n', ns, 'link', 'set', `br${k}`, 'up');
  }
}

/** Bridge-side name of node `index`'s link `link`. */
export function bridgePort(index: number, link: number): string {
  return `p${index}l${link}`;
}

/** Creates node namespace `ns` with eth0..eth<links-1>, each plugged into its bridge. */
export async function createNode(ns: string, bridgeNs: string, index: number, links: number): Promise<void> {
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  for (let k = 0; k < links; k++) {
    const port = bridgePort(index, k);
    await ip('-n', ns, 'link', 'add', `eth${k}`, 'type', 'veth', 'peer', 'name', port, 'netns', bridgeNs);
    await ip('-n', ns, 'addr', 'add', `${nodeAddress(k, index)}/${SUBNET_BITS}`, 'dev', `eth${k}`);
    await ip('-n', ns, 'link', 'set', `eth${k}`, 'up');
    await ip('-n', bridgeNs, 'link', 'set', port, 'master', `br${k}`);
    await ip('-n', bridgeNs, 'link', 'set', port, 'up');
  }
}

/** Leaves only the base address on an interface (what a reboot does to added ones). */
export async function resetAddresses(ns: string, iface: string, base: string): Promise<void> {
  await ip('-n', ns, 'addr', 'flush', 'dev', iface);
  await ip('-n', ns, 'addr', 'add', `${base}/${SUBNET_BITS}`, 'dev', iface);
}

export async function setPort(bridgeNs: string, port: string, up: boolean): Promise<void> {
  await ip('-n', bridgeNs, 'link', 'set', port, up ? 'up' : 'down');
}

export async function setNodeLink(ns: string, iface: string, up: boolean): Promise<void> {
  await ip('-n', ns, 'link', 'set', iface, up ? 'up' : 'down');
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
