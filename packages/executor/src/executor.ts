/**
 * The executor's logic (what pacemaker-execd does), without the socket: operations are
 * queued, run one at a time per resource and at most `maxParallel` at a time on the node,
 * recurring operations are re-run `interval` after each completion until cancelled, and every
 * result is kept as the resource's operation history (call id, rc, status, times, digests)
 * for the CRM. A recurring operation's first result answers the request; later results are
 * reported (event "op") only when rc or status changes.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { type Logger, silentLogger } from '@heartbeat-ts/cluster-glue';
import { agentName, type AgentLocations, defaultLocations, heartbeatMetadata, invocation, lsbMetadata, AgentError } from './agent-classes.js';
import { type Digests, digests } from './digest.js';
import { type AgentMetadata, MetadataError, parseMetadata } from './metadata.js';
import { type AgentSpec, parseAgent } from './ocf.js';
import { type OpResult, type OpStatus, type RunOptions, runAgent } from './run-agent.js';

export interface OpRequest {
  rsc: string;
  /** "ocf:heartbeat:Dummy", "lsb:apache2", "heartbeat:IPaddr2"... */
  agent: string;
  action: string;
  /** 0: a one-shot action (a monitor with interval 0 is a probe); > 0: recurring. */
  intervalMs?: number;
  /** Default: the op's `timeout` meta, then the agent's metadata for the action, then 20 s. */
  timeoutMs?: number;
  /** Wait this long before the first run (Pacemaker's start-delay). */
  startDelayMs?: number;
  params?: Record<string, string>;
  /** Meta attributes passed as OCF_RESKEY_CRM_meta_* (timeout and interval are added). */
  meta?: Record<string, string>;
  /** OCF_CHECK_LEVEL (the op's depth). */
  checkLevel?: number;
}

export interface OpRecord {
  callId: number;
  rsc: string;
  agent: string;
  action: string;
  intervalMs: number;
  /** Pacemaker's operation key: RSC_ACTION_INTERVAL. */
  key: string;
  rc: number;
  status: OpStatus;
  reason: string;
  /** What the agent said with "ocf-exit-reason:", if anything. */
  exitReason?: string;
  exitCode?: number;
  execMs: number;
  queueMs: number;
  timeoutMs: number;
  /** When this result's run started and when rc last changed (ms since the epoch). */
  lastRun: number;
  lastRcChange: number;
  /** The end of the agent's output (4 KiB at most; the log has more). */
  output: string;
  digests: Digests;
}

export interface ResourceHistory {
  rsc: string;
  agent: string;
  /** The parameters of the last start (or of the last operation, before any start). */
  params: Record<string, string>;
  /** The last result of each operation key. */
  ops: OpRecord[];
  lastFailure?: OpRecord;
}

export interface ExecutorStats {
  running: number;
  queued: number;
  recurring: number;
  completed: number;
  timeouts: number;
  maxParallel: number;
}

export interface ExecutorOptions {
  locations?: Partial<AgentLocations>;
  /** Node-wide limit on agents running at once; default max(4, 2 × CPUs). */
  maxParallel?: number;
  killGraceMs?: number;
  defaultTimeoutMs?: number;
  maxOutput?: number;
  logger?: Logger;
  /** Extra environment for every agent (HA_RSCTMP and such). */
  env?: Record<string, string>;
}

interface Job {
  callId: number;
  req: Required<Pick<OpRequest, 'rsc' | 'agent' | 'action'>> & OpRequest;
  spec: AgentSpec;
  key: string;
  queuedAt: number;
  abort: AbortController;
  done: (r: OpRecord) => void;
}

interface Recurring {
  callId: number;
  req: OpRequest;
  timer?: NodeJS.Timeout;
  cancelled: boolean;
  running: boolean;
  reported?: { rc: number; status: OpStatus };
}

export const opKey = (rsc: string, action: string, intervalMs: number): string => `${rsc}_${action}_${intervalMs}`;

const EXIT_REASON = /^ocf-exit-reason:(.*)$/gm;

