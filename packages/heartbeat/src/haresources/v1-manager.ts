/**
 * The v1 resource manager (`crm off` + haresources), heartbeat 3.0.6's protocol:
 * - a group's key is its first resource spec; a group is *local* to its node, *foreign*
 *   to the others;
 * - when a node dies (deadtime, or its status "dead"), the survivors take over its groups
 *   (heartbeat's mach_down). With more than two nodes — which heartbeat 3 does not support —
 *   a dead node's group goes to the first live node after the group's node in ha.cf order;
 * - at start with `auto_failback on`/`legacy`, a node asks for its local groups
 *   (`t=ip-request ipaddr=KEY`); a holder releases the group and answers
 *   `t=ip-request-resp dest=ASKER ipaddr=KEY weown=yes|no ok=OK`; the asker then takes it;
 * - with `auto_failback off` (nice failback) a starting node sends `t=starting`; the others
 *   answer `t=resource rsc_hold=none|local|foreign|all rtype=full isstable=1`, and it takes
 *   only those local groups nobody holds;
 * - `hb_standby` gives groups up (`t=ask_resources rsc_hold=...`: the others take them);
 *   `hb_takeover` asks the others to give theirs (`t=hb_takeover rsc_hold=...`);
 * - a clean stop releases everything, announces `rsc_hold=none info=shutdown`, then
 *   `t=shutdone`.
 * Our `resource` messages add `hbts_groups` (the keys we hold) so that nodes of ours agree on
 * every group even with more than two nodes; heartbeat 3 ignores the extra field.
 *
 * Decisions are here; running scripts and sending messages are the caller's (`actions`).
 * Operations are serialized: one group change at a time, in order.
 */
import type { ResourceGroup } from '../config/haresources.js';

export type RscHold = 'none' | 'local' | 'foreign' | 'all';

export interface V1Actions {
  /** Starts a group's resources in order; false if one failed (the group is then stopped again). */
  start(group: ResourceGroup): Promise<boolean>;
  /** Stops a group's resources in reverse order; false if a stop failed. */
  stop(group: ResourceGroup): Promise<boolean>;
  send(type: string, fields: Record<string, string>, to?: string): void;
  log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

export const groupKey = (g: ResourceGroup): string => g.resources[0]!.spec;

export class V1ResourceManager {
  /** Groups this node holds (started, not stopped since). */
  readonly held = new Set<string>();
  /** Who we believe holds each group (keys of groups held by others). */
  private readonly owners = new Map<string, string>();
  private readonly live = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private transitions = 0;
  private shuttingDown = false;
  private readonly byKey = new Map<string, ResourceGroup>();
  /** Our ip-requests still waiting for answers: group key → nodes that have not answered. */
  private readonly asking = new Map<string, Set<string>>();
  /** Requests not sent yet: a starting heartbeat 3 node ignores them until it is active. */
  private unsentAsks: string[] = [];
  private readonly active = new Set<string>();

  constructor(
    readonly groups: ResourceGroup[],
    readonly me: string,
    /** Configured nodes, ha.cf order. */
    readonly nodes: string[],
    readonly autoFailback: 'on' | 'off' | 'legacy',
    private readonly actions: V1Actions,
  ) {
    for (const g of groups) this.byKey.set(groupKey(g), g);
    this.live.add(me);
  }

  private get niceFailback(): boolean {
    return this.autoFailback === 'off';
  }

  /** What we hold, in heartbeat's words (cl_status rscstatus). */
  get rscStatus(): RscHold | 'transition' {
    if (this.transitions > 0) return 'transition';
    return this.holdOf(this.held);
  }

  private holdOf(keys: Set<string>): RscHold {
    const local = this.groups.some((g) => g.node === this.me && keys.has(groupKey(g)));
    const foreign = this.groups.some((g) => g.node !== this.me && keys.has(groupKey(g)));
    return local && foreign ? 'all' : local ? 'local' : foreign ? 'foreign' : 'none';
  }

  /** Runs one change at a time, in order. */
  private enqueue(what: string, fn: () => Promise<void>): Promise<void> {
    this.transitions++;
    const p = this.queue.then(fn).catch((e: Error) => this.actions.log('error', `${what} failed: ${e.message}`));
    this.queue = p.finally(() => {
      this.transitions--;
    });
    return this.queue;
  }

