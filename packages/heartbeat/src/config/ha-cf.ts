/**
 * /etc/ha.d/ha.cf as heartbeat 3.0.6 reads it: one directive per line, `#` comments, values
 * separated by blanks. Every directive 3.0.6 knows is accepted with its compiled-in default;
 * an unknown directive or a bad value stops start-up with file:line and the reason.
 */
import { ConfigError } from '@heartbeat-ts/cluster-glue';
import { parseDurationMs } from './durations.js';

export type Medium =
  | { kind: 'ucast'; iface: string; peers: string[]; line: number }
  | { kind: 'bcast'; ifaces: string[]; line: number }
  | { kind: 'mcast'; iface: string; group: string; port: number; ttl: number; loop: boolean; line: number }
  | { kind: 'serial'; device: string; line: number };

export type CrmMode = 'off' | 'on' | 'respawn' | 'manual';
export type AutoFailback = 'on' | 'off' | 'legacy';

export interface HaCf {
  file: string;
  keepaliveMs: number;
  deadtimeMs: number;
  warntimeMs: number;
  initdeadMs: number;
  deadpingMs: number;
  udpport: number;
  media: Medium[];
  /** Declared node names, lower-case as heartbeat reports them. */
  nodes: string[];
  pingNodes: string[];
  pingGroups: Array<{ name: string; addresses: string[] }>;
  autojoin: 'none' | 'other' | 'any';
  autoFailback: AutoFailback;
  crm: CrmMode;
  respawn: Array<{ user: string; command: string; line: number }>;
  failfast: Array<{ user: string; command: string }>;
  apiauth: Array<{ client: string; spec: string }>;
  env: Record<string, string>;
  logfile?: string;
  debugfile?: string;
  logfacility?: string;
  useLogd: boolean;
  debug: number;
  msgfmt: 'classic' | 'netstring';
  compression: string;
  compressionThresholdKb: number;
  traditionalCompression: boolean;
  realtime: boolean;
  rtprio?: number;
  maxRexmitDelayMs: number;
  hopfudge: number;
  cluster: string;
  uuidfrom: 'file' | 'nodename';
  hbgenmethod: 'file' | 'time';
  /** Every directive as written (name → values of each occurrence), including ones we only record. */
  raw: Record<string, string[]>;
}

type Setter = (cfg: HaCf, args: string[], line: number, fail: (why: string) => never) => void;

const bool = (v: string | undefined, fail: (w: string) => never, name: string): boolean => {
  const s = (v ?? '').toLowerCase();
  if (['on', 'yes', 'true', 'y', '1'].includes(s)) return true;
  if (['off', 'no', 'false', 'n', '0'].includes(s)) return false;
  return fail(`${name} must be on/off, yes/no or true/false, not "${v ?? ''}"`);
};

function one(args: string[], name: string, fail: (w: string) => never): string {
  if (args.length !== 1) fail(`${name} takes exactly one value`);
  return args[0]!;
}

function duration(name: string): Setter {
  return (cfg, args, _l, fail) => {
    const ms = parseDurationMs(one(args, name, fail));
    if (ms === undefined || ms <= 0) fail(`${name}: "${args[0]}" is not a time (use e.g. 2, 1.5, 500ms)`);
    (cfg as unknown as Record<string, number>)[`${name}Ms`] = ms!;
  };
}

const int = (v: string, name: string, fail: (w: string) => never, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
  if (!/^\d+$/.test(v)) fail(`${name}: "${v}" is not a number`);
  const n = Number(v);
  if (n < min || n > max) fail(`${name}: ${n} is out of range ${min}..${max}`);
  return n;
};

const recordOnly: Setter = () => undefined;

