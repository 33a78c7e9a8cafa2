/**
 * N-node clusters of real processes on one machine, for tests and benchmarks.
 *
 * - loopback mode (no root): each node has its own root directory (its daemons get
 *   HA_ROOT=<dir>) and its own address 127.A.B.(10+i), so every node can bind the same ports.
 * - netns mode (root): each node is a network namespace with eth0 = 10.250.0.(10+i)/24 on a
 *   bridge in a namespace of its own, and a private mount + UTS namespace (hostname = node
 *   name; /etc/ha.d, /var/lib/heartbeat-ts and /var/log bind-mounted from the node's
 *   directory; a tmpfs on /run). Its daemons see the system paths, as on a real machine.
 *
 * Every process carries HBTS_CLUSTER/HBTS_NODE in its environment; `stop()` (and an exit
 * handler, and `cleanupStale()` for runners that were killed) removes every process,
 * namespace and directory the cluster made.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { CLUSTER_ENV, isAlive, killPids, markedPids, NODE_ENV } from './procs.js';
import * as netns from './netns.js';
import { cleanupStale, clusterNamespaces, destroyClusterSync, register } from './registry.js';
import { waitFor } from './wait.js';

export type HarnessMode = 'loopback' | 'netns';

export interface DaemonCommand {
  /** Used for the output file: <node>/var/log/heartbeat-ts/<name>.out */
  name: string;
  command: string;
  args?: string[];
  env?: Record<string, string>;
}

export interface ClusterOptions {
  mode?: HarnessMode;
  /** A count (nodes n1..nN) or names. Default 3. */
  nodes?: number | string[];
  /** What each node runs; started in order by startNode(). */
  daemons?: (node: HarnessNode) => DaemonCommand[];
  /** Prepares a node's files before its daemons start (write with node.path()). */
  setup?: (node: HarnessNode) => void | Promise<void>;
  /** netns: further node-private directories, bind-mounted from the node's directory. */
  privateDirs?: string[];
  /** netns: more node-private tmpfs mounts beside /run (e.g. /dev/shm, where libqb keeps its IPC). */
  tmpfs?: string[];
  /** Keep node directories after stop() (for debugging). */
  keepDirs?: boolean;
  /** netns: links per node (eth0, eth1, ...; each on its own bridge and subnet 10.250.<k>.0/24). Default 1. */
  links?: number;
}

const DEFAULT_PRIVATE_DIRS = ['/etc/ha.d', '/var/lib/heartbeat-ts', '/var/log'];

export class HarnessNode {
  /** netns mode: pid of the process that holds the node's mount and UTS namespaces. */
  anchorPid: number | undefined;
  readonly procs: ResultPromise[] = [];

  constructor(
    readonly cluster: Cluster,
    readonly name: string,
    readonly index: number,
    readonly address: string,
    /** Host directory holding this node's private files. */
    readonly dir: string,
    /** netns mode: the node's namespace. */
    readonly ns?: string,
  ) {}

  /** netns: the node's interfaces, eth0..eth<links-1>. */
  get ifaces(): string[] {
    return Array.from({ length: this.cluster.links }, (_, k) => `eth${k}`);
  }

  /** Address of this node on link k (eth<k>); loopback mode has one. */
  addressOn(link: number): string {
    return this.mode === 'loopback' ? this.address : netns.nodeAddress(link, this.index);
  }

  get mode(): HarnessMode {
    return this.cluster.mode;
  }

  /** Root directory the node's daemons use (their HA_ROOT). */
  get root(): string {
    return this.mode === 'loopback' ? this.dir : '/';
  }

  /** Host path of `p` as the node sees it, e.g. path('/etc/ha.d/ha.cf'). */
  path(p: string): string {
    if (this.mode === 'loopback') return join(this.dir, p);
    if (this.cluster.privateDirs.some((d) => p === d || p.startsWith(`${d}/`))) return join(this.dir, p);
    if (p === '/run' || p.startsWith('/run/')) {
      if (!this.anchorPid) throw new Error(`node ${this.name} is powered off: its /run does not exist`);
      return `/proc/${this.anchorPid}/root${p}`;
    }
    return p;
  }

