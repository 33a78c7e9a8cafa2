/**
 * `heartbeat-ts setup`: the files a real host needs to run the stack, written commented so that
 * an operator knows what to edit — `/etc/ha.d/ha.cf`, `/etc/ha.d/authkeys` (mode 600, a fresh
 * key), a first CIB (`/var/lib/heartbeat-ts/cib/cib.xml`), the systemd unit
 * `heartbeat-ts.service`, and the `haclient` group the commands' users join. Existing files are
 * kept unless asked to replace them. The files are made by a pure function the tests drive.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { resolveBin } from '@heartbeat-ts/test-harness';

export interface SetupOptions {
  /** The cluster's nodes (uname -n of each machine); this host first. */
  nodes: string[];
  /** The interface heartbeat talks on. */
  iface: string;
  /** authkeys' secret (hex). */
  secret: string;
  /** How systemd starts heartbeat and the CRM. */
  node: string;
  heartbeat: string;
  crmCommand: string;
}

export interface SetupFile {
  /** The path on the host (absolute, before any --root). */
  path: string;
  mode: number;
  text: string;
}

/** The files `setup` writes. Pure. */
export function setupFiles(o: SetupOptions): SetupFile[] {
  const others = o.nodes.slice(1);
  const haCf = `# /etc/ha.d/ha.cf — heartbeat-ts (heartbeat 3's format). Written by heartbeat-ts setup.
# The same file on every node; only the ucast lines differ (each node lists its peers).
# \`heartbeat -D\` prints every directive's default.

# How often a node says it is alive, when a peer is late (warntime), when it is dead (deadtime),
# and how long to wait for the others at boot (initdead, at least twice deadtime).
keepalive 200ms
warntime 600ms
deadtime 1
initdead 10

udpport 694

# How the nodes talk. bcast works on one segment with no more setup; with routers between the
# nodes, or to keep the traffic to the peers, use ucast (one line per peer address) or mcast.
bcast ${o.iface}
#ucast ${o.iface} PEER-ADDRESS
#mcast ${o.iface} 239.0.0.1 694 1 0

# The nodes: each machine's \`uname -n\`. EDIT: add every node of the cluster.
${o.nodes.map((n) => `node ${n}`).join('\n')}${others.length ? '' : '\n#node SECOND-NODE'}

# The cluster resource manager: heartbeat-ts's CRM (CIB, executor, scheduler, attribute
# daemon, fencer, controller), started and respawned by heartbeat.
crm respawn

# Logging: the daemons log to /var/log/heartbeat-ts/ and to the journal through systemd.
`;
  const authkeys = `# /etc/ha.d/authkeys — the key every cluster message is signed with. Mode 600, owner root.
# The SAME file on every node: copy this one to the others (scp -p).
# Methods: sha1 and md5 (heartbeat 3 compatible), sha256 (ours); crc signs nothing.
auth 1
1 sha1 ${o.secret}
`;
  const cib = `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <!-- No fence device is configured yet: resources would not start with fencing on.
             Configure one (stonith_admin -I lists the agents), then set this to true. -->
        <nvpair id="cib-bootstrap-options-stonith-enabled" name="stonith-enabled" value="false"/>
        <!-- Two nodes: the survivor keeps the resources when its peer dies. -->
        <nvpair id="cib-bootstrap-options-no-quorum-policy" name="no-quorum-policy" value="${o.nodes.length === 2 || others.length === 0 ? 'ignore' : 'stop'}"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources>
      <!-- A virtual IP and apache, kept together, as docs/getting-started.md walks through:
      <group id="website">
        <primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">
          <instance_attributes id="vip-params">
            <nvpair id="vip-ip" name="ip" value="192.0.2.10"/>
            <nvpair id="vip-cidr" name="cidr_netmask" value="24"/>
          </instance_attributes>
          <operations><op id="vip-monitor" name="monitor" interval="10s" timeout="20s"/></operations>
        </primitive>
        <primitive id="apache" class="ocf" provider="heartbeat" type="apache">
          <instance_attributes id="apache-params">
            <nvpair id="apache-config" name="configfile" value="/etc/apache2/apache2.conf"/>
          </instance_attributes>
          <operations><op id="apache-monitor" name="monitor" interval="10s" timeout="20s"/></operations>
        </primitive>
      </group>
      -->
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;
  const unit = `# heartbeat-ts: heartbeat and the CRM it starts (crm respawn in /etc/ha.d/ha.cf).
# Written by heartbeat-ts setup. Enable with: systemctl enable --now heartbeat-ts
[Unit]
Description=heartbeat-ts cluster stack (heartbeat messaging layer and cluster resource manager)
After=network-online.target time-sync.target
Wants=network-online.target
ConditionFileNotEmpty=/etc/ha.d/ha.cf

[Service]
Type=simple
Environment=HA_CRM_COMMAND=${o.crmCommand}
ExecStart=${o.node} ${o.heartbeat} -f
# A stop moves the resources to the other nodes first (up to shutdown-escalation, 20 min).
KillMode=mixed
TimeoutStopSec=30min
Restart=on-failure
RestartSec=2s

[Install]
WantedBy=multi-user.target
`;
  return [
    { path: '/etc/ha.d/ha.cf', mode: 0o644, text: haCf },
    { path: '/etc/ha.d/authkeys', mode: 0o600, text: authkeys },
    { path: '/var/lib/heartbeat-ts/cib/cib.xml', mode: 0o600, text: cib },
    { path: '/etc/systemd/system/heartbeat-ts.service', mode: 0o644, text: unit },
  ];
}

/** The first interface that is up and not loopback (eth0 if none). */
export function defaultInterface(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (addrs?.some((a) => !a.internal && a.family === 'IPv4')) return name;
  }
  return 'eth0';
}

/** `heartbeat-ts setup [--root DIR] [--node NAME]... [--interface IF] [--force]`. */
export function runSetup(argv: string[]): number {
  let root = '/';
  const nodes: string[] = [];
  let iface: string | undefined;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--root') root = value();
    else if (a === '--node') nodes.push(value());
    else if (a === '--interface') iface = value();
    else if (a === '--force') force = true;
    else throw new UsageError(`unknown option ${a}`);
  }
  if (!nodes.length) nodes.push(hostname());
  const files = setupFiles({
    nodes,
    iface: iface ?? defaultInterface(),
    secret: randomBytes(20).toString('hex'),
    node: process.execPath,
    heartbeat: resolveBin('@heartbeat-ts/heartbeat', 'heartbeat'),
    crmCommand: `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d`,
  });
  const kept: string[] = [];
  for (const f of files) {
    const target = join(root, f.path);
    if (existsSync(target) && !force) {
      kept.push(target);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.text, { mode: f.mode });
    chmodSync(target, f.mode);
    console.log(`wrote ${target}`);
  }
  for (const k of kept) console.log(`kept ${k} (it exists; --force replaces it)`);
  console.log(haclientGroup(root));
  console.log(`
Now:
  1. ${join(root, '/etc/ha.d/ha.cf')}: list every node (uname -n) and check the interface (${iface ?? defaultInterface()}).
  2. Copy ha.cf and authkeys (keep its mode 600) to every node; run setup there too, or copy the unit.
  3. systemctl daemon-reload && systemctl enable --now heartbeat-ts   (on every node)
  4. crm_mon -1: the nodes come online; then add resources (cibadmin, or edit the first CIB
     before the first start: ${join(root, '/var/lib/heartbeat-ts/cib/cib.xml')}).
  docs/getting-started.md walks through a VIP and apache.`);
  return 0;
}

/** Creates the haclient group on this host (a system group; only for a real install as root). */
function haclientGroup(root: string): string {
  if (root !== '/') return `haclient group: not created (--root ${root}); on the host: groupadd --system haclient`;
  try {
    execFileSync('getent', ['group', 'haclient'], { stdio: 'ignore' });
    return 'haclient group: exists';
  } catch {
    // (Not there yet.)
  }
  if (process.getuid?.() !== 0) return 'haclient group: not created (needs root): groupadd --system haclient';
  execFileSync('groupadd', ['--system', 'haclient'], { stdio: 'inherit' });
  return 'haclient group: created; add the users who run the commands: usermod -aG haclient USER';
}

export class UsageError extends Error {}
