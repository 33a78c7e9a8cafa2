/**
 * The fencing device layer (what cluster-glue's stonith library was): running fence agents
 * through the fence-agents API — the agent started with no arguments, its options as
 * `key=value` lines on stdin (`action` among them: off, on, reboot, status, list, list-status,
 * monitor, validate-all, metadata), exit code 0 for success (`status`: 0 on, 2 off, 1 error).
 * Any executable that follows the API is an agent: Debian's `/usr/sbin/fence_*`, or ours.
 * And cluster-glue's stonith plugins (`/usr/lib/stonith/plugins`: `null`, `meatware`, `ssh`...
 * in stonith2/, `external/ssh`, `external/ipmi`... in external/), run through cluster-glue's
 * `stonith` command with the same actions (reboot is the plugin's reset; list its -l; status
 * and monitor its -S device status), as Pacemaker runs them through fence_legacy.
 * A run has a timeout: the agent (its process group) is killed and the result is `timeout`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { elements, parseXml, type XmlElement } from './xml.js';

export const DEFAULT_FENCE_AGENT_DIRS = ['/usr/sbin'];
/** cluster-glue's stonith plugins, and the command that runs them. */
export const DEFAULT_STONITH_PLUGIN_DIR = '/usr/lib/stonith/plugins';
export const DEFAULT_STONITH_COMMAND = '/usr/sbin/stonith';

/** Something that fences: a fence agent (an executable), or a stonith plugin (a type for `stonith -t`). */
export type FenceAgent = { kind: 'agent'; name: string; path: string } | { kind: 'plugin'; name: string; command: string };

export interface FenceAgentDirs {
  /** Where fence agents are (default /usr/sbin). */
  agentDirs?: string[];
  /** Where stonith plugins are (default /usr/lib/stonith/plugins), and the `stonith` command. */
  pluginDir?: string;
  stonithCommand?: string;
}

export interface FenceAgentResult {
  rc: number;
  status: 'done' | 'timeout' | 'error';
  /** stdout and stderr, as the agent wrote them. */
  output: string;
  ms: number;
}

export interface FenceAgentMetadata {
  name: string;
  shortdesc: string;
  parameters: { name: string; required: boolean; type: string; default?: string; shortdesc: string }[];
  actions: string[];
}

const isExecutable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Where an agent (`fence_xvm`, or a path) is; undefined if no directory has it. */
export function findFenceAgent(agent: string, dirs: string[] = DEFAULT_FENCE_AGENT_DIRS): string | undefined {
  if (agent.includes('/')) return isExecutable(agent) ? agent : undefined;
  if (!/^fence_[\w.-]+$/.test(agent)) return undefined;
  for (const d of dirs) if (isExecutable(join(d, agent))) return join(d, agent);
  return undefined;
}

/** The agents installed in `dirs` (names, sorted, each once). */
export function installedFenceAgents(dirs: string[] = DEFAULT_FENCE_AGENT_DIRS): string[] {
  const out = new Set<string>();
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (/^fence_[\w.-]+$/.test(n) && isExecutable(join(d, n))) out.add(n);
  }
  return [...out].sort();
}

/** The stonith plugins installed (`null`, `external/ssh`...), sorted. */
export function installedStonithPlugins(pluginDir = DEFAULT_STONITH_PLUGIN_DIR): string[] {
  const list = (d: string) => {
    try {
      return readdirSync(d);
    } catch {
      return [];
    }
  };
  // (Not `external` and `rhcs`: the loaders of the external/ scripts and of fence agents, which are listed as themselves.)
  const native = list(join(pluginDir, 'stonith2')).filter((n) => n.endsWith('.so') && n !== 'external.so' && n !== 'rhcs.so').map((n) => n.slice(0, -3));
  const external = list(join(pluginDir, 'external')).filter((n) => isExecutable(join(pluginDir, 'external', n))).map((n) => `external/${n}`);
  return [...native, ...external].sort();
}