  private take(key: string, why: string): Promise<void> {
    return this.enqueue(`taking ${key}`, async () => {
      if (this.held.has(key) || this.shuttingDown) return;
      const g = this.byKey.get(key);
      if (!g) return;
      this.actions.log('info', 'acquiring resource group', { group: key, reason: why });
      if (await this.actions.start(g)) {
        this.held.add(key);
        this.owners.delete(key);
        this.actions.log('info', 'resource group acquired', { group: key });
      } else {
        this.actions.log('error', 'giving up resource group: a resource failed to start', { group: key });
      }
    });
  }

  private release(key: string, why: string): Promise<void> {
    return this.enqueue(`releasing ${key}`, () => this.doRelease(key, why));
  }

  /** Stops a group now; only from inside a queued operation. */
  private async doRelease(key: string, why: string): Promise<void> {
    const g = this.byKey.get(key);
    if (!g) return;
    this.actions.log('info', 'releasing resource group', { group: key, reason: why });
    const ok = await this.actions.stop(g);
    this.held.delete(key);
    if (!ok) this.actions.log('error', 'a resource did not stop cleanly; it may still be running', { group: key });
  }

  private announce(info?: string): void {
    const f: Record<string, string> = { rsc_hold: this.holdOf(this.held), rtype: 'full', isstable: this.transitions > 1 ? '0' : '1', hbts_groups: [...this.held].join('|') };
    if (info) f.info = info;
    this.actions.send('resource', f);
  }

  /** The first live node (other than `exclude`) at or after the group's own node, in ha.cf order. */
  takeoverNode(g: ResourceGroup, exclude?: string): string | undefined {
    const start = this.nodes.indexOf(g.node);
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[(start + i) % this.nodes.length]!;
      if (this.live.has(n) && n !== exclude) return n;
    }
    return undefined;
  }

  /** Communication is up: `live` are the nodes alive now (us included), `active` those already running. */
  async commUp(live: string[], active: string[] = live): Promise<void> {
    for (const n of live) this.live.add(n);
    for (const n of active) this.active.add(n);
    const others = live.filter((n) => n !== this.me);
    const local = this.groups.filter((g) => g.node === this.me).map(groupKey);
    if (others.length === 0) {
      for (const k of local) if (!this.owners.has(k)) await this.take(k, 'alone in the cluster');
      this.announce('req_our_resources()');
      return;
    }
    if (this.niceFailback) {
      this.actions.send('starting', {});
      return; // the others' `resource` answers decide
    }
    // Ask every other live node; take the group once all have answered (one of them may hold it).
    for (const k of local) this.asking.set(k, new Set(others));
    this.unsentAsks = local;
    this.sendAsks();
  }

  /** Sends our requests once every other live node is active (heartbeat 3 answers only then). */
  private sendAsks(): void {
    if (this.unsentAsks.length === 0) return;
    for (const n of this.live) if (n !== this.me && !this.active.has(n)) return;
    for (const k of this.unsentAsks) this.actions.send('ip-request', { ipaddr: k });
    this.unsentAsks = [];
  }

  private async answered(key: string, node: string, why: string): Promise<void> {
    const waiting = this.asking.get(key);
    if (!waiting) return;
    waiting.delete(node);
    if (waiting.size > 0) return;
    this.asking.delete(key);
    await this.take(key, why);
    this.announce('req_our_resources()');
  }

  /** A node joined or returned (`up`: starting, `active`: running). */
  nodeUp(node: string, status: 'up' | 'active' = 'active'): void {
    this.live.add(node);
    if (status === 'active') this.active.add(node);
    else this.active.delete(node);
    this.sendAsks();
  }

  /** A node died: take over the groups it held or would hold. */
  async nodeDead(node: string): Promise<void> {
    this.live.delete(node);
    this.active.delete(node);
    if (node === this.me) return;
    this.sendAsks();
    const work: Promise<void>[] = [];
    for (const key of [...this.asking.keys()]) work.push(this.answered(key, node, `${node} died before answering`));
    for (const g of this.groups) {
      const key = groupKey(g);
      const owner = this.owners.get(key);
      const wasTheirs = owner === node || (owner === undefined && g.node === node && !this.held.has(key));
      if (!wasTheirs) continue;
      this.owners.delete(key);
      if (this.takeoverNode(g) === this.me) work.push(this.take(key, `node ${node} is dead`));
    }
    await Promise.all(work);
    if (work.length) this.announce('mach_down');
  }

