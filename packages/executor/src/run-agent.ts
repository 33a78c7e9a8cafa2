/**
 * Running one action of one agent: its own process group, Pacemaker's environment, a
 * timeout that sends SIGTERM to the whole group and SIGKILL after a grace period, output
 * captured (the end of it, bounded, however much the agent prints) without waiting for
 * helpers the agent leaves behind.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { killGroup } from '@heartbeat-ts/cluster-glue';
import { execa } from 'execa';
import { AgentError, type AgentLocations, defaultLocations, invocation } from './agent-classes.js';
import { type AgentSpec, describeRc, type OcfCall, ocfEnvironment } from './ocf.js';

export type OpStatus = 'done' | 'timeout' | 'not-installed' | 'error' | 'cancelled';

export interface OpResult {
  /** The OCF return code (LSB, heartbeat and systemd codes mapped). */
  rc: number;
  status: OpStatus;
  /** The end of stdout and stderr together (at most `maxOutput` bytes). */
  output: string;
  /** Bytes the agent printed in all. */
  outputBytes: number;
  execMs: number;
  /** The agent's own exit code, before mapping. */
  exitCode?: number;
  pid?: number;
  /** For people: "OCF_NOT_RUNNING (not running)", "timed out after 20000 ms"... */
  reason: string;
}

export interface RunOptions extends OcfCall {
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL of the agent's process group. Default 5 s. */
  killGraceMs?: number;
  maxOutput?: number;
  /** Extra environment (over ours, which agents inherit as Pacemaker's executor's do, without OCF_* variables). */
  env?: Record<string, string>;
  /** Positional arguments before the action (heartbeat class). */
  args?: string[];
  locations?: AgentLocations;
  /** Aborting terminates the agent like a timeout does (status "cancelled"). */
  signal?: AbortSignal;
  /** Capture standard output only (meta-data: warnings on stderr must not end up in the XML). */
  stdoutOnly?: boolean;
  /** Called once the agent's process exists. */
  onSpawn?: (pid: number) => void;
}

/** PATH for agents: the usual system directories and this Node's (agents written with our SDK run on it). */
const AGENT_PATH = [...new Set([dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(':');

let scratch: string | undefined;
let seq = 0;
function outputFile(): string {
  if (!scratch) {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-agent-out-'));
    scratch = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return join(scratch, `${process.pid}-${++seq}`);
}

/** The last `max` bytes of a file and its size. */
function tail(file: string, max: number): { text: string; bytes: number } {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, max);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return { text: buf.toString('utf8'), bytes: size };
  } catch {
    return { text: '', bytes: 0 };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function runAgent(agent: AgentSpec, action: string, opts: RunOptions): Promise<OpResult> {
  const loc = opts.locations ?? defaultLocations(opts.ocfRoot ? { ocfRoot: opts.ocfRoot } : {});
  let inv;
  try {
    inv = invocation(agent, action, loc, opts.args);
  } catch (e) {
    if (!(e instanceof AgentError)) throw e;
    const rc = e.kind === 'not-executable' ? 4 : e.kind === 'bad-name' ? 2 : 5;
    return { rc, status: 'not-installed', output: '', outputBytes: 0, execMs: 0, reason: e.message };
  }
  const t0 = Date.now();
  // One descriptor (O_APPEND) for both streams: they interleave instead of overwriting each
  // other, and execa creates no streams of its own (a third of its cost per process).
  const outFile = outputFile();
  const fd = openSync(outFile, 'a');
  const env = { ...inheritedEnv(), PATH: AGENT_PATH, ...(agent.class === 'ocf' || agent.class === 'stonith' ? ocfEnvironment(agent, { ...opts, ocfRoot: loc.ocfRoot }) : {}), ...opts.env };
  // execa's types list only descriptors 3-9; it passes any open descriptor on.
  const out = fd as 3;
  let proc;
  try {
    proc = opts.stdoutOnly
      ? execa(inv.file, inv.args, { env, extendEnv: false, detached: true, stdin: 'ignore', stdout: out, stderr: 'ignore', reject: false, cleanup: false, buffer: false })
      : execa(inv.file, inv.args, { env, extendEnv: false, detached: true, stdin: 'ignore', stdout: out, stderr: out, reject: false, cleanup: false, buffer: false });
  } finally {
    closeSync(fd);
  }
  if (proc.pid) opts.onSpawn?.(proc.pid);
  let ended: 'timeout' | 'cancelled' | undefined;
  let kill: NodeJS.Timeout | undefined;
  const terminate = (why: 'timeout' | 'cancelled') => {
    if (ended) return;
    ended = why;
    if (proc.pid) killGroup(proc.pid, 'SIGTERM');
    kill = setTimeout(() => proc.pid && killGroup(proc.pid, 'SIGKILL'), opts.killGraceMs ?? 5000);
  };
  const term = setTimeout(() => terminate('timeout'), opts.timeoutMs);
  const onAbort = () => terminate('cancelled');
  opts.signal?.addEventListener('abort', onAbort);
  const res = await proc;
  clearTimeout(term);
  clearTimeout(kill);
  opts.signal?.removeEventListener('abort', onAbort);
  // Whatever the agent left behind in its group goes with it when it was stopped by us.
  if (ended && proc.pid) killGroup(proc.pid, 'SIGKILL');
  const { text: output, bytes: outputBytes } = tail(outFile, opts.maxOutput ?? 64 * 1024);
  rmSync(outFile, { force: true });
  const execMs = Date.now() - t0;
  const base = { output, outputBytes, execMs, ...(proc.pid ? { pid: proc.pid } : {}) };
  if (ended === 'timeout') return { ...base, rc: 1, status: 'timeout', reason: `timed out after ${opts.timeoutMs} ms${res.signal === 'SIGKILL' ? ' (ignored SIGTERM, killed)' : ''}` };
  if (ended === 'cancelled') return { ...base, rc: 1, status: 'cancelled', reason: 'cancelled' };
  if (res.exitCode === undefined || res.exitCode === null) {
    if (res.failed && !res.signal) return { ...base, rc: 5, status: 'not-installed', reason: `${inv.file} could not be run: ${res.shortMessage ?? res.message}` };
    return { ...base, rc: 1, status: 'error', reason: `killed by ${res.signal ?? 'a signal'}` };
  }
  const rc = inv.toOcf(res.exitCode, output);
  return { ...base, rc, exitCode: res.exitCode, status: 'done', reason: describeRc(rc) + (rc !== res.exitCode ? ` (${agent.class} exit code ${res.exitCode})` : '') };
}

/** The executor's environment as agents inherit it (Pacemaker's executor passes its own on too), without OCF_* variables of its own. */
function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OCF_')) out[k] = v;
  return out;
}
