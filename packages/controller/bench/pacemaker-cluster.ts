/**
 * Pacemaker 2.1.5 + Corosync 3.1.7 (Debian packages `pacemaker`, `corosync`) as three nodes in the
 * netns harness, the way ../shared/reference/anchors.md ran them: per node its own hostname,
 * /etc/corosync, /var/lib/pacemaker (cib, pengine, blackbox, cores; hacluster:haclient),
 * /var/lib/corosync, /var/log (pacemaker/, apache2/), a tmpfs on /run and on /dev/shm (libqb's IPC);
 * corosync (knet, no crypto, votequorum) started first, pacemakerd a second later. The baseline
 * the CRM benchmark measures ours against.
 */
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Cluster, type HarnessNode } from '@heartbeat-ts/test-harness';

export const PACEMAKER_INSTALLED = existsSync('/usr/sbin/pacemakerd') && existsSync('/usr/sbin/corosync');

/** The two stacks a benchmark runs side by side. */
export const OURS = 'ours';
export const PCMK = 'Pacemaker 2.1.5 + Corosync 3.1.7';
export type Impl = typeof OURS | typeof PCMK;

/** Leaves (exit 0, saying why) unless this runs as root with the files it needs (agents). */
export function benchNeeds(bench: string, files: string[], packages: string): void {
  if (process.getuid?.() !== 0) {
    console.error(`the ${bench} benchmark needs root (network namespaces); skipped`);
    process.exit(0);
  }
  for (const f of files) {
    if (!existsSync(f)) {
      console.error(`the ${bench} benchmark runs ${f}: install ${packages}; skipped`);
      process.exit(0);
    }
  }
}

function ids(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'hacluster'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('getent', ['group', 'haclient'], { encoding: 'utf8' }).split(':')[2]);
  return { uid, gid };
}

export function corosyncConf(node: HarnessNode, token?: number): string {
  const nodes = node.cluster.nodes
    .map((n, i) => `  node {\n    ring0_addr: ${n.addressOn(0)}\n    name: ${n.name}\n    nodeid: ${i + 1}\n  }`)
    .join('\n');
  return [
    'totem {',
    '  version: 2',
    '  cluster_name: hbts-bench',
    '  transport: knet',
    '  crypto_cipher: none',
    '  crypto_hash: none',
    ...(token ? [`  token: ${token}`] : []),
    '}',
    'nodelist {',
    nodes,
    '}',
    'quorum {',
    '  provider: corosync_votequorum',
    '}',
    'logging {',
    '  to_logfile: yes',
    '  logfile: /var/log/corosync.log',
    '  to_syslog: no',
    '  to_stderr: no',
    '}',
    '',
  ].join('\n');
}

export function pacemakerCluster(opts: { token?: number } = {}): Promise<Cluster> {
  const { uid, gid } = ids();
  return Cluster.start({
    mode: 'netns',
    nodes: 3,
    privateDirs: ['/etc/corosync', '/var/lib/pacemaker', '/var/lib/corosync', '/var/log/apache2'],
    tmpfs: ['/dev/shm'],
    setup: (node) => {
      writeFileSync(node.path('/etc/corosync/corosync.conf'), corosyncConf(node, opts.token));
      for (const d of ['cib', 'pengine', 'blackbox', 'cores']) {
        mkdirSync(node.path(`/var/lib/pacemaker/${d}`), { recursive: true });
        chownSync(node.path(`/var/lib/pacemaker/${d}`), uid, gid);
      }
      chownSync(node.path('/var/lib/pacemaker'), uid, gid);
      mkdirSync(node.path('/var/log/pacemaker'), { recursive: true });
      chownSync(node.path('/var/log/pacemaker'), uid, gid);
    },
    daemons: () => [
      { name: 'corosync', command: '/usr/sbin/corosync', args: ['-f'] },
      { name: 'pacemakerd', command: '/bin/sh', args: ['-c', 'sleep 1; exec /usr/sbin/pacemakerd -f'] },
    ],
  });
}
