/**
 * The fencer daemon: serves <runDir>/fencer.sock (protocol `fencer` v1). A fence request reads
 * the devices and the topology from the CIB as it is now, then:
 * - with topology levels for the target, tries them in index order — a level succeeds when each
 *   of its devices does — until one succeeds;
 * - without, tries every device that can fence the target (pcmk_host_check: its static list, the
 *   agent's `list`, the agent's `status`, or any node) in configuration order until one succeeds;
 * each agent run waiting its delay first (pcmk_delay_base, plus a random part up to pcmk_delay_max) and bounded by the action's timeout
 * (pcmk_<action>_timeout, else stonith-timeout). Requests for a target already being fenced
 * share its result. Every result goes into the history (the last 500) and is sent to the other
 * nodes' fencers over heartbeat (`stonith_event`), which keep it in theirs, and a node that
 * joins gets the others' (`stonith_history`): the history is the cluster's. (Without heartbeat — a fencer run alone — it stays this node's.)
 */
import { type Daemon, type DaemonContext, connectWhenUp, type FenceAgent, type FenceAgentDirs, fenceAgentWhere, fenceMetadataXml, HaError, installedFencing, IpcServer, resolveFenceAgent, runFencing, socketPath } from '@heartbeat-ts/cluster-glue';
import { Cib, connectLiveCib } from '@heartbeat-ts/cib/client';
import { connectHeartbeat, type HeartbeatClient, subscribeMessages } from '@heartbeat-ts/heartbeat';
import { randomUUID } from 'node:crypto';
import { actionTimeoutMs, agentAction, agentOptions, canFenceStatically, deviceLocations, type ExtraLevel, type FenceDevice, fenceDevice, fenceDevices, fencingDelayMs, parseAgentList, topologyWith } from './devices.js';
import { type FenceEvent, FencerCodec, FencerProtocol, type PendingFence } from './protocol.js';

const HISTORY_MAX = 500;
/** History events a message carries (heartbeat packets are at most 64 KB). */
const HISTORY_CHUNK = 50;

/** One device's run for a target: whether it could fence it (then ran), succeeded, and how, in a line. */
interface DeviceOutcome {
  ok: boolean;
  capable: boolean;
  line: string;
  /** The node that ran it. */
  node: string;
}

/** Where fence agents (default /usr/sbin) and stonith plugins (default /usr/lib/stonith/plugins) are looked for. */
export type FencerOptions = FenceAgentDirs;

export class FencerDaemon implements Daemon {
  readonly name = 'fencer';
  private ipc: IpcServer<typeof FencerProtocol> | undefined;
  private cib: Awaited<ReturnType<typeof connectLiveCib>> | undefined;
  private readonly history: FenceEvent[] = [];
  /** Fencing under way, by `target:action`: what it is (for `pending`), and its result to come (shared by the same requests). */
  private readonly inFlight = new Map<string, { pending: PendingFence; result: Promise<FenceEvent> }>();
  private node = '';
  private hb: HeartbeatClient | undefined;
  private log: DaemonContext['logger'] | undefined;
  /** The cluster's members (heartbeat's membership); this node alone without heartbeat. */
  private members: string[] = [];
  /** Topology levels registered with this fencer alone (stonith_admin -r), by `target index`. */
  private readonly levels = new Map<string, ExtraLevel>();
  /** Members asked for their history since they joined. */
  private readonly historyAsked = new Set<string>();
  /** Devices registered with this fencer alone (stonith_admin --register), outside the CIB. */
  private readonly registered = new Map<string, FenceDevice>();
  /** Devices run for this node by others: the answers awaited. */
  private readonly runs = new Map<string, { node: string; done: (o: DeviceOutcome) => void }>();

  constructor(private readonly opts: FencerOptions = {}) {}

