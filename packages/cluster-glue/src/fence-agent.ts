/**
 * The fencing device layer (what cluster-glue's stonith library was): running fence agents
 * through the fence-agents API — the agent started with no arguments, its options as
 * `key=value` lines on stdin (`action` among them: off, on, reboot, status, list, list-status,
 * monitor, validate-all, metadata), exit code 0 for success (`status`: 0 on, 2 off, 1 error).
 * Any executable that follows the API is an agent: Debian's `/usr/sbin/fence_*`, or ours.
 * A run has a timeout: the agent (its process group) is killed and the result is `timeout`.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { elements, parseXml, type XmlElement } from './xml.js';

export const DEFAULT_FENCE_AGENT_DIRS = ['/usr/sbin'];

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

/** Runs `action` with `options` (key=value on stdin); never throws. */
export function runFenceAgent(path: string, action: string, options: Record<string, string>, opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<FenceAgentResult> {
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
      child = spawn(path, [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...opts.env } });
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
    child.stdin!.end([`action=${action}`, ...Object.entries(options).map(([k, v]) => `${k}=${v}`), ''].join('\n'));
  });
}

/** The agent's meta-data (`-o metadata`), parsed; throws with the agent's output when it has none. */
export async function fenceAgentMetadata(path: string, timeoutMs = 10_000): Promise<FenceAgentMetadata> {
  const r = await runFenceAgent(path, 'metadata', {}, { timeoutMs });
  const start = r.output.indexOf('<resource-agent');
  if (r.rc !== 0 || start < 0) throw new Error(`${path}: no meta-data (rc ${r.rc}, ${r.status}): ${r.output.trim().slice(0, 300)}`);
  const end = r.output.indexOf('</resource-agent>');
  const root = parseXml(r.output.slice(start, end >= 0 ? end + '</resource-agent>'.length : undefined), `${path} meta-data`);
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
