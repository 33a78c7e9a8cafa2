/**
 * Process supervision (what heartbeat's `respawn` did for its client daemons): starts child
 * daemons in order, waits for each to be ready, respawns one that dies (with back-off and a
 * crash-loop limit), forwards signals, and stops them in reverse order — SIGTERM, then
 * SIGKILL to the child's process group after its stop timeout.
 *
 * Every child gets HA_SUPERVISOR_PID so it can exit if the supervisor dies (see daemon.ts).
 * execa is loaded on the first spawn, so daemons that supervise nothing do not pay its
 * memory (about 6 MB).
 */
import { EventEmitter } from 'node:events';
import type { ResultPromise } from 'execa';
import { type Logger, silentLogger } from './log.js';
import { DEFAULT_RESPAWN_POLICY, type RespawnPolicy, RespawnTracker } from './respawn-policy.js';

export interface ChildSpec {
  name: string;
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Respawn when it exits unexpectedly (default true). */
  respawn?: boolean;
  policy?: Partial<RespawnPolicy>;
  /** Resolves when the child is ready to serve (e.g. its socket answers); default: spawned. */
  ready?: (pid: number) => Promise<void>;
  /** Time between SIGTERM and SIGKILL on stop; default 10 s. */
  stopTimeoutMs?: number;
}

export type ChildState = 'stopped' | 'starting' | 'running' | 'backoff' | 'failed' | 'stopping';

export interface ChildStatus {
  name: string;
  state: ChildState;
  pid: number | undefined;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
}

interface Child {
  spec: ChildSpec;
  state: ChildState;
  proc: ResultPromise | undefined;
  startedAt: number;
  restarts: number;
  tracker: RespawnTracker;
  timer: NodeJS.Timeout | undefined;
  lastExit: ChildStatus['lastExit'];
  exited: Promise<void> | undefined;
}

export class Supervisor extends EventEmitter {
  private readonly children: Child[] = [];
  private readonly log: Logger;
  private stopping = false;
  private signalHandlers: Array<[NodeJS.Signals, () => void]> = [];

  constructor(opts: { logger?: Logger } = {}) {
    super();
    this.log = opts.logger ?? silentLogger();
  }

  add(spec: ChildSpec): this {
    if (this.children.some((c) => c.spec.name === spec.name)) throw new Error(`child ${spec.name} added twice`);
    this.children.push({
      spec,
      state: 'stopped',
      proc: undefined,
      startedAt: 0,
      restarts: 0,
      tracker: new RespawnTracker({ ...DEFAULT_RESPAWN_POLICY, ...spec.policy }),
      timer: undefined,
      lastExit: undefined,
      exited: undefined,
    });
    return this;
  }

  /** Starts every child in the order added, each once the previous one is ready. */
  async start(): Promise<void> {
    this.stopping = false;
    for (const c of this.children) await this.spawn(c);
  }

  status(): ChildStatus[] {
    return this.children.map((c) => ({
      name: c.spec.name,
      state: c.state,
      pid: c.proc?.pid,
      restarts: c.restarts,
      ...(c.lastExit ? { lastExit: c.lastExit } : {}),
    }));
  }

  /** Relays these signals received by this process to every running child. */
  forwardSignals(signals: NodeJS.Signals[] = ['SIGHUP', 'SIGUSR1', 'SIGUSR2']): void {
    for (const sig of signals) {
      const h = () => {
        for (const c of this.children) if (c.proc?.pid && c.state === 'running') c.proc.kill(sig);
      };
      process.on(sig, h);
      this.signalHandlers.push([sig, h]);
    }
  }

  /** Stops every child in reverse order. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const [sig, h] of this.signalHandlers) process.off(sig, h);
    this.signalHandlers = [];
    for (const c of [...this.children].reverse()) await this.stopChild(c);
  }

  private async spawn(c: Child): Promise<void> {
    const { spec } = c;
    c.state = 'starting';
    c.startedAt = Date.now();
    const { execa } = await import('execa');
    const proc = execa(spec.command, spec.args ?? [], {
      env: { ...spec.env, HA_SUPERVISOR_PID: String(process.pid) },
      cwd: spec.cwd,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      detached: true,
      cleanup: false,
    });
    c.proc = proc;
    this.forwardOutput(spec.name, proc);
    c.exited = proc.then((r) => this.onExit(c, proc, r.exitCode ?? null, r.signal ?? null)).catch(() => undefined);
    if (proc.pid === undefined) {
      await c.exited;
      throw new Error(`cannot start ${spec.name}: ${spec.command} could not be executed`);
    }
    this.log.info({ child: spec.name, pid: proc.pid }, 'child started');
    if (spec.ready) {
      try {
        await spec.ready(proc.pid);
      } catch (e) {
        this.log.error({ child: spec.name, err: (e as Error).message }, 'child did not become ready');
        throw e;
      }
    }
    if (c.proc === proc && c.state === 'starting') c.state = 'running';
    this.emit('started', spec.name, proc.pid);
  }

  private forwardOutput(name: string, proc: ResultPromise): void {
    for (const [stream, src] of [['stdout', proc.stdout], ['stderr', proc.stderr]] as const) {
      if (!src) continue;
      let rest = '';
      src.setEncoding('utf8');
      src.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) if (line) this.log.info({ child: name, stream }, line);
      });
    }
  }

  private onExit(c: Child, proc: ResultPromise, code: number | null, signal: string | null): void {
    if (c.proc !== proc) return;
    c.lastExit = { code, signal, at: Date.now() };
    c.proc = undefined;
    if (this.stopping || c.state === 'stopping') {
      c.state = 'stopped';
      this.log.info({ child: c.spec.name, code, signal }, 'child stopped');
      return;
    }
    this.emit('exit', c.spec.name, code, signal);
    if (c.spec.respawn === false) {
      c.state = 'stopped';
      this.log.warn({ child: c.spec.name, code, signal }, 'child exited; not respawned (respawn disabled)');
      return;
    }
    const d = c.tracker.onExit(Date.now(), c.startedAt);
    if (d.action === 'give-up') {
      c.state = 'failed';
      this.log.error({ child: c.spec.name, code, signal, reason: d.reason }, 'child keeps crashing; giving up');
      this.emit('failed', c.spec.name, d.reason);
      return;
    }
    c.state = 'backoff';
    this.log.warn({ child: c.spec.name, code, signal, delayMs: d.delayMs, attempt: d.attempt }, 'child exited unexpectedly; respawning');
    c.timer = setTimeout(() => {
      c.timer = undefined;
      if (this.stopping || c.state !== 'backoff') return;
      c.restarts++;
      this.spawn(c).then(
        () => this.emit('respawned', c.spec.name, c.proc?.pid),
        (e: Error) => this.log.error({ child: c.spec.name, err: e.message }, 'respawn failed'),
      );
    }, d.delayMs);
  }

  private async stopChild(c: Child): Promise<void> {
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
    const proc = c.proc;
    if (!proc || proc.pid === undefined) {
      c.state = 'stopped';
      return;
    }
    c.state = 'stopping';
    const pid = proc.pid;
    killGroup(pid, 'SIGTERM');
    const timeout = c.spec.stopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn({ child: c.spec.name, pid, timeoutMs: timeout }, 'child ignored SIGTERM; sending SIGKILL');
        killGroup(pid, 'SIGKILL');
        resolve();
      }, timeout);
    });
    await Promise.race([c.exited, killed]);
    clearTimeout(timer);
    await c.exited;
    // Anything the child left in its process group goes too.
    killGroup(pid, 'SIGKILL');
  }
}

/** Signals a process's whole group (it must lead one: spawned detached), or the process alone if not. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