  private async shareOverHeartbeat(ctx: DaemonContext): Promise<void> {
    try {
      this.hb = await connectHeartbeat(ctx.paths, { name: 'fencer', reconnect: true, timeoutMs: 15_000 });
    } catch (e) {
      ctx.logger.warn({ err: (e as Error).message }, 'no messaging layer: the fencing history stays this node\'s');
      return;
    }
    await subscribeMessages(this.hb, ['stonith_'], (m) => {
      if (m.from === this.node || !FencerCodec.is(m.type)) return;
      try {
        if (m.type === 'stonith_event') this.record(FencerCodec.decode('stonith_event', m.fields), false);
        else if (m.type === 'stonith_run') {
          const r = FencerCodec.decode('stonith_run', m.fields);
          void this.runForPeer(r.device, r.target, r.action, r.check).then((o) =>
            this.hb?.request('send', { ...FencerCodec.encode('stonith_run_result', { id: r.id, ok: o.ok, capable: o.capable, line: o.line }), to: m.from }).catch((e: Error) => ctx.logger.warn({ to: m.from, err: e.message }, 'cannot answer a device run')),
          );
        } else if (m.type === 'stonith_history_req') {
          FencerCodec.decode('stonith_history_req', m.fields);
          const mine = this.history.slice(-HISTORY_MAX);
          for (let i = 0; i < mine.length; i += HISTORY_CHUNK) {
            this.hb?.request('send', { ...FencerCodec.encode('stonith_history', { events: mine.slice(i, i + HISTORY_CHUNK) }), to: m.from }).catch((e: Error) => ctx.logger.warn({ to: m.from, err: e.message }, 'cannot send the fencing history'));
          }
        } else if (m.type === 'stonith_history_clear') {
          const { target } = FencerCodec.decode('stonith_history_clear', m.fields);
          this.clearHistory(target);
        } else if (m.type === 'stonith_history') {
          // (Past events: kept, not announced — a fencing long ago says nothing of a node lost now.)
          for (const e of FencerCodec.decode('stonith_history', m.fields).events) this.record(e, false, false);
        } else if (m.type === 'stonith_run_result') {
          const r = FencerCodec.decode('stonith_run_result', m.fields);
          const w = this.runs.get(r.id);
          if (w && w.node === m.from) w.done({ ok: r.ok, capable: r.capable, line: r.line, node: m.from });
        }
      } catch (e) {
        ctx.logger.warn({ from: m.from, type: m.type, err: (e as Error).message }, 'a fencer message that does not parse: dropped');
      }
    });
    await this.hb.subscribe('membership', (m) => {
      this.askHistory(m.members);
      this.members = m.members;
      // (A node that left will not answer.)
      for (const w of this.runs.values()) if (!m.members.includes(w.node)) w.done({ ok: false, capable: true, line: `${w.node} left the cluster`, node: w.node });
    });
    const now = (await this.hb.request('membership', {})).members;
    this.askHistory(now);
    this.members = now;
  }

  /** Asks the members that were not members before for their fencing history (each side of a join asks the other). */
  private askHistory(members: string[]): void {
    for (const n of members) {
      if (n === this.node || (this.members.includes(n) && this.historyAsked.has(n))) continue;
      this.historyAsked.add(n);
      this.hb?.request('send', { ...FencerCodec.encode('stonith_history_req', {}), to: n }).catch((e: Error) => this.log?.warn({ to: n, err: e.message }, 'cannot ask for the fencing history'));
    }
    for (const n of this.historyAsked) if (!members.includes(n)) this.historyAsked.delete(n);
  }

