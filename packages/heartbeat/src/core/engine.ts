/**
 * The messaging engine of one node — heartbeat 3.0.6's master control process as a pure
 * state machine: it sends our status every keepalive, tracks every node's status and each of
 * its links, declares nodes and links dead after their deadtime (initdead before
 * communication is up), delivers cluster messages reliably (sequence numbers, acks,
 * retransmission requests and answers), and reports what changed as events.
 *
 * It has no sockets and no timers: the daemon feeds it decoded messages (`receive`) and the
 * time (`tick`), and gives it `transmit` for encoded packets. Field names, formats and the
 * protocol are heartbeat 3.0.6's, so a heartbeat 3 node and ours understand each other.
 */
import type { HaCf } from '../config/ha-cf.js';
import { FieldType, HaMessage } from '../wire/ha-message.js';
import { SeqTrack } from './seq-track.js';
import { XmitHistory } from './xmit-history.js';

export type NodeStatus = 'init' | 'up' | 'active' | 'dead' | 'ping';
export type LinkStatus = 'up' | 'dead';

export type EngineEvent =
  | { type: 'node-status'; node: string; status: NodeStatus; previous: NodeStatus }
  | { type: 'link-status'; node: string; link: string; status: LinkStatus }
  | { type: 'message'; from: string; msg: HaMessage }
  | { type: 'late-heartbeat'; node: string; gapMs: number }
  | { type: 'restart'; node: string; generation: number }
  | { type: 'comm-up' }
  | { type: 'dropped'; node: string | undefined; reason: string };

export interface EngineIo {
  /** Encodes and signs a message (wire format and authentication are the daemon's business). */
  encode(msg: HaMessage): Buffer;
  /** Sends a packet on every medium. */
  transmit(packet: Buffer): void;
  emit(ev: EngineEvent): void;
  /** The sender's load line (`ld`), heartbeat uses /proc/loadavg. */
  loadavg(): string;
  random(): number;
}

export interface NodeLink {
  name: string;
  status: LinkStatus;
  lastHeard: number;
}

export interface NodeInfo {
  name: string;
  type: 'normal' | 'ping';
  status: NodeStatus;
  uuid: Buffer | undefined;
  /** Local time we last heard from it (any message). */
  lastHeard: number;
  /** Its deadtime as it announced it (`dt`), else ours. */
  deadtimeMs: number;
  links: Map<string, NodeLink>;
  track: SeqTrack;
  anyPackets: boolean;
  /** Sender's time of its last status (hex seconds on the wire). */
  remoteTs: number;
  /** Local time its last status arrived, for late-heartbeat warnings. */
  lastStatusAt: number;
}

export class Engine {
  readonly nodes = new Map<string, NodeInfo>();
  readonly me: NodeInfo;
  private seq = 0;
  private readonly history = new XmitHistory();
  private commUp = false;
  private nextStatusAt = 0;
  private readonly startedAt: number;
  private readonly pendingRexmit = new Map<string, { node: string; seq: number; at: number }>();
  readonly counters = { sent: 0, received: 0, duplicates: 0, dropped: 0, rexmitRequested: 0, rexmitSent: 0 };

  constructor(
    readonly cfg: HaCf,
    readonly myName: string,
    readonly uuid: Buffer,
    readonly generation: number,
    readonly links: string[],
    private readonly io: EngineIo,
    now: number,
  ) {
    for (const n of cfg.nodes) this.addNode(n, 'normal', now);
    for (const p of cfg.pingNodes) this.addNode(p, 'ping', now);
    const me = this.nodes.get(myName.toLowerCase());
    if (!me) throw new Error(`node ${myName} is not in the configuration`);
    this.me = me;
    me.uuid = uuid;
    me.status = 'up';
    this.startedAt = now;
  }

