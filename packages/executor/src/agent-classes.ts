/**
 * What differs between agent classes, as Pacemaker treats them: where the executable is,
 * how an action is invoked (OCF: `agent ACTION` with OCF_* environment; LSB: `script
 * start|stop|status`; heartbeat: `script [ARGS...] start|stop|status`; systemd: systemctl),
 * how exit codes map to OCF's, and which agents exist. Pure apart from reading directories.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentSpec } from './ocf.js';

export interface AgentLocations {
  /** OCF_ROOT given to OCF agents (their shell functions are under it). */
  ocfRoot: string;
  /** Directories searched for `<provider>/<type>` (Pacemaker's OCF_RA_PATH); default `<ocfRoot>/resource.d`. */
  ocfRaPath: string[];
  initDir: string;
  heartbeatDir: string;
  /** Whether systemd runs this host (`/run/systemd/system` exists). */
  systemd: boolean;
  /**
   * A command that checks a fencing device through this node's fencer, the device's id appended
   * (`stonith_admin --root R -Q`: 0 it works, 105 no such device): what a stonith resource's start
   * and monitor run. Without it, a stonith resource is only recorded as started or stopped.
   */
  fenceQuery?: string[];
}

/** The fenceQuery command for a stonith_admin (its path) and a node's runtime root: `stonith_admin [--root R] -Q`. */
export function stonithAdminQuery(stonithAdmin: string, root?: string): string[] {
  return [process.execPath, stonithAdmin, ...(root ? ['--root', root] : []), '-Q'];
}

export function defaultLocations(over: Partial<AgentLocations> = {}): AgentLocations {
  const ocfRoot = over.ocfRoot ?? process.env.OCF_ROOT ?? '/usr/lib/ocf';
  const envPath = process.env.OCF_RA_PATH?.split(':').filter(Boolean);
  return {
    ocfRoot,
    ocfRaPath: over.ocfRaPath ?? envPath ?? [join(ocfRoot, 'resource.d')],
    initDir: over.initDir ?? '/etc/init.d',
    heartbeatDir: over.heartbeatDir ?? '/etc/ha.d/resource.d',
    systemd: over.systemd ?? existsSync('/run/systemd/system'),
    ...(over.fenceQuery ? { fenceQuery: over.fenceQuery } : {}),
  };
}

export class AgentError extends Error {
  constructor(
    /** not-installed: no such agent; not-executable; unavailable: class not usable on this host. */
    readonly kind: 'not-installed' | 'not-executable' | 'unavailable' | 'bad-name',
    message: string,
  ) {
    super(message);
  }
}

export const agentName = (a: AgentSpec): string => `${a.class}:${a.provider ? `${a.provider}:` : ''}${a.type}`;

/** What to execute for one action: file, arguments, and how to read its exit code. */
export interface Invocation {
  file: string;
  args: string[];
  /** The class's exit code (and output) as an OCF code. */
  toOcf(code: number, output: string): number;
}

function checkExecutable(file: string, name: string): void {
  let st;
  try {
    st = statSync(file);
  } catch {
    throw new AgentError('not-installed', `agent ${name} is not installed: no ${file}`);
  }
  if (!st.isFile()) throw new AgentError('not-installed', `agent ${name}: ${file} is not a file`);
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new AgentError('not-executable', `agent ${name}: ${file} is not executable (chmod +x?)`);
  }
}

/** The OCF agent's file: the first provider directory on the path that has it. */
export function ocfAgentFile(a: AgentSpec, loc: AgentLocations): string {
  for (const dir of loc.ocfRaPath) {
    const f = join(dir, a.provider ?? '', a.type);
    if (existsSync(f)) return f;
  }
  return join(loc.ocfRaPath[0] ?? join(loc.ocfRoot, 'resource.d'), a.provider ?? '', a.type);
}

/**
 * LSB status codes (0 running; 1, 2, 3 not running: dead with pid file, dead with lock, stopped;
 * 4 unknown) and other actions' codes (0-7 as OCF's) mapped as Pacemaker maps them.
 */