export class ExecutorError extends Error {
  constructor(
    readonly code: 'EINVAL' | 'ENOSUCH' | 'ENOTINSTALLED' | 'EBADMETA',
    message: string,
  ) {
    super(message);
  }
}

export class Executor extends EventEmitter<{ op: [OpRecord] }> {
  readonly locations: AgentLocations;
  readonly maxParallel: number;
  private readonly log: Logger;
  private nextCallId = 1;
  private readonly queue: Job[] = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private readonly recurring = new Map<string, Recurring>();
  /** Call ids of recurring runs in progress when their operation was cancelled. */
  private readonly cancelledCalls = new Set<number>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** Per resource: its history, the last result of each operation key (the ops list is derived). */
  private readonly resources = new Map<string, Omit<ResourceHistory, 'ops'> & { byKey: Map<string, OpRecord> }>();
  private readonly metaCache = new Map<string, Promise<AgentMetadata>>();
  private readonly inFlight = new Set<Job>();
  private completed = 0;
  private timeouts = 0;
  private stopped = false;

  constructor(private readonly opts: ExecutorOptions = {}) {
    super();
    this.locations = defaultLocations(opts.locations);
    this.maxParallel = opts.maxParallel ?? Math.max(4, 2 * availableParallelism());
    this.log = opts.logger ?? silentLogger();
  }

  /** Runs an operation; resolves with its (first) result. Rejects only for a malformed request. */
  async execute(req: OpRequest): Promise<OpRecord> {
    if (this.stopped) throw new ExecutorError('EINVAL', 'the executor is shutting down');
    if (!req.rsc || /[\s/]/.test(req.rsc)) throw new ExecutorError('EINVAL', `bad resource id "${req.rsc}"`);
    if (!/^[a-z][a-z0-9_-]*$/i.test(req.action)) throw new ExecutorError('EINVAL', `bad action "${req.action}"`);
    let spec: AgentSpec;
    try {
      spec = parseAgent(req.agent);
    } catch (e) {
      throw new ExecutorError('EINVAL', (e as Error).message);
    }
    const interval = req.intervalMs ?? 0;
    if (interval < 0 || !Number.isInteger(interval)) throw new ExecutorError('EINVAL', `bad interval ${interval} for ${req.rsc} ${req.action}`);
    const key = opKey(req.rsc, req.action, interval);
    // The resource's agent is fixed by its first operation, as in Pacemaker (forget it to change).
    const known = this.resources.get(req.rsc);
    if (known && known.agent !== req.agent && known.byKey.size) {
      throw new ExecutorError('EINVAL', `resource ${req.rsc} is ${known.agent} here, not ${req.agent} (clean it up first)`);
    }
    if (interval === 0) return this.whenDelayed(req, () => this.enqueue(req, spec, key, this.nextCallId++));
    // A recurring operation with the same key replaces the old one.
    this.cancel(req.rsc, req.action, interval);
    const rec: Recurring = { callId: this.nextCallId++, req, cancelled: false, running: false };
    this.recurring.set(key, rec);
    return this.whenDelayed(req, () => this.runRecurring(key, rec, spec));
  }