  private addNode(name: string, type: 'normal' | 'ping', now: number): NodeInfo {
    const n: NodeInfo = {
      name,
      type,
      status: 'init',
      uuid: undefined,
      lastHeard: now,
      deadtimeMs: this.cfg.deadtimeMs,
      links: new Map(this.links.map((l) => [l, { name: l, status: 'dead' as LinkStatus, lastHeard: 0 }])),
      track: new SeqTrack(Math.floor(this.io.random() * 10)),
      anyPackets: false,
      remoteTs: 0,
      lastStatusAt: 0,
    };
    this.nodes.set(name, n);
    return n;
  }

  get isCommUp(): boolean {
    return this.commUp;
  }

  /** Live normal nodes (up or active), ourselves included. */
  liveNodes(): string[] {
    return [...this.nodes.values()].filter((n) => n.type === 'normal' && (n.status === 'up' || n.status === 'active')).map((n) => n.name);
  }

  /** The live normal peers not heard from for more than `ms` (silent: perhaps dead, not yet declared so). */
  quietPeers(now: number, ms: number): string[] {
    return [...this.nodes.values()].filter((n) => n !== this.me && n.type === 'normal' && (n.status === 'up' || n.status === 'active') && now - n.lastHeard > ms).map((n) => n.name);
  }

  // ---- sending -------------------------------------------------------------------------

  /** Adds heartbeat's default fields, encodes, remembers sequenced messages, transmits. */
  send(msg: HaMessage, now: number): void {
    const type = msg.get('t') ?? '';
    const noSeq = type.startsWith('NS_');
    const to = msg.get('dest');
    if (to !== undefined) {
      const dest = this.nodes.get(to.toLowerCase());
      if (dest?.uuid) msg.put({ name: 'destuuid', type: FieldType.Binary, value: dest.uuid });
    }
    msg.set('src', this.myName);
    msg.setBinary('srcuuid', this.uuid);
    let seq = 0;
    if (!noSeq) {
      seq = ++this.seq;
      msg.set('seq', seq.toString(16));
    }
    msg.set('hg', this.generation.toString(16));
    msg.set('ts', Math.floor(now / 1000).toString(16));
    if (!noSeq) msg.set('ld', this.io.loadavg());
    msg.set('ttl', String(this.cfg.nodes.length + this.cfg.hopfudge));
    const packet = this.io.encode(msg);
    if (!noSeq) this.history.record(seq, packet);
    this.counters.sent++;
    this.io.transmit(packet);
  }

  /** A client message to every node (`to` omitted) or to one node. */
  sendClusterMessage(msg: HaMessage, now: number, to?: string): void {
    if (to !== undefined) msg.set('dest', to);
    this.send(msg, now);
  }

  private sendStatus(now: number): void {
    const m = new HaMessage().set('t', 'status').set('st', this.me.status).set('dt', this.cfg.deadtimeMs.toString(16)).set('protocol', '1');
    this.send(m, now);
  }

  /** Changes our own status (e.g. to "active") and tells the others at once. */
  setLocalStatus(status: NodeStatus, now: number): void {
    if (this.me.status === status) return;
    const previous = this.me.status;
    this.me.status = status;
    this.io.emit({ type: 'node-status', node: this.me.name, status, previous });
    this.sendStatus(now);
    this.nextStatusAt = now + this.cfg.keepaliveMs;
  }

  /**
   * Clean shutdown: a last status "dead" so the others need not wait for deadtime
   * (heartbeat 3 nodes take it as any status change).
   */
  leave(now: number): void {
    this.me.status = 'dead';
    this.sendStatus(now);
  }

  // ---- time ----------------------------------------------------------------------------

  tick(now: number): void {
    if (now >= this.nextStatusAt) {
      this.sendStatus(now);
      this.nextStatusAt = now + this.cfg.keepaliveMs;
    }
    this.checkCommUp(now);
    this.checkTimeouts(now);
    for (const [key, r] of this.pendingRexmit) {
      if (now < r.at) continue;
      this.pendingRexmit.delete(key);
      const node = this.nodes.get(r.node);
      if (!node || !node.track.missing.has(r.seq)) continue;
      if (node.status !== 'up' && node.status !== 'active') continue;
      this.counters.rexmitRequested++;
      // firstseq/lastseq in decimal here (heartbeat adds them with ha_msg_add_int).
      this.send(new HaMessage().set('t', 'NS_rexmit').set('dest', node.name).set('firstseq', String(r.seq)).set('lastseq', String(r.seq)), now);
      this.scheduleRexmit(node.name, r.seq, now, this.cfg.maxRexmitDelayMs);
    }
  }

