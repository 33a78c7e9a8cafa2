/**
 * Sending side of reliable delivery: the last MAX_HISTORY sequenced messages we sent, kept
 * for retransmission on request (NS_rexmit), plus what each peer has acknowledged.
 */
export const MAX_HISTORY = 500;
/** A message is not resent more often than this (heartbeat's ACCEPT_REXMIT_REQ_MS). */
export const REXMIT_MIN_INTERVAL_MS = 100;
export const MAX_REXMIT_BATCH = 50;

interface Sent {
  seq: number;
  packet: Buffer;
  lastRexmit: number;
}

export class XmitHistory {
  private readonly sent = new Map<number, Sent>();
  private readonly acked = new Map<string, number>();
  lowSeq = 0;
  hiSeq = 0;

  record(seq: number, packet: Buffer): void {
    this.sent.set(seq, { seq, packet, lastRexmit: 0 });
    this.hiSeq = seq;
    if (this.lowSeq === 0) this.lowSeq = seq;
    while (this.sent.size > MAX_HISTORY) {
      this.sent.delete(this.lowSeq);
      this.lowSeq++;
    }
  }

  ack(peer: string, seq: number): void {
    if (seq > this.hiSeq) return;
    if (seq > (this.acked.get(peer) ?? 0)) this.acked.set(peer, seq);
  }

  ackedBy(peer: string): number {
    return this.acked.get(peer) ?? 0;
  }

  /**
   * Packets to resend for a request from `peer` for [first, last]; `nak` lists the ones we no
   * longer have (the peer must give up on them).
   */
  rexmit(peer: string, first: number, last: number, now: number): { resend: Buffer[]; nak: number[] } {
    const resend: Buffer[] = [];
    const nak: number[] = [];
    for (let s = first; s <= last && resend.length < MAX_REXMIT_BATCH; s++) {
      if (s <= this.ackedBy(peer)) continue;
      if (s > this.hiSeq) continue;
      const m = this.sent.get(s);
      if (!m) {
        nak.push(s);
        continue;
      }
      if (m.lastRexmit && now - m.lastRexmit < REXMIT_MIN_INTERVAL_MS) continue;
      m.lastRexmit = now;
      resend.push(m.packet);
    }
    return { resend, nak };
  }
}
