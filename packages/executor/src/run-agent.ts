/**
 * Running one action of one agent: its own process group, Pacemaker's environment, a
 * timeout that sends SIGTERM to the whole group and SIGKILL after a grace period, output
 * captured (the end of it, bounded) without waiting for helpers the agent leaves behind.
 */
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killGroup } from '@heartbeat-ts/cluster-glue';
import { execa } from 'execa';
import { agentPath, type AgentSpec, describeRc, type OcfCall, ocfEnvironment } from './ocf.js';

export type OpStatus = 'done' | 'timeout' | 'not-installed' | 'error';

export interface OpResult {
  rc: number;
  status: OpStatus;
  /** The end of stdout and stderr together (at most `maxOutput` bytes). */
  output: string;
  execMs: number;
  /** For people: "OCF_NOT_RUNNING (not running)", "timed out after 20000 ms"... */
  reason: string;
}

export interface RunOptions extends OcfCall {
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL of the agent's process group. Default 5 s. */
  killGraceMs?: number;
  maxOutput?: number;
  /** Extra environment (PATH etc.); the agent does not inherit ours otherwise. */
  env?: Record<string, string>;
  /** positional arguments before the action (heartbeat class). */
  args?: string[];
}

export async function runAgent(agent: AgentSpec, action: string, opts: RunOptions): Promise<OpResult> {
  const path = agentPath(agent, opts.ocfRoot);
  const t0 = Date.now();
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch {
    return { rc: 5, status: 'not-installed', output: '', execMs: 0, reason: `agent ${agent.class}:${agent.provider ? `${agent.provider}:` : ''}${agent.type} is not installed: no ${path}` };
  }
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return { rc: 5, status: 'not-installed', output: '', execMs: 0, reason: `${path} is not executable (chmod +x?)` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'hbts-op-'));
  const out = { file: join(dir, 'out') } as const;
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...(agent.class === 'ocf' ? ocfEnvironment(agent, opts) : {}), ...opts.env };
  const proc = execa(path, [...(opts.args ?? []), action], { env, extendEnv: false, detached: true, stdin: 'ignore', stdout: out, stderr: out, reject: false, cleanup: true });
  let timedOut = false;
  const term = setTimeout(() => {
    timedOut = true;
    if (proc.pid) killGroup(proc.pid, 'SIGTERM');
  }, opts.timeoutMs);
  const kill = setTimeout(() => {
    if (proc.pid) killGroup(proc.pid, 'SIGKILL');
  }, opts.timeoutMs + (opts.killGraceMs ?? 5000));
  const res = await proc;
  clearTimeout(term);
  clearTimeout(kill);
  if (timedOut && proc.pid) killGroup(proc.pid, 'SIGKILL');
  let output = '';
  try {
    const buf = readFileSync(out.file);
    const max = opts.maxOutput ?? 64 * 1024;
    output = buf.subarray(Math.max(0, buf.length - max)).toString('utf8');
  } catch {
    /* no output */
  }
  rmSync(dir, { recursive: true, force: true });
  const execMs = Date.now() - t0;
  if (timedOut) return { rc: 1, status: 'timeout', output, execMs, reason: `timed out after ${opts.timeoutMs} ms` };
  if (res.exitCode === undefined || res.exitCode === null) return { rc: 1, status: 'error', output, execMs, reason: `killed by ${res.signal ?? 'a signal'}` };
  return { rc: res.exitCode, status: 'done', output, execMs, reason: describeRc(res.exitCode) };
}
