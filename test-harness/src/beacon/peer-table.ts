/**
 * Which peers are alive: pure state, driven by `heard` (a beacon arrived) and `tick`
 * (time passed). A peer is dead after `deadtimeMs` without a beacon, up again at the next.
 */
import type { PeerState, PeerStatus } from './protocol.js';

export interface PeerChange {
  name: string;
  state: PeerState;
}

interface Peer {
  state: PeerState;
  lastHeard: number | undefined;
  received: number;
}

export class PeerTable {
  private readonly peers = new Map<string, Peer>();

  constructor(
    names: string[],
    private readonly deadtimeMs: number,
  ) {
    for (const n of names) this.peers.set(n, { state: 'unknown', lastHeard: undefined, received: 0 });
  }

  has(name: string): boolean {
    return this.peers.has(name);
  }

  heard(name: string, now: number): PeerChange | undefined {
    const p = this.peers.get(name);
    if (!p) return undefined;
    p.lastHeard = now;
    p.received++;
    if (p.state === 'up') return undefined;
    p.state = 'up';
    return { name, state: 'up' };
  }

  tick(now: number): PeerChange[] {
    const out: PeerChange[] = [];
    for (const [name, p] of this.peers) {
      if (p.state === 'up' && p.lastHeard !== undefined && now - p.lastHeard > this.deadtimeMs) {
        p.state = 'dead';
        out.push({ name, state: 'dead' });
      }
    }
    return out;
  }

  snapshot(now: number): PeerStatus[] {
    return [...this.peers].map(([name, p]) => ({
      name,
      state: p.state,
      silentMs: p.lastHeard === undefined ? null : Math.max(0, Math.round(now - p.lastHeard)),
      received: p.received,
    }));
  }
}