export function lsbToOcf(action: string, code: number): number {
  if (action === 'status' || action === 'monitor') {
    if (code === 0) return 0;
    if (code >= 1 && code <= 3) return 7;
    return 1;
  }
  return code >= 0 && code <= 7 ? code : 1;
}

/** The executable and arguments for an action of this agent; throws AgentError if it cannot run. */
export function invocation(a: AgentSpec, action: string, loc: AgentLocations, args: string[] = []): Invocation {
  const name = agentName(a);
  if (a.type.includes('/') || a.type === '..' || (a.provider ?? '').includes('/')) throw new AgentError('bad-name', `"${name}": agent names cannot contain "/"`);
  switch (a.class) {
    case 'ocf': {
      const file = ocfAgentFile(a, loc);
      checkExecutable(file, name);
      return { file, args: [action], toOcf: (c) => c };
    }
    case 'service':
    case 'lsb': {
      if (a.class === 'service' && loc.systemd) return invocation({ class: 'systemd', type: a.type }, action, loc);
      const file = join(loc.initDir, a.type);
      checkExecutable(file, name);
      const verb = action === 'monitor' ? 'status' : action;
      return { file, args: [verb], toOcf: (c) => lsbToOcf(verb, c) };
    }
    case 'heartbeat': {
      const file = join(loc.heartbeatDir, a.type);
      checkExecutable(file, name);
      const verb = action === 'monitor' ? 'status' : action;
      // heartbeat scripts say "running"/"OK" on status; their exit code alone is unreliable.
      const toOcf = (c: number, out: string) => (verb === 'status' ? (c === 0 && /\b(running|ok)\b/i.test(out) ? 0 : 7) : c === 0 ? 0 : 1);
      return { file, args: [...args, verb], toOcf };
    }
    case 'systemd': {
      if (!loc.systemd) throw new AgentError('unavailable', `agent ${name}: this host does not run systemd (no /run/systemd/system); use lsb:${a.type} for an init script`);
      const unit = a.type.includes('.') ? a.type : `${a.type}.service`;
      const verb = action === 'monitor' || action === 'status' ? 'is-active' : action;
      return { file: '/bin/systemctl', args: [verb, unit], toOcf: (c) => (verb === 'is-active' ? (c === 0 ? 0 : 7) : c === 0 ? 0 : 1) };
    }
    case 'stonith': {
      // Fence devices are run by the fencer, which reads them from the CIB. A stonith resource
      // started here is recorded (a file) once the fencer's check of the device (its agent's
      // monitor, else list) works; its monitor checks it again. Without a fencer to ask, only
      // the record.
      const script = [
        'act="$1"; shift',
        'f="${HA_RSCTMP:-/run}/stonith-device-${OCF_RESOURCE_INSTANCE:-device}"',
        'check() { [ $# -gt 0 ] || return 0; "$@" "${OCF_RESOURCE_INSTANCE:-device}" >&2; }',
        'case "$act" in',
        '  start) check "$@"; rc=$?; [ $rc -eq 0 ] && { : > "$f"; exit 0; }; [ $rc -eq 105 ] && exit 5; exit 1 ;;',
        '  stop) rm -f "$f" ;;',
        '  monitor|status) [ -e "$f" ] || exit 7; check "$@" || exit 1 ;;',
        '  meta-data) echo "<resource-agent name=\\"stonith\\"/>" ;;',
        '  *) exit 3 ;;',
        'esac',
      ].join('\n');
      return { file: '/bin/sh', args: ['-c', script, name, action, ...(loc.fenceQuery ?? [])], toOcf: (c) => c };
    }
  }
}

export const CLASSES = ['ocf', 'lsb', 'service', 'heartbeat', 'systemd'] as const;

const listExecutables = (dir: string): string[] => {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && !d.name.startsWith('.'))
      .filter((d) => {
        try {
          accessSync(join(dir, d.name), constants.X_OK);
          return statSync(join(dir, d.name)).isFile();
        } catch {
          return false;
        }
      })
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
};

export function listProviders(loc: AgentLocations): string[] {
  const set = new Set<string>();
  for (const dir of loc.ocfRaPath) {
    try {
      for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory() || d.isSymbolicLink()) set.add(d.name);
    } catch {
      /* missing directory */
    }
  }
  return [...set].sort();
}