/** Directive → what it does. Names as heartbeat 3.0.6 spells them. */
const DIRECTIVES: Record<string, Setter> = {
  keepalive: duration('keepalive'),
  deadtime: duration('deadtime'),
  warntime: duration('warntime'),
  initdead: duration('initdead'),
  deadping: duration('deadping'),
  udpport: (c, a, _l, f) => void (c.udpport = int(one(a, 'udpport', f), 'udpport', f, 1, 65535)),
  ucast: (c, a, line, f) => {
    if (a.length < 2) f('ucast needs an interface and at least one peer address: ucast eth0 10.0.0.2');
    c.media.push({ kind: 'ucast', iface: a[0]!, peers: a.slice(1), line });
  },
  bcast: (c, a, line, f) => {
    if (a.length < 1) f('bcast needs at least one interface: bcast eth0');
    c.media.push({ kind: 'bcast', ifaces: a, line });
  },
  mcast: (c, a, line, f) => {
    if (a.length !== 5) f('mcast needs: interface group port ttl loop, e.g. mcast eth0 225.0.0.1 694 1 0');
    const [iface, group, port, ttl, loop] = a as [string, string, string, string, string];
    if (!/^2(2[4-9]|3\d)\.\d+\.\d+\.\d+$/.test(group)) f(`mcast: ${group} is not a multicast address (224.0.0.0-239.255.255.255)`);
    c.media.push({ kind: 'mcast', iface, group, port: int(port, 'mcast port', f, 1, 65535), ttl: int(ttl, 'mcast ttl', f, 0, 255), loop: int(loop, 'mcast loop', f, 0, 1) === 1, line });
  },
  serial: (c, a, line, f) => {
    for (const device of a) c.media.push({ kind: 'serial', device, line });
    if (a.length === 0) f('serial needs a device');
  },
  baud: recordOnly,
  node: (c, a, _l, f) => {
    if (a.length === 0) f('node needs at least one node name');
    for (const n of a) {
      const name = n.toLowerCase();
      if (!c.nodes.includes(name)) c.nodes.push(name);
    }
  },
  ping: (c, a, _l, f) => {
    if (a.length === 0) f('ping needs at least one address');
    c.pingNodes.push(...a);
  },
  ping_group: (c, a, _l, f) => {
    if (a.length < 2) f('ping_group needs a name and at least one address');
    c.pingGroups.push({ name: a[0]!, addresses: a.slice(1) });
  },
  autojoin: (c, a, _l, f) => {
    const v = one(a, 'autojoin', f).toLowerCase();
    if (v !== 'none' && v !== 'other' && v !== 'any') f('autojoin must be none, other or any');
    c.autojoin = v as HaCf['autojoin'];
  },
  auto_failback: (c, a, _l, f) => {
    const v = one(a, 'auto_failback', f).toLowerCase();
    c.autoFailback = v === 'legacy' ? 'legacy' : bool(v, f, 'auto_failback') ? 'on' : 'off';
  },
  nice_failback: (c, a, _l, f) => {
    // Deprecated: "nice_failback on" is "auto_failback off".
    c.autoFailback = bool(one(a, 'nice_failback', f), f, 'nice_failback') ? 'off' : 'on';
  },
  crm: (c, a, _l, f) => {
    const v = one(a, 'crm', f).toLowerCase();
    if (v === 'respawn') c.crm = 'respawn';
    else if (v === 'manual') c.crm = 'manual';
    else c.crm = bool(v, f, 'crm (or respawn, manual)') ? 'on' : 'off';
  },
  respawn: (c, a, line, f) => {
    if (a.length < 2) f('respawn needs a user and a command: respawn hacluster /usr/lib/heartbeat/ipfail');
    c.respawn.push({ user: a[0]!, command: a.slice(1).join(' '), line });
  },
  failfast: (c, a, _l, f) => {
    if (a.length < 2) f('failfast needs a user and a command');
    c.failfast.push({ user: a[0]!, command: a.slice(1).join(' ') });
  },
  apiauth: (c, a, _l, f) => {
    if (a.length < 2) f('apiauth needs a client name and uid=/gid= lists');
    c.apiauth.push({ client: a[0]!, spec: a.slice(1).join(' ') });
  },
  env: (c, a, _l, f) => {
    const kv = a.join(' ');
    const eq = kv.indexOf('=');
    if (eq <= 0) f('env needs NAME=value');
    c.env[kv.slice(0, eq)] = kv.slice(eq + 1);
  },
  logfile: (c, a, _l, f) => void (c.logfile = one(a, 'logfile', f)),
  debugfile: (c, a, _l, f) => void (c.debugfile = one(a, 'debugfile', f)),
  logfacility: (c, a, _l, f) => {
    const v = one(a, 'logfacility', f);
    if (!/^(none|daemon|user|auth|authpriv|local[0-7])$/.test(v)) f(`logfacility "${v}" is not a syslog facility (daemon, local0..local7, ...) or none`);
    c.logfacility = v;
  },
  use_logd: (c, a, _l, f) => void (c.useLogd = bool(one(a, 'use_logd', f), f, 'use_logd')),
  conn_logd_time: recordOnly,
  debug: (c, a, _l, f) => void (c.debug = int(one(a, 'debug', f), 'debug', f, 0, 255)),
  msgfmt: (c, a, _l, f) => {
    const v = one(a, 'msgfmt', f);
    if (v !== 'classic' && v !== 'netstring') f('msgfmt must be classic or netstring');
    c.msgfmt = v as HaCf['msgfmt'];
  },
  compression: (c, a, _l, f) => {
    const v = one(a, 'compression', f);
    if (v !== 'zlib' && v !== 'bz2') f('compression must be zlib or bz2');
    c.compression = v;
  },
  compression_threshold: (c, a, _l, f) => void (c.compressionThresholdKb = int(one(a, 'compression_threshold', f), 'compression_threshold', f, 1, 64)),
  traditional_compression: (c, a, _l, f) => void (c.traditionalCompression = bool(one(a, 'traditional_compression', f), f, 'traditional_compression')),
  realtime: (c, a, _l, f) => void (c.realtime = bool(one(a, 'realtime', f), f, 'realtime')),
  rtprio: (c, a, _l, f) => void (c.rtprio = int(one(a, 'rtprio', f), 'rtprio', f, 1, 99)),
  max_rexmit_delay: (c, a, _l, f) => void (c.maxRexmitDelayMs = int(one(a, 'max_rexmit_delay', f), 'max_rexmit_delay', f, 1)),
  hopfudge: (c, a, _l, f) => void (c.hopfudge = int(one(a, 'hopfudge', f), 'hopfudge', f, 0, 255)),
  cluster: (c, a, _l, f) => void (c.cluster = one(a, 'cluster', f)),
  uuidfrom: (c, a, _l, f) => {
    const v = one(a, 'uuidfrom', f);
    if (v !== 'file' && v !== 'nodename') f('uuidfrom must be file or nodename');
    c.uuidfrom = v as HaCf['uuidfrom'];
  },
  hbgenmethod: (c, a, _l, f) => {
    const v = one(a, 'hbgenmethod', f);
    if (v !== 'file' && v !== 'time') f('hbgenmethod must be file or time');
    c.hbgenmethod = v as HaCf['hbgenmethod'];
  },
  // Accepted and recorded, with no effect here (documented in the package README).
  watchdog: recordOnly,
  normalpoll: recordOnly,
  use_apphbd: recordOnly,
  log_badpack: recordOnly,
  syslogmsgfmt: recordOnly,
  coredumps: recordOnly,
  coreroot: recordOnly,
  record_config_changes: recordOnly,
  record_pengine_inputs: recordOnly,
  enable_config_writes: recordOnly,
  memreserve: recordOnly,
  quorum_server: recordOnly,
  stonith: recordOnly,
  stonith_host: recordOnly,
};
DIRECTIVES.pacemaker = DIRECTIVES.crm!;
DIRECTIVES.udp = DIRECTIVES.bcast!; // heartbeat 1 name, replaced by bcast