  /** Host path of a daemon's socket on this node. */
  socket(daemon: string): string {
    return this.path(`/run/heartbeat-ts/${daemon}.sock`);
  }

  /** Environment the node's processes run with. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      [CLUSTER_ENV]: this.cluster.id,
      [NODE_ENV]: this.name,
      HA_NODE: this.name,
      HA_ROOT: this.root,
      ...extra,
    };
  }

  /** Pids of every process of this node that is still alive. */
  pids(): number[] {
    const own = markedPids(this.cluster.id, this.name);
    const inNs = this.ns ? netns.namespacePids(this.ns) : [];
    return [...new Set([...own, ...inNs])].filter(isAlive);
  }

  /** Runs a command on the node (in its namespaces, with its HA_ROOT) and returns its result. */
  exec(command: string, args: string[] = [], opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}) {
    const [cmd, argv] = this.wrap(command, args);
    return execa(cmd, argv, {
      env: this.env(opts.env),
      reject: false,
      timeout: opts.timeoutMs ?? 30_000,
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    });
  }

  /** Reads a daemon's output file or log file. */
  output(daemon: string): string {
    const f = join(this.dir, 'var/log/heartbeat-ts', `${daemon}.out`);
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }

  logs(): Record<string, string> {
    const d = join(this.dir, 'var/log/heartbeat-ts');
    const out: Record<string, string> = {};
    if (!existsSync(d)) return out;
    for (const f of readdirSync(d)) out[f] = readFileSync(join(d, f), 'utf8');
    return out;
  }

  wrap(command: string, args: string[]): [string, string[]] {
    if (this.mode === 'loopback') return [command, args];
    if (!this.anchorPid || !isAlive(this.anchorPid)) throw new Error(`node ${this.name} is powered off; start it first`);
    return ['nsenter', ['-t', String(this.anchorPid), '-n', '-m', '-u', '--', command, ...args]];
  }
}

/**
 * A directory holding `fence_hbts_power`, the fence agent for the harness's power switch
 * (Cluster.powerSwitch()), for a CRM's fence agent path; known before any cluster starts.
 */
export function fenceAgentDir(): string {
  const dir = join(tmpdir(), `hbts-fence-agents-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { recursive: true });
  const agent = join(dirname(fileURLToPath(import.meta.url)), 'power', 'fence-hbts-power.js');
  writeFileSync(join(dir, 'fence_hbts_power'), `#!/bin/sh\nexec "${process.execPath}" "${agent}" "$@"\n`, { mode: 0o755 });
  return dir;
}

/**
 * Follows who holds an address, as it happens: `ip monitor` in each node's network namespace
 * reports every address and link change at once (a node whose link is down does not hold it; a
 * node powered off loses its monitor with its other processes, and holds nothing). `most` is the
 * largest number of nodes that held it at the same time since the watch began; `gainedAt(node)`
 * when a node came to hold it (the moment the change was reported, not the next poll).
 */
export async function watchAddress(nodes: HarnessNode[], ip: string, iface = 'eth0') {
  const holds = new Map<string, { addr: boolean; up: boolean; held: boolean; gainedAt?: number }>();
  let most = 0;
  let events = 0;
  const count = () => {
    const now = Date.now();
    for (const h of holds.values()) {
      const held = h.addr && h.up;
      if (held && !h.held) h.gainedAt = now;
      h.held = held;
    }
    most = Math.max(most, [...holds.values()].filter((h) => h.held).length);
  };
  const monitors = await Promise.all(
    nodes.map(async (n) => {
      if (!n.ns) throw new Error('watchAddress needs the netns mode');
      const now = await execa('ip', ['-n', n.ns, '-o', '-4', 'addr', 'show', 'dev', iface, 'up'], { reject: false });
      const addr = String(now.stdout).includes(`${ip}/`);
      const state: { addr: boolean; up: boolean; held: boolean; gainedAt?: number } = { addr, up: true, held: addr };
      holds.set(n.name, state);
      const m = spawn('ip', ['-n', n.ns, '-o', 'monitor', 'address', 'link'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      m.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          events++;
          if (line.includes(` ${ip}/`)) state.addr = !line.startsWith('Deleted');
          else if (new RegExp(`^\\d+: ${iface}[@:]`).test(line) && line.includes('<')) state.up = /[<,]UP[,>]/.test(line);
          count();
        }
      });
      m.on('exit', () => {
        state.addr = false;
        count();
      });
      return m;
    }),
  );
  count();
  return {
    stop: () => monitors.forEach((m) => m.kill()),
    get most() {
      return most;
    },
    get events() {
      return events;
    },
    /** When `node` last came to hold the address (ms since the epoch), if it did since the watch began. */
    gainedAt(node: string): number | undefined {
      return holds.get(node)?.gainedAt;
    },
  };
}

