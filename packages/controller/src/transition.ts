/**
 * Running a transition graph (the transition engine's part of the DC): actions fire in graph
 * order once every action they wait for is confirmed, at most `batchLimit` resource actions at a
 * time; pseudo-actions confirm at once. A result other than the one the graph expects fails the
 * action and aborts the transition: nothing new is fired, what is in flight is waited for, and
 * the caller schedules again from what the CIB now says. A probe's unexpected result (the
 * resource found running, or stopped where it was thought to run) confirms the probe but aborts
 * too — the cluster learnt something. `abort()` does the same from outside (a changed
 * configuration, a node lost). Pure apart from the callback it is given.
 */
import type { RunnableAction } from '@heartbeat-ts/pengine';

export interface ActionOutcome {
  rc: number;
  /** The executor's status: done, timeout, error, not-installed, cancelled. */
  status: string;
  /** Why, when it did not run as asked (a lost node, no fencing device...). */
  reason?: string;
}

export interface TransitionResult {
  /** Every action fired and confirmed as expected, none left. */
  complete: boolean;
  aborted?: string;
  failed: { action: RunnableAction; outcome: ActionOutcome }[];
  fired: number;
}

export class TransitionRunner {
  private readonly confirmed = new Set<RunnableAction>();
  private readonly failedSet = new Set<RunnableAction>();
  private readonly inFlight = new Set<RunnableAction>();
  private readonly failed: TransitionResult['failed'] = [];
  private abortReason: string | undefined;
  private fired = 0;
  private over = false;
  private done!: (r: TransitionResult) => void;
  private readonly finished: Promise<TransitionResult>;

  constructor(
    private readonly graph: { actions: RunnableAction[] },
    private readonly execute: (a: RunnableAction) => Promise<ActionOutcome>,
    private readonly opts: { batchLimit?: number } = {},
  ) {
    this.finished = new Promise((resolve) => (this.done = resolve));
  }

  /** Starts the transition; resolves when nothing is in flight and nothing more can fire. */
  run(): Promise<TransitionResult> {
    this.pump();
    return this.finished;
  }

  abort(reason: string): void {
    this.abortReason ??= reason;
    this.pump();
  }

  private ready(a: RunnableAction): boolean {
    for (const x of a.inputs) if (!this.confirmed.has(x) || this.failedSet.has(x)) return false;
    return true;
  }

  private pump(): void {
    if (this.over) return;
    const limit = this.opts.batchLimit && this.opts.batchLimit > 0 ? this.opts.batchLimit : Infinity;
    for (let progress = true; progress; ) {
      progress = false;
      for (const a of this.graph.actions) {
        if (this.confirmed.has(a) || this.inFlight.has(a) || !this.ready(a)) continue;
        if (a.type === 'pseudo_event') {
          this.confirmed.add(a);
          progress = true;
          continue;
        }
        if (this.abortReason !== undefined || this.inFlight.size >= limit) continue;
        this.inFlight.add(a);
        this.fired++;
        this.execute(a).then(
          (o) => this.settle(a, o),
          (e: Error) => this.settle(a, { rc: 1, status: 'error', reason: e.message }),
        );
      }
    }
    if (this.inFlight.size === 0) {
      this.over = true;
      const left = this.graph.actions.some((a) => !this.confirmed.has(a));
      this.done({ complete: !left && this.abortReason === undefined && this.failed.length === 0, ...(this.abortReason !== undefined ? { aborted: this.abortReason } : {}), failed: this.failed, fired: this.fired });
    }
  }

  private settle(a: RunnableAction, o: ActionOutcome): void {
    this.inFlight.delete(a);
    this.confirmed.add(a);
    const expected = Number(a.meta.op_target_rc ?? 0);
    const probe = a.operation === 'monitor' && a.intervalMs === 0;
    if (o.status !== 'done' || o.rc !== expected) {
      if (!probe || o.status !== 'done') {
        this.failedSet.add(a);
        this.failed.push({ action: a, outcome: o });
      }
      this.abortReason ??= `${a.key} on ${a.node ?? '?'}: ${o.reason ?? `rc=${o.rc} (expected ${expected}), ${o.status}`}`;
    }
    this.pump();
  }
}