  /**
   * The next time `tick` has work: our next status, the first deadtime that can expire, a
   * due retransmission request, the end of initdead. The daemon sleeps until then (or
   * until a packet arrives), so an idle node wakes only for its keepalives.
   */
  nextWakeup(now: number): number {
    let next = this.nextStatusAt;
    if (!this.commUp) next = Math.min(next, this.startedAt + this.cfg.initdeadMs);
    for (const n of this.nodes.values()) {
      if (n === this.me) continue;
      const deadtime = this.commUp ? n.deadtimeMs : Math.max(this.cfg.initdeadMs, n.deadtimeMs);
      const since = n.anyPackets ? n.lastHeard : this.startedAt;
      if (n.status !== 'dead') next = Math.min(next, since + deadtime + 1);
      for (const l of n.links.values()) if (l.status === 'up') next = Math.min(next, l.lastHeard + deadtime + 1);
    }
    for (const r of this.pendingRexmit.values()) next = Math.min(next, r.at);
    return Math.max(now, next);
  }

  private checkCommUp(now: number): void {
    if (this.commUp) return;
    // Every other node either dead or known by its status (a status message comes within a
    // keepalive): a node heard only through another message is not yet known to be up.
    const all = [...this.nodes.values()].filter((n) => n.type === 'normal');
    const heardAll = all.every((n) => n === this.me || n.status !== 'init');
    if (heardAll || now - this.startedAt >= this.cfg.initdeadMs) {
      this.commUp = true;
      this.io.emit({ type: 'comm-up' });
      this.setLocalStatus('active', now);
    }
  }

  private checkTimeouts(now: number): void {
    for (const n of this.nodes.values()) {
      if (n === this.me) continue;
      const deadtime = this.commUp ? n.deadtimeMs : Math.max(this.cfg.initdeadMs, n.deadtimeMs);
      const since = n.anyPackets ? n.lastHeard : this.startedAt;
      if (n.status !== 'dead' && now - since > deadtime) this.markDead(n);
      for (const l of n.links.values()) {
        if (l.status === 'up' && now - l.lastHeard > deadtime) {
          l.status = 'dead';
          this.io.emit({ type: 'link-status', node: n.name, link: l.name, status: 'dead' });
        }
      }
    }
  }

  private markDead(n: NodeInfo): void {
    const previous = n.status;
    n.status = 'dead';
    this.io.emit({ type: 'node-status', node: n.name, status: 'dead', previous });
    for (const l of n.links.values()) {
      if (l.status === 'up') {
        l.status = 'dead';
        this.io.emit({ type: 'link-status', node: n.name, link: l.name, status: 'dead' });
      }
    }
  }

  private scheduleRexmit(node: string, seq: number, now: number, delay?: number): void {
    const max = this.cfg.maxRexmitDelayMs;
    const d = delay ?? (max < 100 ? 0 : 50) + Math.floor(this.io.random() * (max - (max < 100 ? 0 : 50)));
    this.pendingRexmit.set(`${node}/${seq}`, { node, seq, at: now + d });
  }

  // ---- receiving -----------------------------------------------------------------------

