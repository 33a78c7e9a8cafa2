/**
 * Per-peer sequence tracking — heartbeat 3.0.6's reliable delivery, receiving side.
 * Every sequenced message carries the sender's generation (`hg`, bumped at each start) and
 * a sequence number (`seq`). A message is new, a duplicate, a recovered missing one, or
 * stale; gaps become retransmission requests. Pure: no clock, no sockets.
 */

export const FLOWCONTROL_LIMIT = 500;
export const MAX_MISSING = 500;
export const ACK_MSG_DIV = 10;

export type SeqVerdict =
  | { action: 'keep'; missing: number[]; recovered: boolean; restart: boolean }
  | { action: 'duplicate' }
  | { action: 'drop'; reason: string };

export class SeqTrack {
  generation = 0;
  lastSeq: number | undefined;
  /** Sequence numbers we saw a gap for and have not received. */
  readonly missing = new Set<number>();
  /** Seq of the last status message taken (heartbeat's status_seqno). */
  statusSeq = 0;

  constructor(
    /** seq % ACK_MSG_DIV at which we acknowledge this peer (random per peer, as heartbeat). */
    readonly ackTrigger: number,
  ) {}

  reset(): void {
    this.lastSeq = undefined;
    this.missing.clear();
    this.statusSeq = 0;
  }

  /**
   * Classifies a sequenced message with generation `gen` and sequence `seq`. `isStatus`
   * messages may reveal a restart (higher generation) and reset the tracking.
   */
  accept(gen: number, seq: number, isStatus: boolean, peerWasDead: boolean): SeqVerdict {
    if (!(seq > 0)) return { action: 'drop', reason: 'missing or zero seq' };
    if (gen < this.generation) return { action: 'drop', reason: `old generation ${gen} < ${this.generation} (replay?)` };
    let restart = false;
    if (isStatus) {
      if (gen === this.generation && gen > 0 && peerWasDead && seq <= this.statusSeq) {
        return { action: 'drop', reason: 'stale status from a node that was dead' };
      }
      if (gen > this.generation) {
        restart = this.generation > 0;
        this.reset();
      }
      this.generation = gen;
    } else if (gen > this.generation) {
      // Only a status message may move a peer to a new generation.
      if (this.generation === 0) this.generation = gen;
      else return { action: 'drop', reason: `message of generation ${gen} before its status` };
    }
    if (this.lastSeq === undefined || seq === this.lastSeq + 1) {
      this.lastSeq = seq;
      return { action: 'keep', missing: [], recovered: false, restart };
    }
    if (seq === this.lastSeq) return { action: 'duplicate' };
    if (seq > this.lastSeq) {
      const gap = seq - (this.lastSeq + 1);
      const missing: number[] = [];
      if (gap > FLOWCONTROL_LIMIT) {
        this.reset();
      } else {
        for (let k = this.lastSeq + 1; k < seq; k++) {
          if (this.missing.size >= MAX_MISSING) this.missing.delete(Math.min(...this.missing));
          this.missing.add(k);
          missing.push(k);
        }
      }
      this.lastSeq = seq;
      return { action: 'keep', missing, recovered: false, restart };
    }
    if (this.missing.delete(seq)) return { action: 'keep', missing: [], recovered: true, restart };
    if (restart) {
      this.reset();
      this.lastSeq = seq;
      return { action: 'keep', missing: [], recovered: false, restart };
    }
    return { action: 'duplicate' };
  }

  /** Lowest seq still missing, or undefined. */
  get firstMissing(): number | undefined {
    let min: number | undefined;
    for (const m of this.missing) if (min === undefined || m < min) min = m;
    return min;
  }

  /** heartbeat acknowledges every ACK_MSG_DIV-th message, unless an earlier one is missing. */
  shouldAck(seq: number): boolean {
    const fm = this.firstMissing;
    if (fm !== undefined && seq > fm) return false;
    return seq % ACK_MSG_DIV === this.ackTrigger;
  }
}
