/**
 * Replicating the CIB over the messaging layer (heartbeat's client API): one master copy,
 * held by the first member of the agreed membership in name order (until the controller's DC
 * takes that role). Cluster messages, all `t=cib_*`:
 * - a node that is not the master forwards a client's update (`cib_update`, with a request id)
 *   and answers its client when the master's `cib_result` comes back — by then the master has
 *   written the change and broadcast it, and this node has applied it (the broadcast goes first);
 * - the master applies and journals each update and answers; its changes go out in order as
 *   `cib_apply` messages, each a batch (JSON `batch`: operation, v2 patchset, versions before
 *   and after per change) of what was applied within BATCH_MS — a busy master sends one message
 *   for many updates; a replica applies each patchset when its version is the `before` and the
 *   result is the `after`, else asks for the whole CIB (`cib_sync_req`);
 * - on every membership change the master broadcasts the whole CIB (`cib_full`); a member
 *   holding a higher version (the other side of a healed partition) sends its own back, the
 *   master adopts it and broadcasts it again: the higher version wins, as in Pacemaker.
 * A whole CIB travels compressed in one datagram, so it must stay under about 1 MB of XML.
 */
import { randomUUID } from 'node:crypto';
import { HaError, type Logger } from '@heartbeat-ts/cluster-glue';
import { type HeartbeatClient, subscribeMessages } from '@heartbeat-ts/heartbeat';
import { CibError } from './model.js';
import { type CibChange, CibStore, compareVersions, parsePatchset, patchsetText, type Section, versionString } from './store.js';
import { parseXml, serializeXml } from './xml.js';

const UPDATE_TIMEOUT_MS = 10_000;

type Op = CibChange['op'];

/** A client's update as it travels: XML as text. */
export interface WireRequest {
  op: Op;
  xml?: string;
  section?: Section;
  xpath?: string;
  all?: boolean;
}

const toFields = (r: WireRequest): Record<string, string> => ({ op: r.op, ...(r.xml !== undefined ? { xml: r.xml } : {}), ...(r.section ? { section: r.section } : {}), ...(r.xpath ? { xpath: r.xpath } : {}), ...(r.all ? { all: '1' } : {}) });
const fromFields = (f: Record<string, string>): WireRequest => ({ op: f.op as Op, ...(f.xml !== undefined ? { xml: f.xml } : {}), ...(f.section ? { section: f.section as Section } : {}), ...(f.xpath ? { xpath: f.xpath } : {}), ...(f.all === '1' ? { all: true } : {}) });

/** How long the master gathers changes into one `cib_apply` (and at most how many bytes of patches). */
export const BATCH_MS = 10;
const BATCH_BYTES = 256 * 1024;

interface AppliedChange {
  op: string;
  before: string;
  after: string;
  patch: string;
}

export class CibReplicator {
  private members: string[] = [];
  /** Changes applied here as master, not sent yet. */
  private outbox: AppliedChange[] = [];
  private outboxBytes = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Updates forwarded to the master, by request id: what was asked and of whom. */
  private readonly waiting = new Map<string, { resolve(v: string): void; reject(e: Error): void; timer: NodeJS.Timeout; req: WireRequest; to: string }>();

  constructor(
    private readonly me: string,
    private readonly store: CibStore,
    private readonly hb: HeartbeatClient,
    /** The CIB on disk: snapshot() after adopting a whole CIB; together() around a batch of patches (journaled by the store's listener in one write). */
    private readonly disk: { snapshot(): void; together<T>(fn: () => T): T },
    private readonly log: Logger,
  ) {}

  get master(): string {
    return [...this.members].sort()[0] ?? this.me;
  }

  get isMaster(): boolean {
    return this.master === this.me;
  }

  /** Sends what is still gathered (a clean stop). */
  stop(): void {
    this.flush();
  }

  async start(): Promise<void> {
    await subscribeMessages(this.hb, ['cib_'], (m) => void this.onMessage(m.from, m.type, m.fields));
    await this.hb.subscribe('membership', (v) => this.onMembership(v.members));
    this.onMembership((await this.hb.request('membership', {})).members);
  }

  private send(type: string, fields: Record<string, string>, to?: string): void {
    this.hb.request('send', { type, fields, ...(to ? { to } : {}) }).catch((e: Error) => this.log.warn({ type, err: e.message }, 'cannot send a CIB message'));
  }