/** The stonith plugin of that type, if installed and the `stonith` command with it. */
function findStonithPlugin(type: string, pluginDir: string, command: string): boolean {
  if (!isExecutable(command)) return false;
  const m = /^external\/([\w.-]+)$/.exec(type);
  if (m) return isExecutable(join(pluginDir, 'external', m[1]!));
  return /^[\w.-]+$/.test(type) && !type.startsWith('fence_') && existsSync(join(pluginDir, 'stonith2', `${type}.so`));
}

/** What fences as `name` (a CIB device's type): a fence agent, else a stonith plugin; undefined if neither is installed. */
export function resolveFenceAgent(name: string, dirs: FenceAgentDirs = {}): FenceAgent | undefined {
  const path = findFenceAgent(name, dirs.agentDirs);
  if (path) return { kind: 'agent', name, path };
  const command = dirs.stonithCommand ?? DEFAULT_STONITH_COMMAND;
  return findStonithPlugin(name, dirs.pluginDir ?? DEFAULT_STONITH_PLUGIN_DIR, command) ? { kind: 'plugin', name, command } : undefined;
}

/** The stonith plugins and fence agents installed, in that order (as `stonith_admin --list-installed` shows them). */
export function installedFencing(dirs: FenceAgentDirs = {}): string[] {
  return [...(isExecutable(dirs.stonithCommand ?? DEFAULT_STONITH_COMMAND) ? installedStonithPlugins(dirs.pluginDir) : []), ...installedFenceAgents(dirs.agentDirs)];
}

/** Where a fence agent or plugin is, for messages. */
export const fenceAgentWhere = (dirs: FenceAgentDirs = {}) => `${(dirs.agentDirs ?? DEFAULT_FENCE_AGENT_DIRS).join(', ')} or ${dirs.pluginDir ?? DEFAULT_STONITH_PLUGIN_DIR}`;

/** Runs a fencing action with a fence agent or a stonith plugin; never throws. */
export function runFencing(agent: FenceAgent, action: string, options: Record<string, string>, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<FenceAgentResult> {
  if (agent.kind === 'agent') return runFenceAgent(agent.path, action, options, opts);
  return runStonithPlugin(agent.command, agent.name, action, options, opts);
}

const PLUGIN_TARGET_ACTIONS: Record<string, string> = { reboot: 'reset', off: 'off', on: 'on' };
/**
 * A stonith plugin's action through `stonith -t TYPE name=value... {-T reset|off|on NODE | -l | -S | -m}`:
 * the device's options as parameters, the node from `plug` (or `port`, `nodename`).
 */
export function runStonithPlugin(command: string, type: string, action: string, options: Record<string, string>, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<FenceAgentResult> {
  const { plug, port, nodename, ...params } = options;
  const node = plug ?? port ?? nodename;
  const args = ['-t', type, ...Object.entries(params).map(([k, v]) => `${k}=${v}`)];
  if (action === 'metadata') return runProcess(command, ['-t', type, '-m'], undefined, opts);
  if (action === 'list') return runProcess(command, [...args, '-l'], undefined, opts);
  if (['status', 'monitor', 'validate-all'].includes(action)) return runProcess(command, [...args, '-S'], undefined, opts);
  const t = PLUGIN_TARGET_ACTIONS[action];
  if (!t || !node) return Promise.resolve({ rc: 1, status: 'error', output: `stonith plugin ${type}: ${t ? `${action} needs a node (plug)` : `no action ${action}`}`, ms: 0 });
  return runProcess(command, [...args, '-T', t, node], undefined, opts);
}

/** Runs `action` with `options` (key=value on stdin); never throws. */
export function runFenceAgent(path: string, action: string, options: Record<string, string>, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<FenceAgentResult> {
  return runProcess(path, [], [`action=${action}`, ...Object.entries(options).map(([k, v]) => `${k}=${v}`), ''].join('\n'), opts);
}

/** Runs a command in its own process group, `stdin` written to it; killed (the group) at the timeout. */
function runProcess(path: string, args: string[], stdin: string | undefined, opts: { timeoutMs?: number; env?: Record<string, string> }): Promise<FenceAgentResult> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let settled = false;
    const done = (r: Omit<FenceAgentResult, 'ms' | 'output'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, output, ms: Date.now() - t0 });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(path, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...opts.env } });
    } catch (e) {
      output = (e as Error).message;
      resolve({ rc: 1, status: 'error', output, ms: Date.now() - t0 });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', (e) => {
      output += e.message;
      done({ rc: 1, status: 'error' });
    });
    child.on('close', (code) => {
      if (timedOut) done({ rc: 1, status: 'timeout' });
      else done({ rc: code ?? 1, status: code === null ? 'error' : 'done' });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(stdin ?? '');
  });
}