export const KNOWN_DIRECTIVES = Object.keys(DIRECTIVES);

function defaults(file: string): HaCf {
  return {
    file,
    keepaliveMs: 1000,
    deadtimeMs: 30000,
    warntimeMs: -1,
    initdeadMs: -1,
    deadpingMs: -1,
    udpport: 694,
    media: [],
    nodes: [],
    pingNodes: [],
    pingGroups: [],
    autojoin: 'none',
    autoFailback: 'legacy',
    crm: 'off',
    respawn: [],
    failfast: [],
    apiauth: [],
    env: {},
    useLogd: false,
    debug: 0,
    msgfmt: 'classic',
    compression: 'zlib',
    compressionThresholdKb: 2,
    traditionalCompression: false,
    realtime: true,
    maxRexmitDelayMs: 250,
    hopfudge: 1,
    cluster: 'linux-ha',
    uuidfrom: 'file',
    hbgenmethod: 'file',
    raw: {},
  };
}

/**
 * Parses ha.cf text. `localNode` (lower-cased) must be among the nodes unless autojoin is
 * `any`. Throws ConfigError with file:line for the first error.
 */
export function parseHaCf(text: string, file = 'ha.cf', localNode?: string): HaCf {
  const cfg = defaults(file);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, ...args] = line.split(/\s+/) as [string, ...string[]];
    const fail = (why: string): never => {
      throw new ConfigError(why, file, lineNo);
    };
    const setter = DIRECTIVES[name.toLowerCase()];
    if (!setter) fail(`unknown directive "${name}"`);
    setter!(cfg, args, lineNo, fail);
    (cfg.raw[name.toLowerCase()] ??= []).push(args.join(' '));
  }
  const fail = (why: string): never => {
    throw new ConfigError(why, file);
  };
  if (cfg.media.length === 0) fail('no heartbeat media defined (add e.g. "ucast eth0 10.0.0.2", "bcast eth0" or "mcast eth0 225.0.0.1 694 1 0")');
  if (cfg.nodes.length === 0 && cfg.autojoin !== 'any') fail('no nodes defined (add "node NAME" lines, one per cluster node, named as `uname -n`)');
  if (localNode !== undefined) {
    const me = localNode.toLowerCase();
    if (!cfg.nodes.includes(me)) {
      if (cfg.autojoin === 'any') cfg.nodes.push(me);
      else fail(`current node [${me}] not in configuration: nodes are named by \`uname -n\` and must be declared with a "node" directive`);
    }
  }
  if (cfg.deadtimeMs <= 2 * cfg.keepaliveMs) fail(`deadtime [${cfg.deadtimeMs}] is too small compared to keepalive [${cfg.keepaliveMs}]: it must exceed twice keepalive`);
  if (cfg.warntimeMs <= 0) cfg.warntimeMs = Math.floor(cfg.deadtimeMs / 2);
  if (cfg.initdeadMs < 0) cfg.initdeadMs = cfg.deadtimeMs > 10000 ? cfg.deadtimeMs : cfg.deadtimeMs < 6000 ? 12000 : 2 * cfg.deadtimeMs;
  if (cfg.initdeadMs < cfg.deadtimeMs) fail(`initial dead time [${cfg.initdeadMs}] is smaller than deadtime [${cfg.deadtimeMs}]`);
  if (cfg.deadpingMs < 0) cfg.deadpingMs = cfg.deadtimeMs;
  return cfg;
}
