/**
 * When to respawn a child daemon that exited (heartbeat's `respawn` directive): after a
 * back-off that doubles on each quick crash, and not at all once it has crashed too often
 * in a short window (a crash loop). A child that ran long enough starts over at the
 * minimum delay. Pure: the caller passes the clock.
 */
export interface RespawnPolicy {
  /** First delay before a respawn. */
  minDelayMs: number;
  /** Largest delay. */
  maxDelayMs: number;
  /** A run at least this long resets the back-off. */
  stableAfterMs: number;
  /** Give up after this many exits within `windowMs`. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESPAWN_POLICY: RespawnPolicy = {
  minDelayMs: 100,
  maxDelayMs: 10_000,
  stableAfterMs: 30_000,
  maxRestarts: 5,
  windowMs: 60_000,
};

export type RespawnDecision = { action: 'respawn'; delayMs: number; attempt: number } | { action: 'give-up'; reason: string };

export class RespawnTracker {
  private exits: number[] = [];
  private delay: number;

  constructor(readonly policy: RespawnPolicy = DEFAULT_RESPAWN_POLICY) {
    this.delay = policy.minDelayMs;
  }

  /** Records an exit at `now` of a run that started at `startedAt` and decides what to do. */
  onExit(now: number, startedAt: number): RespawnDecision {
    const p = this.policy;
    if (now - startedAt >= p.stableAfterMs) this.delay = p.minDelayMs;
    this.exits = this.exits.filter((t) => now - t < p.windowMs);
    this.exits.push(now);
    if (this.exits.length > p.maxRestarts) {
      return { action: 'give-up', reason: `exited ${this.exits.length} times within ${p.windowMs / 1000} s (crash loop)` };
    }
    const delayMs = this.delay;
    this.delay = Math.min(p.maxDelayMs, this.delay * 2);
    return { action: 'respawn', delayMs, attempt: this.exits.length };
  }
}