  async start(ctx: DaemonContext): Promise<void> {
    const log = ctx.logger;
    this.node = ctx.node;
    this.members = [ctx.node];
    this.log = log;
    this.cib = await connectWhenUp('the fencer', 'the CIB daemon', () => connectLiveCib('fencer', ctx.paths.root));
    const ipc = new IpcServer(FencerProtocol, { path: socketPath(ctx.paths, 'fencer'), serverName: `fencer@${ctx.node}`, logger: log });
    this.ipc = ipc;
    ipc.handle('fence', ({ target, action, origin, delayMs }) => {
      const key = `${target}:${action}`;
      let f = this.inFlight.get(key);
      if (!f) {
        const asker = this.asker(origin);
        f = { pending: { target, action, origin: asker, delegate: this.node, started: Date.now() }, result: this.fence(target, action, asker, log, delayMs ?? 0).finally(() => this.inFlight.delete(key)) };
        this.inFlight.set(key, f);
      }
      return f.result;
    });
    ipc.handle('devices', async ({ target }) => {
      const cib = await this.liveCib();
      const { devices, usable } = this.devicesNow(cib);
      const here = devices.filter((d) => usable(d.id, this.node));
      const able = target ? await Promise.all(here.map((d) => this.canFence(cib, d, target))) : here.map(() => true);
      return { devices: here.filter((_, i) => able[i]).map((d) => ({ id: d.id, agent: d.agent, hostCheck: d.hostCheck, hosts: [...new Set([...d.hostList, ...d.hostMap.keys()])] })) };
    });
    ipc.handle('targets', async ({ device }) => {
      const cib = await this.liveCib();
      const d = this.device(cib, device);
      if (d.hostCheck === 'static-list') return { targets: [...new Set([...d.hostList, ...d.hostMap.keys()])] };
      const r = await runFencing(this.findAgent(d.agent, d.id), agentAction(d, 'list'), d.options, { timeoutMs: actionTimeoutMs(cib, d, 'list') });
      if (r.status !== 'done' || r.rc !== 0) throw new HaError('EIO', `${device}: its agent's list failed (${r.status === 'timeout' ? 'timed out' : `rc=${r.rc}`}): ${r.output.trim().slice(0, 300)}`);
      return { targets: parseAgentList(r.output) };
    });
    ipc.handle('query', async ({ device }) => {
      const cib = await this.liveCib();
      const d = this.device(cib, device);
      const agent = this.findAgent(d.agent, d.id);
      let r = await runFencing(agent, agentAction(d, 'monitor'), d.options, { timeoutMs: actionTimeoutMs(cib, d, 'monitor') });
      if (r.status !== 'done' || r.rc !== 0) r = await runFencing(agent, agentAction(d, 'list'), d.options, { timeoutMs: actionTimeoutMs(cib, d, 'list') });
      return { ok: r.status === 'done' && r.rc === 0, output: r.output };
    });
    ipc.handle('register', ({ id, agent, params }) => {
      this.findAgent(agent);
      this.registered.set(id, fenceDevice(id, agent, params));
      log.info({ device: id, agent }, 'device registered (outside the CIB)');
      return {};
    });
    ipc.handle('deregister', ({ id }) => {
      if (!this.registered.delete(id)) throw new HaError('ENOENT', `no device ${id} registered with stonith_admin --register here (the CIB's devices go with the CIB)`);
      log.info({ device: id }, 'device deregistered');
      return {};
    });
    ipc.handle('register-level', ({ target, index, devices }) => {
      if (!devices.length) throw new HaError('EINVAL', 'a level needs at least one device');
      this.levels.set(`${target} ${index}`, { target, index, devices });
      log.info({ target, index, devices }, 'topology level registered (outside the CIB)');
      return {};
    });
    ipc.handle('deregister-level', ({ target, index }) => {
      if (!this.levels.delete(`${target} ${index}`)) throw new HaError('ENOENT', `no level ${index} for ${target} registered with stonith_admin -r here (the CIB's levels go with the CIB)`);
      return {};
    });
    ipc.handle('history-clear', ({ target }) => {
      const removed = this.clearHistory(target);
      this.hb?.request('send', FencerCodec.encode('stonith_history_clear', target ? { target } : {})).catch((e: Error) => log.warn({ err: e.message }, 'cannot tell the others to clear the history'));
      log.info({ target: target ?? '*', removed }, 'fencing history cleared');
      return { removed };
    });
    ipc.handle('validate', async ({ agent, params }) => {
      const r = await runFencing(this.findAgent(agent), 'validate-all', params, { timeoutMs: 60_000 });
      return { rc: r.status === 'done' ? r.rc : 1, output: r.status === 'timeout' ? `${r.output}\n(timed out after ${r.ms} ms)` : r.output };
    });
    ipc.handle('pending', () => ({ actions: [...this.inFlight.values()].map((f) => f.pending) }));
    ipc.handle('history', ({ target }) => ({ events: this.history.filter((e) => !target || e.target === target) }));
    ipc.handle('confirm', ({ target, origin }) => {
      const e: FenceEvent = { target, action: 'off', status: 'success', origin: this.asker(origin ?? 'stonith_admin'), delegate: this.node, completed: Date.now(), ms: 0, reason: 'confirmed by an operator' };
      log.warn({ target }, 'fencing confirmed by an operator: the node is taken as down');
      this.record(e);
      return e;
    });
    ipc.handle('installed', () => ({ agents: installedFencing(this.opts) }));
    ipc.handle('metadata', async ({ agent }) => {
      const found = this.findAgent(agent);
      try {
        return { xml: await fenceMetadataXml(found) };
      } catch (e) {
        throw new HaError('EIO', (e as Error).message);
      }
    });
    await ipc.listen();
    // (In the background: a fencer run alone, without heartbeat, starts at once.)
    void this.shareOverHeartbeat(ctx);
  }