  /** A cluster message for the resource manager (others are ignored). */
  async message(from: string, type: string, f: Record<string, string>): Promise<void> {
    if (from === this.me) return;
    const to = f.dest;
    switch (type) {
      case 'ip-request': {
        const key = f.ipaddr;
        if (!key || !this.byKey.has(key)) return;
        // Queued, so that a start of this group already under way finishes (and is undone)
        // before we answer.
        await this.enqueue(`answering ${from}'s request for ${key}`, async () => {
          const weown = this.held.has(key);
          if (weown) await this.doRelease(key, `requested by ${from}`);
          this.owners.set(key, from);
          this.actions.send('ip-request-resp', { dest: from, ipaddr: key, weown: weown ? 'yes' : 'no', ok: 'OK' }, from);
        });
        return;
      }
      case 'ip-request-resp': {
        if (to !== this.me || f.ok !== 'OK' || !f.ipaddr) return;
        await this.answered(f.ipaddr, from, `released by ${from}`);
        return;
      }
      case 'starting':
        this.announce();
        return;
      case 'resource': {
        this.recordHoldings(from, f);
        if (this.niceFailback && f.info === undefined && f.isstable === '1') {
          // Answer to our `starting`: take the local groups nobody holds.
          for (const g of this.groups.filter((x) => x.node === this.me)) {
            const key = groupKey(g);
            if (!this.owners.has(key)) await this.take(key, 'nobody holds it');
          }
        }
        return;
      }
      case 'ask_resources': {
        // `from` went standby and gave up groups: the ones that now fall to us are ours.
        this.recordHoldings(from, { rsc_hold: 'none' });
        const standby = f.rsc_hold ?? 'all';
        for (const g of this.groups) {
          const key = groupKey(g);
          const theirLocal = g.node === from;
          const affected = standby === 'all' || (standby === 'local' ? theirLocal : !theirLocal);
          if (!affected || this.held.has(key) || this.owners.has(key)) continue;
          if (this.takeoverNode(g, from) === this.me) await this.take(key, `${from} went standby`);
        }
        this.announce('standby');
        return;
      }
      case 'hb_takeover': {
        // `from` wants these groups: give up the complementary set from our point of view.
        const which = f.rsc_hold === 'local' ? 'foreign' : f.rsc_hold === 'foreign' ? 'local' : 'all';
        await this.standby(which as RscHold);
        return;
      }
      case 'shutdone':
        this.recordHoldings(from, { rsc_hold: 'none' });
        return;
    }
  }

  /** What `from` says it holds; heartbeat 3 says it coarsely, ours list the keys. */
  private recordHoldings(from: string, f: Record<string, string>): void {
    for (const [k, o] of [...this.owners]) if (o === from) this.owners.delete(k);
    if (f.hbts_groups !== undefined) {
      for (const k of f.hbts_groups.split('|').filter(Boolean)) if (!this.held.has(k)) this.owners.set(k, from);
      return;
    }
    const hold = f.rsc_hold as RscHold | undefined;
    for (const g of this.groups) {
      const theirs = g.node === from;
      if (hold === 'all' || (hold === 'local' && theirs) || (hold === 'foreign' && !theirs)) {
        const key = groupKey(g);
        if (!this.held.has(key)) this.owners.set(key, from);
      }
    }
  }

  /** hb_standby: give up groups (local, foreign or all) so that the others take them. */
  async standby(which: RscHold): Promise<void> {
    const keys = this.groups
      .filter((g) => which === 'all' || (which === 'local' ? g.node === this.me : g.node !== this.me))
      .map(groupKey)
      .filter((k) => this.held.has(k));
    for (const k of keys) await this.release(k, 'standby');
    this.actions.send('ask_resources', { rsc_hold: which });
    this.announce('standby');
  }

  /** hb_takeover: ask the others to give up groups so that we take them. */
  takeover(which: RscHold): void {
    this.actions.send('hb_takeover', { rsc_hold: which });
  }

  /** Clean stop: release everything, then tell the others. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.queue;
    for (const k of [...this.held].reverse()) await this.release(k, 'shutdown');
    await this.queue;
    this.announce('shutdown');
    this.actions.send('shutdone', {});
  }

  /** Waits until every queued change is done. */
  idle(): Promise<void> {
    return this.queue;
  }
}