  /** A decoded, authenticated message that arrived on `link`. */
  receive(msg: HaMessage, link: string, now: number): void {
    const from = msg.get('src')?.toLowerCase();
    const type = msg.get('t');
    const ts = msg.getHex('ts');
    if (!from || !type || !ts) return this.drop(from, 'missing src, t or ts');
    const node = this.nodes.get(from);
    if (!node) return this.drop(from, `unknown node ${from} (not in ha.cf; autojoin ${this.cfg.autojoin})`);
    if (node === this.me) return; // our own broadcast
    this.counters.received++;
    const uuid = msg.getBinary('srcuuid');
    if (uuid && uuid.length === 16) node.uuid = uuid;
    node.anyPackets = true;
    node.lastHeard = now;
    const l = node.links.get(link);
    if (l) {
      l.lastHeard = now;
      if (l.status !== 'up') {
        l.status = 'up';
        this.io.emit({ type: 'link-status', node: node.name, link, status: 'up' });
      }
    }
    const dest = msg.get('dest')?.toLowerCase();
    const toUs = dest === undefined || dest === this.me.name;

    if (type.startsWith('NS_')) {
      if (!toUs) return;
      switch (type) {
        case 'NS_ackmsg': {
          const a = msg.getHex('ackseq');
          if (a !== undefined) this.history.ack(node.name, a);
          return;
        }
        case 'NS_rexmit': {
          const first = Number(msg.get('firstseq'));
          const last = Number(msg.get('lastseq'));
          if (!(first > 0 && last >= first)) return this.drop(from, 'bad rexmit range');
          const { resend, nak } = this.history.rexmit(node.name, first, last, now);
          for (const p of resend) {
            this.counters.rexmitSent++;
            this.io.transmit(p);
          }
          for (const s of nak) this.send(new HaMessage().set('t', 'NS_nak_rexmit').set('firstseq', s.toString(16)).set('dest', node.name).set('comment', 'seqno not found'), now);
          return;
        }
        case 'NS_nak_rexmit': {
          const s = msg.getHex('firstseq');
          if (s !== undefined) node.track.missing.delete(s);
          return;
        }
        default:
          this.io.emit({ type: 'message', from: node.name, msg });
          return;
      }
    }

    const seq = msg.getHex('seq');
    const gen = msg.getHex('hg') ?? 0;
    if (seq === undefined) return this.drop(from, 'missing seq');
    const verdict = node.track.accept(gen, seq, type === 'status', node.status === 'dead');
    if (verdict.action === 'drop') return this.drop(from, verdict.reason);
    if (verdict.action === 'duplicate') {
      this.counters.duplicates++;
      return;
    }
    if (verdict.restart) this.io.emit({ type: 'restart', node: node.name, generation: gen });
    for (const s of verdict.missing) this.scheduleRexmit(node.name, s, now);
    if (node.track.shouldAck(seq)) this.send(new HaMessage().set('t', 'NS_ackmsg').set('dest', node.name).set('ackseq', seq.toString(16)), now);
    if (!toUs) return;

    switch (type) {
      case 'status':
        this.onStatus(node, msg, seq, ts, now);
        return;
      case 'reqnodes':
        this.send(
          new HaMessage()
            .set('dest', node.name)
            .set('t', 'repnodes')
            .set('nodelist', this.cfg.nodes.map((n) => `${n} `).join(''))
            .set('delnodelist', ' '),
          now,
        );
        return;
      case 'repnodes':
        return;
      default:
        this.io.emit({ type: 'message', from: node.name, msg });
    }
  }

  private onStatus(node: NodeInfo, msg: HaMessage, seq: number, ts: number, now: number): void {
    const st = msg.get('st') as NodeStatus | undefined;
    if (!st) return this.drop(node.name, 'status without st');
    if (ts < node.remoteTs && seq < node.track.statusSeq) return;
    const dt = msg.getHex('dt');
    if (dt !== undefined && dt > 0) node.deadtimeMs = dt;
    if (node.status !== 'dead' && node.lastStatusAt > 0) {
      const gap = now - node.lastStatusAt;
      if (gap > this.cfg.warntimeMs) this.io.emit({ type: 'late-heartbeat', node: node.name, gapMs: gap });
    }
    node.lastStatusAt = now;
    if (st !== node.status) {
      const previous = node.status;
      node.status = st;
      this.io.emit({ type: 'node-status', node: node.name, status: st, previous });
    }
    node.remoteTs = ts;
    node.track.statusSeq = seq;
  }

  private drop(node: string | undefined, reason: string): void {
    this.counters.dropped++;
    this.io.emit({ type: 'dropped', node, reason });
  }
}