  /** Sends the changes gathered so far (before anything else the master sends, to keep the order). */
  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (!this.outbox.length) return;
    const batch = this.outbox;
    this.outbox = [];
    this.outboxBytes = 0;
    this.send('cib_apply', { batch: JSON.stringify(batch) });
  }

  /** Our whole CIB, to one node or (without `to`) to all. */
  private sendFull(to?: string): void {
    this.flush();
    this.send('cib_full', { xml: this.store.xml({ indent: false }), version: this.store.version }, to);
  }

  private onMembership(members: string[]): void {
    // (What we applied as master goes out before the membership changes who the master is.)
    this.flush();
    const before = this.master;
    this.members = members;
    if (this.master !== before) this.log.info({ master: this.master, members }, 'CIB master copy moved');
    // Updates forwarded to a master that is no longer the master go to the new one (or apply
    // here, if we are it) rather than waiting for an answer that will not come.
    for (const [reqid, w] of this.waiting) {
      if (w.to === this.master) continue;
      if (this.isMaster) {
        this.waiting.delete(reqid);
        clearTimeout(w.timer);
        try {
          w.resolve(this.applyAsMaster(w.req));
        } catch (e) {
          w.reject(e instanceof CibError ? new HaError(e.code, e.message) : (e as Error));
        }
      } else {
        w.to = this.master;
        this.send('cib_update', { reqid, ...toFields(w.req) }, w.to);
      }
    }
    if (members.length < 2) return;
    if (this.isMaster) this.sendFull();
    // Every member shows the master what it has: the higher version wins.
    else this.sendFull(this.master);
  }

  /** A client's update on this node: applied here if we are the master, else forwarded. */
  async update(req: WireRequest): Promise<string> {
    if (this.isMaster) return this.applyAsMaster(req);
    const reqid = randomUUID();
    const to = this.master;
    const result = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(reqid);
        reject(new HaError('ETIMEDOUT', `the CIB master (${this.waiting.get(reqid)?.to ?? to}) did not answer within ${UPDATE_TIMEOUT_MS / 1000} s`));
      }, UPDATE_TIMEOUT_MS);
      this.waiting.set(reqid, { resolve, reject, timer, req, to });
    });
    this.send('cib_update', { reqid, ...toFields(req) }, to);
    return result;
  }

  /** Applies the update, persists it, and sends the members its patchset (applied there with version checks). */
  private applyAsMaster(req: WireRequest): string {
    const change = this.store.applyRequest({ op: req.op, ...(req.xml !== undefined ? { xml: parseXml(req.xml, 'update') } : {}), ...(req.section ? { section: req.section } : {}), ...(req.xpath ? { xpath: req.xpath } : {}), ...(req.all ? { all: true } : {}) });
    const patch = patchsetText(change);
    this.outbox.push({ op: req.op, before: change.before, after: change.after, patch });
    this.outboxBytes += patch.length;
    if (this.outboxBytes >= BATCH_BYTES) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
    return change.after;
  }

  /** A replica applies the master's changes in order; out of step, it asks for the whole CIB. */
  private applyBatch(from: string, batch: AppliedChange[]): void {
    for (const c of batch) {
      if (this.store.version !== c.before) {
        this.log.warn({ have: this.store.version, before: c.before }, 'CIB out of step with the master; asking for a full copy');
        this.send('cib_sync_req', {}, from);
        return;
      }
      try {
        this.store.applyPatch(c.op as Op, parsePatchset(c.patch, 'cib_apply'));
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'the master’s patch does not apply; asking for a full copy');
        this.send('cib_sync_req', {}, from);
        return;
      }
      if (this.store.version !== c.after) {
        this.send('cib_sync_req', {}, from);
        return;
      }
    }
  }

  private async onMessage(from: string, type: string, f: Record<string, string>): Promise<void> {
    if (from === this.me || !type.startsWith('cib_')) return;
    try {
      switch (type) {
        case 'cib_update': {
          if (!this.isMaster) return;
          let reply: Record<string, string>;
          try {
            reply = { reqid: f.reqid!, ok: '1', version: this.applyAsMaster(fromFields(f)) };
          } catch (e) {
            reply = { reqid: f.reqid!, ok: '0', code: (e as HaError).code ?? 'EINVAL', message: (e as Error).message };
          }
          // The change goes out before the answer (heartbeat keeps a sender's order): the node
          // that forwarded it has applied it when its client hears back — a command that
          // updates and then reads there reads what it wrote.
          this.flush();
          this.send('cib_result', reply, from);
          return;
        }
        case 'cib_result': {
          const w = this.waiting.get(f.reqid ?? '');
          if (!w) return;
          this.waiting.delete(f.reqid!);
          clearTimeout(w.timer);
          if (f.ok === '1') w.resolve(f.version!);
          else w.reject(new HaError(f.code ?? 'EINVAL', f.message ?? 'update rejected by the CIB master'));
          return;
        }
        case 'cib_apply': {
          if (from !== this.master) return;
          let batch: AppliedChange[];
          try {
            batch = JSON.parse(f.batch ?? '') as AppliedChange[];
            if (!Array.isArray(batch)) throw new Error('not a list');
          } catch (e) {
            this.log.warn({ from, err: (e as Error).message }, 'a cib_apply without a readable batch; asking for a full copy');
            this.send('cib_sync_req', {}, from);
            return;
          }
          this.disk.together(() => this.applyBatch(from, batch));
          return;
        }
        case 'cib_sync_req':
          if (this.isMaster) this.sendFull(from);
          return;
        case 'cib_full': {
          const theirs = parseXml(f.xml!, 'cib_full');
          const cmp = compareVersions(theirs, this.store.current);
          const differs = () => serializeXml(theirs) !== this.store.xml();
          if (this.isMaster) {
            // A member with a higher version (a healed partition): the higher version wins.
            if (cmp > 0) {
              this.log.warn({ from, version: versionString(theirs), had: this.store.version }, 'adopting a newer CIB from a member');
              this.store.adopt(theirs);
              this.disk.snapshot();
              this.sendFull();
            } else if (cmp < 0 || differs()) {
              this.sendFull(from);
            }
            return;
          }
          if (from !== this.master) return;
          if (cmp < 0) {
            // We are ahead of the master: send ours, it will adopt it and broadcast it.
            this.sendFull();
            return;
          }
          if (cmp > 0 || this.store.version !== f.version || differs()) {
            this.store.adopt(theirs);
            this.disk.snapshot();
            this.log.info({ version: this.store.version, from }, 'CIB synchronized from the master');
          }
          return;
        }
      }
    } catch (e) {
      this.log.error({ type, from, err: (e as Error).message }, 'CIB message failed');
    }
  }
}