const liveClusters = new Set<Cluster>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Whatever ends this process (a failed test, an exception), the clusters go with it.
  process.on('exit', () => {
    for (const c of liveClusters) c.destroySync();
  });
}

export class Cluster {
  readonly id: string;
  readonly nodes: HarnessNode[] = [];
  readonly privateDirs: string[];
  readonly links: number;
  private readonly bridgeNs: string | undefined;
  private stopped = false;

  private constructor(
    readonly mode: HarnessMode,
    readonly dir: string,
    private readonly opts: ClusterOptions,
  ) {
    this.id = randomBytes(3).toString('hex');
    this.privateDirs = [...DEFAULT_PRIVATE_DIRS, ...(opts.privateDirs ?? [])];
    this.bridgeNs = mode === 'netns' ? `hbts-${this.id}-br` : undefined;
    this.links = mode === 'netns' ? (opts.links ?? 1) : 1;
  }

  /** Creates the nodes (namespaces, directories), writes their files and starts their daemons. */
  static async start(opts: ClusterOptions = {}): Promise<Cluster> {
    const c = await Cluster.create(opts);
    try {
      for (const n of c.nodes) await c.startNode(n.name);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** Like start(), but starts no daemon. */
  static async create(opts: ClusterOptions = {}): Promise<Cluster> {
    const mode = opts.mode ?? 'loopback';
    if (mode === 'netns') {
      netns.requireRoot('the netns test harness');
      netns.requireCommand('ip', 'iproute2');
      netns.requireCommand('unshare', 'util-linux');
      netns.requireCommand('nsenter', 'util-linux');
    }
    cleanupStale();
    const dir = mkdtempSync(join(tmpdir(), 'hbts-cluster-'));
    const c = new Cluster(mode, dir, opts);
    register({ id: c.id, ownerPid: process.pid, mode, dir, keepDir: !!opts.keepDirs });
    liveClusters.add(c);
    installExitHook();
    const names = Array.isArray(opts.nodes) ? opts.nodes : Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`);
    const a = 1 + (randomBytes(1)[0]! % 250);
    const b = randomBytes(1)[0]! % 250;
    try {
      if (mode === 'netns') await netns.createBridges(c.bridgeNs!, c.links);
      for (const [i, name] of names.entries()) {
        const nodeDir = join(dir, name);
        for (const d of [...c.privateDirs, '/var/log/heartbeat-ts']) mkdirSync(join(nodeDir, d), { recursive: true });
        const address = mode === 'loopback' ? `127.${a}.${b}.${10 + i}` : netns.nodeAddress(0, i);
        const ns = mode === 'netns' ? `hbts-${c.id}-${name}` : undefined;
        const node = new HarnessNode(c, name, i, address, nodeDir, ns);
        if (ns) await netns.createNode(ns, c.bridgeNs!, i, c.links);
        c.nodes.push(node);
      }
      for (const n of c.nodes) await opts.setup?.(n);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  node(name: string): HarnessNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name} in cluster ${this.id} (nodes: ${this.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  /** (Re)starts a node: its namespaces (netns; after a power-off, with only its own addresses) and then its daemons, in order. */
  async startNode(name: string): Promise<void> {
    const node = this.node(name);
    if (this.mode === 'netns') {
      if (!node.anchorPid || !isAlive(node.anchorPid)) {
        // A boot: addresses added at run time (a VIP) are gone, as after a power cycle.
        for (const [k, iface] of node.ifaces.entries()) await netns.resetAddresses(node.ns!, iface, netns.nodeAddress(k, node.index));
        await this.startAnchor(node);
      }
      for (const [k, iface] of node.ifaces.entries()) {
        await netns.setNodeLink(node.ns!, iface, true);
        await netns.setPort(this.bridgeNs!, netns.bridgePort(node.index, k), true);
      }
    }
    for (const d of this.opts.daemons?.(node) ?? []) this.spawn(node, d);
  }

  /** Starts one more process on a node, output to <node>/var/log/heartbeat-ts/<name>.out. */
  spawn(node: HarnessNode, d: DaemonCommand): ResultPromise {
    const [cmd, args] = node.wrap(d.command, d.args ?? []);
    const out = { file: join(node.dir, 'var/log/heartbeat-ts', `${d.name}.out`), append: true } as const;
    const p = execa(cmd, args, { env: node.env(d.env), stdin: 'ignore', stdout: out, stderr: out, detached: true, reject: false, cleanup: false });
    p.catch(() => undefined);
    node.procs.push(p);
    return p;
  }

  /** Sends `signal` to every process of the node (SIGKILL: the node's software dies). */
  killNode(name: string, signal: NodeJS.Signals = 'SIGKILL'): number[] {
    const node = this.node(name);
    const pids = node.pids();
    killPids(pids, signal);
    if (signal === 'SIGKILL') node.anchorPid = undefined;
    return pids;
  }

  /** What a power switch does: every process dies at once and (netns) the link goes down. */
  async powerOff(name: string): Promise<void> {
    const node = this.node(name);
    if (this.mode === 'netns') for (const iface of node.ifaces) await netns.setNodeLink(node.ns!, iface, false);
    this.killNode(name, 'SIGKILL');
    await waitFor(`processes of ${name} to die`, () => node.pids().length === 0, { timeoutMs: 5000 });
  }

  /** netns: unplugs the node's cable on `iface` (default: every link); its processes keep running. */
  async cutLink(name: string, iface?: string): Promise<void> {
    await this.setLinks(name, iface, false);
  }

  async restoreLink(name: string, iface?: string): Promise<void> {
    await this.setLinks(name, iface, true);
  }

  private async setLinks(name: string, iface: string | undefined, up: boolean): Promise<void> {
    this.requireNetns(up ? 'restoring a link' : 'cutting a link');
    const node = this.node(name);
    if (iface !== undefined && !node.ifaces.includes(iface)) throw new Error(`node ${name} has no link ${iface} (links: ${node.ifaces.join(', ')})`);
    for (const [k, i] of node.ifaces.entries()) {
      if (iface === undefined || i === iface) await netns.setPort(this.bridgeNs!, netns.bridgePort(node.index, k), up);
    }
  }

  /** netns: drops about `percent`% of the packets the node receives (nftables). */
  /** What the power switch did, in order (tests check that a node was fenced before its resources moved). */
  readonly powerEvents: Array<{ action: string; node: string; at: number }> = [];
  private switchServer: Server | undefined;

  /**
   * A power switch for the nodes, as fence agents reach real ones: a Unix socket
   * (`<cluster dir>/power.sock`; /tmp is shared with the nodes) that answers one line —
   * `off NODE` (powerOff), `on NODE` (startNode), `reboot NODE` (both), `status NODE`
   * (on/off), `list` — and a directory holding `fence_hbts_power`, the fence agent (fence-agents
   * API) that talks to it. Give the CRM that directory as a fence agent path.
   */
  async powerSwitch(): Promise<{ socket: string; agentDir: string }> {
    const socket = join(this.dir, 'power.sock');
    const agentDir = fenceAgentDir();
    if (!this.switchServer) {
      // (allowHalfOpen: the agent ends its side after the request; the answer comes when the power is switched.)
      const server = createServer({ allowHalfOpen: true }, (c) => {
        let buf = '';
        c.setEncoding('utf8');
        c.on('data', (d: string) => {
          buf += d;
          if (!buf.includes('\n')) return;
          const [action = '', name = ''] = buf.trim().split(/\s+/);
          void this.switchAction(action, name).then(
            (r) => c.end(`${r}\n`),
            (e: Error) => c.end(`error ${e.message}\n`),
          );
        });
        c.on('error', () => undefined);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => resolve());
      });
      this.switchServer = server;
    }
    return { socket, agentDir };
  }

  private async switchAction(action: string, name: string): Promise<string> {
    if (action === 'list') return this.nodes.map((n) => n.name).join(' ');
    const node = this.nodes.find((n) => n.name === name);
    if (!node) return `error no node ${name}`;
    const on = () => node.pids().length > 0;
    if (action === 'status') return on() ? 'on' : 'off';
    this.powerEvents.push({ action, node: name, at: Date.now() });
    if (action === 'off' || action === 'reboot') if (on()) await this.powerOff(name);
    if (action === 'on' && !on()) await this.startNode(name);
    // (A reboot: the outlet is switched off, then on again; the node boots on its own time.)
    if (action === 'reboot') void this.startNode(name).catch(() => undefined);
    return 'ok';
  }

  async setLoss(name: string, percent: number): Promise<void> {
    this.requireNetns('packet loss');
    await netns.setLoss(this.node(name).ns!, percent);
  }

  /** Everything this cluster still has on the host: namespaces and live processes. */
  leftovers(): { namespaces: string[]; pids: number[] } {
    return {
      namespaces: process.getuid?.() === 0 ? clusterNamespaces(this.id) : [],
      pids: markedPids(this.id).filter(isAlive),
    };
  }

  /** Stops everything: processes (SIGTERM, then SIGKILL), namespaces, directories. */
  async stop(opts: { graceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pids = markedPids(this.id).filter(isAlive);
    killPids(pids, 'SIGTERM');
    const deadline = Date.now() + (opts.graceMs ?? 3000);
    while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    this.destroySync();
  }

  /** Synchronous teardown, also used by the exit handler. */
  destroySync(): void {
    this.stopped = true;
    this.switchServer?.close();
    liveClusters.delete(this);
    destroyClusterSync(this.id, this.dir, !!this.opts.keepDirs);
  }

  private requireNetns(what: string): void {
    if (this.mode !== 'netns') throw new Error(`${what} needs the netns mode (root); this cluster runs on loopback`);
  }

  private async startAnchor(node: HarnessNode): Promise<void> {
    const ready = join(node.dir, '.anchor-ready');
    // (The marker of a previous boot goes first: the daemons must not start before the mounts.)
    rmSync(ready, { force: true });
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const script = [
      'set -e',
      `rm -f ${q(ready)}`,
      `hostname ${q(node.name)}`,
      ...this.privateDirs.flatMap((d) => [`mkdir -p ${q(d)}`, `mount --bind ${q(join(node.dir, d))} ${q(d)}`]),
      'mount -t tmpfs -o mode=0755 tmpfs /run',
      'mkdir -p /run/lock /run/heartbeat-ts',
      ...(this.opts.tmpfs ?? []).map((d) => `mount -t tmpfs -o mode=1777 tmpfs ${q(d)}`),
      `touch ${q(ready)}`,
      'exec sleep infinity',
    ].join('\n');
    const p = execa('ip', ['netns', 'exec', node.ns!, 'unshare', '--mount', '--uts', '--propagation', 'private', '--', 'sh', '-c', script], {
      env: node.env(),
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: { file: join(node.dir, 'var/log/heartbeat-ts', 'anchor.out'), append: true },
      detached: true,
      reject: false,
      cleanup: false,
    });
    p.catch(() => undefined);
    await waitFor(`node ${node.name}'s namespaces`, () => existsSync(ready) || p.exitCode !== null, { timeoutMs: 10_000 });
    if (!existsSync(ready)) throw new Error(`node ${node.name}: namespace setup failed: ${node.output('anchor')}`);
    node.anchorPid = p.pid;
  }
}