  async stop(): Promise<void> {
    this.hb?.close();
    this.cib?.close();
    await this.ipc?.close();
  }

  /** Forgets the history of a target (all of it without one); how many events went. */
  private clearHistory(target: string | undefined): number {
    const before = this.history.length;
    const keep = this.history.filter((e) => target !== undefined && target !== '*' && e.target !== target);
    this.history.splice(0, this.history.length, ...keep);
    return before - keep.length;
  }

  /**
   * The CIB's devices, and those registered here (a CIB device of the same id wins); and where
   * each may be used: a CIB device where its location constraints allow, one registered here
   * alone only here.
   */
  private devicesNow(cib: Cib): { devices: FenceDevice[]; usable: (device: string, node: string) => boolean } {
    const fromCib = fenceDevices(cib);
    const ids = new Set(fromCib.map((d) => d.id));
    const locations = deviceLocations(cib);
    return {
      devices: [...fromCib, ...[...this.registered.values()].filter((d) => !ids.has(d.id))],
      usable: (id, node) => (ids.has(id) ? locations(id, node) : this.registered.has(id) && node === this.node),
    };
  }

  /** A device by id (throws ENOENT naming it). */
  private device(cib: Cib, id: string): FenceDevice {
    const d = this.devicesNow(cib).devices.find((x) => x.id === id);
    if (!d) throw new HaError('ENOENT', `no fence device ${id} (the CIB's stonith resources, or stonith_admin --register)`);
    return d;
  }

  /** A fence agent or stonith plugin by name (throws ENOENT naming it, and the device that uses it). */
  private findAgent(name: string, device?: string): FenceAgent {
    const agent = resolveFenceAgent(name, this.opts);
    if (!agent) throw new HaError('ENOENT', `${device ? `${device}: ` : ''}no fence agent or stonith plugin ${name} in ${fenceAgentWhere(this.opts)}`);
    return agent;
  }

  /** Who asked, as `client@node` (the node where the request came in, whoever carries it out). */
  private asker(origin: string | undefined): string {
    const o = origin ?? 'unknown';
    return o.includes('@') ? o : `${o}@${this.node}`;
  }

  private async liveCib(): Promise<Cib> {
    const { xml } = await this.cib!.request('query', {});
    return Cib.parse(xml, 'the live CIB');
  }

  /** Keeps an event (once), tells the other fencers of those that happened here, and this node's clients (`fenced`) of new ones. */
  private record(e: FenceEvent, share = true, announce = true): void {
    if (this.history.some((x) => x.target === e.target && x.completed === e.completed && x.delegate === e.delegate && x.action === e.action)) return;
    if (share && this.hb) this.hb.request('send', FencerCodec.encode('stonith_event', e)).catch((err: Error) => this.log?.warn({ err: err.message }, 'cannot share a fencing event'));
    this.history.push(e);
    this.history.sort((a, b) => a.completed - b.completed);
    if (announce) this.ipc?.publish('fenced', e);
    if (this.history.length > HISTORY_MAX) this.history.splice(0, this.history.length - HISTORY_MAX);
  }