  private whenDelayed(req: OpRequest, go: () => Promise<OpRecord>): Promise<OpRecord> {
    if (!req.startDelayMs) return go();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.delayed.delete(t);
        void go().then(resolve);
      }, req.startDelayMs);
      this.delayed.add(t);
    });
  }

  private async runRecurring(key: string, rec: Recurring, spec: AgentSpec): Promise<OpRecord> {
    rec.running = true;
    const r = await this.enqueue(rec.req, spec, key, rec.callId);
    rec.running = false;
    if (!rec.cancelled && !this.stopped) {
      rec.timer = setTimeout(() => {
        rec.timer = undefined;
        void this.runRecurring(key, rec, spec);
      }, rec.req.intervalMs);
    }
    return r;
  }

  private enqueue(req: OpRequest, spec: AgentSpec, key: string, callId: number): Promise<OpRecord> {
    return new Promise((done) => {
      this.queue.push({ callId, req, spec, key, queuedAt: Date.now(), abort: new AbortController(), done });
      this.drain();
    });
  }

  private drain(): void {
    for (let i = 0; i < this.queue.length && this.running < this.maxParallel; ) {
      const job = this.queue[i]!;
      if (this.busy.has(job.req.rsc)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.busy.add(job.req.rsc);
      this.running++;
      this.inFlight.add(job);
      void this.run(job).finally(() => {
        this.inFlight.delete(job);
        this.busy.delete(job.req.rsc);
        this.running--;
        this.drain();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    const { req, spec } = job;
    const startedAt = Date.now();
    const interval = req.intervalMs ?? 0;
    let meta: AgentMetadata | undefined;
    if (req.action !== 'meta-data') {
      try {
        meta = await this.metadata(req.agent);
      } catch (e) {
        if (!(e instanceof ExecutorError && e.code === 'ENOTINSTALLED')) this.log.warn({ agent: req.agent, err: (e as Error).message }, 'no usable meta-data: default timeouts, no restart digest');
      }
    }
    const timeoutMs =
      req.timeoutMs ??
      (req.meta?.timeout !== undefined && /^\d+$/.test(req.meta.timeout) ? Number(req.meta.timeout) : undefined) ??
      meta?.actions.find((a) => a.name === req.action && (a.intervalMs ?? 0) === interval)?.timeoutMs ??
      meta?.actions.find((a) => a.name === req.action)?.timeoutMs ??
      this.opts.defaultTimeoutMs ??
      20_000;
    const params = req.params ?? {};
    const runOpts: RunOptions = {
      rsc: req.rsc,
      params,
      meta: { timeout: String(timeoutMs), interval: String(interval), ...(req.action === 'monitor' || interval ? { name: req.action } : {}), ...req.meta },
      timeoutMs,
      locations: this.locations,
      signal: job.abort.signal,
      maxOutput: req.action === 'meta-data' ? 1024 * 1024 : (this.opts.maxOutput ?? 64 * 1024),
      ...(this.opts.killGraceMs !== undefined ? { killGraceMs: this.opts.killGraceMs } : {}),
      ...(req.checkLevel !== undefined ? { checkLevel: req.checkLevel } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      ...(spec.class === 'heartbeat'
        ? {
            args: Object.keys(params)
              .filter((k) => /^\d+$/.test(k))
              .sort((a, b) => Number(a) - Number(b))
              .map((k) => params[k]!),
          }
        : {}),
    };
    let res: OpResult;
    try {
      res = await runAgent(spec, req.action, runOpts);
    } catch (e) {
      res = { rc: 1, status: 'error', output: '', outputBytes: 0, execMs: Date.now() - startedAt, reason: `could not run the agent: ${(e as Error).message}` };
    }
    if (res.status === 'timeout') this.timeouts++;
    this.completed++;
    const exitReasons = [...res.output.matchAll(EXIT_REASON)];
    const rec: OpRecord = {
      callId: job.callId,
      rsc: req.rsc,
      agent: req.agent,
      action: req.action,
      intervalMs: interval,
      key: job.key,
      rc: res.rc,
      status: res.status,
      reason: res.reason,
      ...(exitReasons.length ? { exitReason: exitReasons[exitReasons.length - 1]![1]!.trim() } : {}),
      ...(res.exitCode !== undefined ? { exitCode: res.exitCode } : {}),
      execMs: res.execMs,
      queueMs: startedAt - job.queuedAt,
      timeoutMs,
      lastRun: startedAt,
      lastRcChange: startedAt,
      output: res.output.length > 4096 ? res.output.slice(-4096) : res.output,
      // As Pacemaker records them: a recurring operation's digest also covers its timeout.
      digests: digests(interval > 0 ? { ...params, CRM_meta_timeout: String(timeoutMs) } : params, meta),
    };
    this.record(rec, res, job);
    job.done(rec);
  }

  private record(rec: OpRecord, res: OpResult, job: Job): void {
    const req = job.req;
    // A run of a recurring operation that finished after its cancellation: the cancellation was
    // its report; it leaves no history.
    if (rec.intervalMs && this.cancelledCalls.delete(rec.callId)) return;
    const rsc =
      this.resources.get(rec.rsc) ??
      (() => {
        const h: Omit<ResourceHistory, 'ops'> & { byKey: Map<string, OpRecord> } = { rsc: rec.rsc, agent: rec.agent, params: req.params ?? {}, byKey: new Map() };
        this.resources.set(rec.rsc, h);
        return h;
      })();
    if (rec.action === 'start' || rsc.byKey.size === 0) rsc.params = req.params ?? {};
    const prev = rsc.byKey.get(rec.key);
    if (prev && prev.rc === rec.rc) rec.lastRcChange = prev.lastRcChange;
    if (rec.action !== 'meta-data') {
      rsc.byKey.set(rec.key, rec);
    }
    // Results that are not failures: success, a probe finding the resource stopped, a monitor finding it promoted.
    const expected = rec.rc === 0 || (rec.action === 'monitor' && (rec.rc === 8 || (rec.rc === 7 && rec.intervalMs === 0)));
    if ((rec.status !== 'done' || !expected) && rec.status !== 'cancelled') rsc.lastFailure = rec;
    // Reporting: every one-shot result; a recurring one's first result and every change.
    let report = true;
    const recur = rec.intervalMs ? this.recurring.get(rec.key) : undefined;
    if (recur && recur.callId === rec.callId) {
      report = !recur.reported || recur.reported.rc !== rec.rc || recur.reported.status !== rec.status;
      recur.reported = { rc: rec.rc, status: rec.status };
    }
    if (!report) return;
    const fields = { rsc: rec.rsc, op: rec.key, callId: rec.callId, rc: rec.rc, status: rec.status, execMs: rec.execMs, queueMs: rec.queueMs };
    const ok = rec.status === 'done' && expected;
    if (ok) this.log.info(fields, `${rec.key}: ${rec.reason}${rec.exitReason ? ` (${rec.exitReason})` : ''}`);
    else this.log.warn(fields, `${rec.key} failed: ${rec.reason}${rec.exitReason ? ` (${rec.exitReason})` : ''}`);
    if (res.output.trim() && rec.action !== 'meta-data') {
      const lines = res.output.trimEnd().split('\n');
      const shown = lines.slice(-50).join('\n');
      this.log[ok ? 'info' : 'warn']({ rsc: rec.rsc, op: rec.key, callId: rec.callId, pid: res.pid, outputBytes: res.outputBytes }, `${rec.key} output${lines.length > 50 || res.outputBytes > res.output.length ? ' (end)' : ''}:\n${shown}`);
    }
    this.emit('op', rec);
  }

  /**
   * Stops a recurring operation: no further runs (a run in progress finishes; its result is
   * reported as cancelled). Returns whether there was one.
   */
  cancel(rsc: string, action: string, intervalMs: number): boolean {
    const key = opKey(rsc, action, intervalMs);
    const rec = this.recurring.get(key);
    if (!rec) return false;
    rec.cancelled = true;
    clearTimeout(rec.timer);
    this.recurring.delete(key);
    const cancelled = this.cancelledRecord(rec.req, key, rec.callId);
    const queued = this.queue.findIndex((j) => j.key === key && j.callId === rec.callId);
    if (queued >= 0) this.queue.splice(queued, 1)[0]!.done(cancelled);
    else if (rec.running) this.cancelledCalls.add(rec.callId);
    this.resources.get(rsc)?.byKey.delete(key);
    this.log.info({ rsc, op: key, callId: rec.callId }, `${key} cancelled`);
    this.emit('op', cancelled);
    return true;
  }

  private cancelledRecord(req: OpRequest, key: string, callId: number): OpRecord {
    const now = Date.now();
    const last = this.resources.get(req.rsc)?.byKey.get(key);
    const base = last ?? { rsc: req.rsc, agent: req.agent, action: req.action, intervalMs: req.intervalMs ?? 0, key, rc: 1, execMs: 0, queueMs: 0, timeoutMs: 0, lastRun: now, lastRcChange: now, output: '', digests: digests(req.params ?? {}) };
    return { ...base, callId, status: 'cancelled', reason: 'cancelled' };
  }

  /** Cancels the resource's recurring operations and drops its history (a cleanup). */
  forget(rsc: string): boolean {
    for (const r of [...this.recurring.values()]) if (r.req.rsc === rsc) this.cancel(rsc, r.req.action, r.req.intervalMs ?? 0);
    return this.resources.delete(rsc);
  }

  history(rsc?: string): ResourceHistory[] {
    const all = rsc ? [this.resources.get(rsc)].filter((h) => h !== undefined) : [...this.resources.values()];
    return all.map(({ byKey, ...h }) => ({ ...h, ops: [...byKey.values()] }));
  }

  /** The recurring operations in force. */
  recurringOps(): { rsc: string; action: string; intervalMs: number; callId: number }[] {
    return [...this.recurring.values()].map((r) => ({ rsc: r.req.rsc, action: r.req.action, intervalMs: r.req.intervalMs ?? 0, callId: r.callId }));
  }

  stats(): ExecutorStats {
    return { running: this.running, queued: this.queue.length, recurring: this.recurring.size, completed: this.completed, timeouts: this.timeouts, maxParallel: this.maxParallel };
  }

  /** The agent's meta-data, run once per agent and cached (a failure is not cached). */
  metadata(agent: string): Promise<AgentMetadata> {
    let p = this.metaCache.get(agent);
    if (!p) {
      p = this.loadMetadata(agent);
      this.metaCache.set(agent, p);
      p.catch(() => this.metaCache.delete(agent));
    }
    return p;
  }

  private async loadMetadata(agent: string): Promise<AgentMetadata> {
    let spec: AgentSpec;
    try {
      spec = parseAgent(agent);
    } catch (e) {
      throw new ExecutorError('EINVAL', (e as Error).message);
    }
    let inv;
    try {
      inv = invocation(spec, 'meta-data', this.locations);
    } catch (e) {
      if (e instanceof AgentError) throw new ExecutorError('ENOTINSTALLED', e.message);
      throw e;
    }
    let xml: string;
    if (spec.class === 'lsb' || spec.class === 'service') xml = lsbMetadata(spec.type, inv.file);
    else if (spec.class === 'heartbeat') xml = heartbeatMetadata(spec.type);
    else if (spec.class === 'systemd') xml = lsbMetadata(spec.type, '/dev/null');
    else {
      const r = await runAgent(spec, 'meta-data', { rsc: spec.type, timeoutMs: 30_000, locations: this.locations, maxOutput: 1024 * 1024, stdoutOnly: true, ...(this.opts.env ? { env: this.opts.env } : {}) });
      if (r.status !== 'done' || r.rc !== 0) throw new ExecutorError('EBADMETA', `${agentName(spec)} meta-data failed: ${r.reason}${r.output ? `: ${r.output.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
      xml = r.output.slice(r.output.indexOf('<'));
    }
    try {
      return parseMetadata(agent, xml);
    } catch (e) {
      if (e instanceof MetadataError) throw new ExecutorError('EBADMETA', e.message);
      throw e;
    }
  }

  /** Stops everything: no new runs; agents in progress are terminated (SIGTERM, then SIGKILL). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const t of this.delayed) clearTimeout(t);
    for (const r of this.recurring.values()) {
      r.cancelled = true;
      clearTimeout(r.timer);
    }
    for (const j of this.queue.splice(0)) j.done(this.cancelledRecord(j.req, j.key, j.callId));
    const running = [...this.inFlight];
    for (const j of running) j.abort.abort();
    await new Promise<void>((resolve) => {
      const check = () => (this.inFlight.size === 0 ? resolve() : setTimeout(check, 20));
      check();
    });
  }
}