/**
 * Node names in a fence agent's `list` output ("port,alias" or "name" per line: both names), or a
 * stonith plugin's (a name per line); status lines left out. `ports`: the first name of a line only.
 */
export function parseAgentList(output: string, opts: { ports?: boolean } = {}): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Success|Status|Failed|WARNING|ERROR)/i.test(l))
    .flatMap((l) => l.split(',').map((x) => x.trim()).filter(Boolean).slice(0, opts.ports ? 1 : undefined));
}

/** Meta-data read, by agent, while its file does not change. */
const metadataCache = new Map<string, { mtimeMs: number; xml: string }>();

/**
 * The meta-data XML of a fence agent (`-o metadata`) or a stonith plugin (`stonith -m`), read once
 * and cached until the agent's file changes; throws with its output when it has none.
 */
export async function fenceMetadataXml(agent: FenceAgent, timeoutMs = 10_000): Promise<string> {
  const file = agent.kind === 'agent' ? agent.path : agent.command;
  let mtimeMs = -1;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    // (Gone: run it anyway, and say what happens.)
  }
  const key = `${agent.kind}:${agent.name}`;
  const cached = metadataCache.get(key);
  if (cached && cached.mtimeMs === mtimeMs) return cached.xml;
  const r = await runFencing(agent, 'metadata', {}, { timeoutMs });
  const start = r.output.indexOf('<resource-agent');
  if (r.rc !== 0 || start < 0) throw new Error(`${agent.name}: no meta-data (rc ${r.rc}, ${r.status}): ${r.output.trim().slice(0, 300)}`);
  const xml = `<?xml version="1.0" ?>\n${r.output.slice(start)}`;
  metadataCache.set(key, { mtimeMs, xml });
  return xml;
}

/** The agent's meta-data (a fence agent's path, or either kind), parsed; throws with the agent's output when it has none. */
export async function fenceAgentMetadata(agent: string | FenceAgent, timeoutMs = 10_000): Promise<FenceAgentMetadata> {
  const a: FenceAgent = typeof agent === 'string' ? { kind: 'agent', name: agent, path: agent } : agent;
  const xml = await fenceMetadataXml(a, timeoutMs);
  const start = xml.indexOf('<resource-agent');
  const end = xml.indexOf('</resource-agent>');
  const path = a.name;
  const root = parseXml(xml.slice(start, end >= 0 ? end + '</resource-agent>'.length : undefined), `${path} meta-data`);
  const kids = (e: XmlElement | undefined, name: string) => (e ? elements(e, name) : []);
  const text = (e: XmlElement | undefined) => (e?.children ?? []).map((c) => ('text' in c ? c.text : '')).join('').trim();
  return {
    name: root.attrs.name ?? path,
    shortdesc: root.attrs.shortdesc ?? text(kids(root, 'shortdesc')[0]),
    parameters: kids(kids(root, 'parameters')[0], 'parameter').map((p) => {
      const content = kids(p, 'content')[0];
      return {
        name: p.attrs.name ?? '',
        required: p.attrs.required === '1',
        type: content?.attrs.type ?? 'string',
        ...(content?.attrs.default !== undefined ? { default: content.attrs.default } : {}),
        shortdesc: text(kids(p, 'shortdesc')[0]),
      };
    }),
    actions: kids(kids(root, 'actions')[0], 'action').map((a) => a.attrs.name ?? ''),
  };
}