  /** A peer's request: the device, as this node's CIB has it, run here. */
  private async runForPeer(id: string, target: string, action: string, check: boolean): Promise<DeviceOutcome> {
    let cib: Cib;
    try {
      cib = await this.liveCib();
    } catch (e) {
      return { ok: false, capable: true, line: `${id}: ${(e as Error).message}`, node: this.node };
    }
    const d = this.devicesNow(cib).devices.find((x) => x.id === id);
    if (!d) return { ok: false, capable: false, line: `${id}: no such device`, node: this.node };
    return this.runHere(cib, d, target, action, check);
  }

  /** Runs one device's agent for the target here; first, with `check`, whether it can fence it. */
  private async runHere(cib: Cib, d: FenceDevice, target: string, action: string, check: boolean): Promise<DeviceOutcome> {
    const node = this.node;
    if (check && !(await this.canFence(cib, d, target))) return { ok: false, capable: false, line: `${d.id}: cannot fence ${target}`, node };
    let agent: FenceAgent;
    try {
      agent = this.findAgent(d.agent, d.id);
    } catch (e) {
      return { ok: false, capable: true, line: (e as Error).message, node };
    }
    const delay = fencingDelayMs(d);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    // pcmk_<action>_retries (default 2): a device that fails (busy, say) is tried again while
    // the action's timeout leaves time.
    const deadline = Date.now() + actionTimeoutMs(cib, d, action);
    let r = await runFencing(agent, agentAction(d, action), agentOptions(d, target), { timeoutMs: deadline - Date.now() });
    for (let tries = 1; tries < (d.retries[action] ?? 2) && r.status === 'done' && r.rc !== 0 && deadline - Date.now() > 1000; tries++) {
      this.log?.warn({ device: d.id, target, action, rc: r.rc, try: tries }, 'the device failed: trying again');
      r = await runFencing(agent, agentAction(d, action), agentOptions(d, target), { timeoutMs: deadline - Date.now() });
    }
    const out = r.output.trim().split('\n').slice(-2).join(' / ');
    return { ok: r.status === 'done' && r.rc === 0, capable: true, line: `${d.id}: ${r.status === 'timeout' ? `timed out after ${r.ms} ms` : `rc=${r.rc}`}${out ? ` (${out})` : ''}`, node };
  }

  /**
   * Runs a device where it may be used: here if its location constraints allow this node, else
   * on the first member that they allow (asked over heartbeat, answered when it is done).
   */
  private async runDevice(cib: Cib, d: FenceDevice, target: string, action: string, check: boolean, usable: (device: string, node: string) => boolean): Promise<DeviceOutcome> {
    if (usable(d.id, this.node)) return this.runHere(cib, d, target, action, check);
    const peer = this.members.find((n) => n !== this.node && usable(d.id, n));
    if (!peer || !this.hb) return { ok: false, capable: false, line: `${d.id}: no member may use it (its location constraints)`, node: this.node };
    const id = randomUUID();
    const waitMs = actionTimeoutMs(cib, d, action) + Math.max(d.delayBaseMs, d.delayMaxMs) + (check ? actionTimeoutMs(cib, d, 'list') : 0) + 10_000;
    return new Promise<DeviceOutcome>((resolve) => {
      const timer = setTimeout(() => done({ ok: false, capable: true, line: `${d.id} on ${peer}: no answer within ${waitMs} ms`, node: peer }), waitMs);
      const done = (o: DeviceOutcome) => {
        clearTimeout(timer);
        this.runs.delete(id);
        resolve({ ...o, line: o.line.startsWith(`${d.id}:`) ? `${d.id} on ${peer}:${o.line.slice(d.id.length + 1)}` : o.line });
      };
      this.runs.set(id, { node: peer, done });
      this.log?.info({ device: d.id, target, action, node: peer }, 'device run by another node (location constraints)');
      this.hb!.request('send', { ...FencerCodec.encode('stonith_run', { id, target, action: action as 'reboot' | 'off' | 'on', device: d.id, check }), to: peer }).catch((e: Error) => done({ ok: false, capable: true, line: `${d.id}: cannot ask ${peer}: ${e.message}`, node: peer }));
    });
  }