/** Agent names of a class (`ocf:PROVIDER:TYPE`, `lsb:NAME`, ...), sorted. */
export function listAgents(loc: AgentLocations, cls?: string, provider?: string): string[] {
  const out: string[] = [];
  if (!cls || cls === 'ocf') {
    for (const p of provider ? [provider] : listProviders(loc)) {
      const types = new Set<string>();
      for (const dir of loc.ocfRaPath) for (const t of listExecutables(join(dir, p))) types.add(t);
      for (const t of [...types].sort()) out.push(`ocf:${p}:${t}`);
    }
  }
  if (!cls || cls === 'lsb' || cls === 'service') for (const t of listExecutables(loc.initDir)) out.push(`${cls ?? 'lsb'}:${t}`);
  if (!cls || cls === 'heartbeat') for (const t of listExecutables(loc.heartbeatDir)) out.push(`heartbeat:${t}`);
  return out;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Metadata for an LSB init script, from its "### BEGIN INIT INFO" header (as Pacemaker builds it). */
export function lsbMetadata(name: string, file: string): string {
  let text = '';
  try {
    text = readFileSync(file, 'utf8').slice(0, 64 * 1024);
  } catch {
    /* unreadable: empty descriptions */
  }
  const header: Record<string, string> = {};
  const m = /### BEGIN INIT INFO([\s\S]*?)### END INIT INFO/.exec(text);
  let last = '';
  for (const line of (m?.[1] ?? '').split('\n')) {
    const kv = /^#\s*([\w-]+):\s*(.*)$/.exec(line);
    if (kv) header[(last = kv[1]!)] = kv[2]!.trim();
    else if (last && /^#(\t|\s{2,})/.test(line)) header[last] += ` ${line.slice(1).trim()}`;
  }
  return [
    '<?xml version="1.0"?>',
    `<resource-agent name="${xmlEscape(name)}" version="1.0">`,
    '  <version>1.0</version>',
    `  <longdesc lang="en">${xmlEscape(header.Description ?? '')}</longdesc>`,
    `  <shortdesc lang="en">${xmlEscape(header['Short-Description'] ?? name)}</shortdesc>`,
    '  <parameters/>',
    '  <actions>',
    '    <action name="meta-data" timeout="5s"/>',
    '    <action name="start" timeout="15s"/>',
    '    <action name="stop" timeout="15s"/>',
    '    <action name="status" timeout="15s"/>',
    '    <action name="restart" timeout="15s"/>',
    '    <action name="force-reload" timeout="15s"/>',
    '    <action name="monitor" timeout="15s" interval="15s"/>',
    '  </actions>',
    ...['Provides', 'Required-Start', 'Required-Stop', 'Should-Start', 'Should-Stop', 'Default-Start', 'Default-Stop'].filter((k) => header[k] !== undefined).map((k) => `  <special tag="LSB"><${k}>${xmlEscape(header[k]!)}</${k}></special>`),
    '</resource-agent>',
    '',
  ].join('\n');
}

/** Metadata for a heartbeat resource.d script (it has no meta-data action). */
export function heartbeatMetadata(name: string): string {
  return [
    '<?xml version="1.0"?>',
    `<resource-agent name="${xmlEscape(name)}" version="1.0">`,
    '  <version>1.0</version>',
    `  <longdesc lang="en">heartbeat v1 resource script ${xmlEscape(name)}: positional arguments 1, 2, ... then the action</longdesc>`,
    `  <shortdesc lang="en">${xmlEscape(name)}</shortdesc>`,
    '  <parameters>',
    ...[1, 2, 3, 4, 5].map((i) => `    <parameter name="${i}" unique="1"><content type="string"/><shortdesc lang="en">argument ${i}</shortdesc></parameter>`),
    '  </parameters>',
    '  <actions>',
    '    <action name="start"/>',
    '    <action name="stop"/>',
    '    <action name="status"/>',
    '    <action name="monitor" interval="15s"/>',
    '    <action name="meta-data"/>',
    '  </actions>',
    '</resource-agent>',
    '',
  ].join('\n');
}