  /** Whether the device can fence the target, asking its agent when the configuration says to. */
  private async canFence(cib: Cib, d: FenceDevice, target: string): Promise<boolean> {
    const known = canFenceStatically(d, target);
    if (known !== undefined) return known;
    const agent = resolveFenceAgent(d.agent, this.opts);
    if (!agent) return false;
    if (d.hostCheck === 'status') {
      const r = await runFencing(agent, agentAction(d, 'status'), agentOptions(d, target), { timeoutMs: actionTimeoutMs(cib, d, 'status') });
      return r.status === 'done' && (r.rc === 0 || r.rc === 2);
    }
    const r = await runFencing(agent, agentAction(d, 'list'), d.options, { timeoutMs: actionTimeoutMs(cib, d, 'list') });
    return r.status === 'done' && r.rc === 0 && parseAgentList(r.output).includes(d.hostMap.get(target) ?? target);
  }

  private async fence(target: string, action: string, origin: string, log: DaemonContext['logger'], delayMs = 0): Promise<FenceEvent> {
    const t0 = Date.now();
    if (delayMs > 0) {
      log.info({ target, action, delayMs }, 'fencing delayed as asked (priority-fencing-delay)');
      await new Promise((r) => setTimeout(r, delayMs));
    }
    const lines: string[] = [];
    let device: string | undefined;
    let delegate = this.node;
    try {
      const cib = await this.liveCib();
      const { devices: known, usable } = this.devicesNow(cib);
      // (Unfencing is done by the devices that provide it, when some do.)
      const devices = action === 'on' && known.some((d) => d.providesUnfencing) ? known.filter((d) => d.providesUnfencing) : known;
      const byId = new Map(known.map((d) => [d.id, d]));
      const attrs: Record<string, string> = {};
      for (const set of cib.nodes.find((x) => x.uname === target)?.attributes ?? []) for (const nv of set.nvpairs) attrs[nv.name] ??= nv.value ?? '';
      const levels = topologyWith(cib, target, [...this.levels.values()], attrs);
      log.info({ target, action, origin, levels: levels.length || undefined }, 'fencing requested');
      if (levels.length) {
        for (const [i, level] of levels.entries()) {
          let everyOne = true;
          for (const id of level) {
            const d = byId.get(id);
            const r = d ? await this.runDevice(cib, d, target, action, false, usable) : { ok: false, line: `${id}: no such device`, node: this.node };
            lines.push(`level ${i + 1} ${r.line}`);
            delegate = r.node;
            if (!r.ok) {
              everyOne = false;
              break;
            }
          }
          if (everyOne) {
            device = level.join(',');
            break;
          }
        }
      } else {
        for (const d of devices) {
          const r = await this.runDevice(cib, d, target, action, true, usable);
          if (!r.capable) continue;
          lines.push(r.line);
          delegate = r.node;
          if (r.ok) {
            device = d.id;
            break;
          }
        }
        if (!lines.length) lines.push(`no device can fence ${target}`);
      }
    } catch (e) {
      lines.push((e as Error).message);
    }
    const e: FenceEvent = { target, action, status: device ? 'success' : 'failed', ...(device ? { device } : {}), origin, delegate, completed: Date.now(), ms: Date.now() - t0, ...(device ? {} : { reason: lines.join('; ') }) };
    if (device) log.warn({ target, action, device, ms: e.ms }, 'node fenced');
    else log.error({ target, action, results: lines }, 'fencing failed');
    this.record(e);
    return e;
  }
}
