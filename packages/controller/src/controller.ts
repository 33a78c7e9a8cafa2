/**
 * The controller (pacemaker-controld's role), one per node. It talks to the messaging layer only
 * through heartbeat's client API, to the CIB and the executor through their sockets.
 *
 * On every node:
 * - it keeps the node's resource history in the CIB: after each result its executor reports,
 *   the node's `<lrm>` is rewritten from the executor's history in one CIB update;
 * - it runs the actions the DC sends it (`crmd_exec`), through its executor: recurring operations
 *   of the resource are cancelled first when it stops, migrates, or changes role (the graph adds
 *   those of the new role); a failure other than a probe's is counted through the attribute
 *   daemon (fail-count-RSC#OP_INTERVAL, last-failure-...) — a start's to INFINITY
 *   (start-failure-is-fatal); then it answers the DC.
 *
 * On the DC (see election.ts):
 * - at every membership change: node_state of members (in the cluster, controller online, joined)
 *   and of nodes that left (out, expected back); `dc-uuid` and `have-quorum` on the CIB; each
 *   member is asked to write its history (`crmd_join`) and the DC waits for them (a few seconds
 *   at most) before it schedules;
 * - scheduling: the live CIB through the policy engine (@heartbeat-ts/pengine), and the graph run
 *   by a TransitionRunner — each resource action sent to its node, each result waited for within
 *   the action's timeout plus `cluster-delay`; then it schedules again, until a graph has nothing
 *   to do. A configuration change, a lost node or an unexpected result aborts the transition (what
 *   is in flight completes) and leads to a new one. Fencing is not carried out yet (issue 9): a
 *   graph that needs it fails that action, and what requires fencing stays where it is.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Cib, connectLiveCib, liveNodeId, liveNodeIds } from '@heartbeat-ts/cib';
import { connectWhenUp, type Daemon, type DaemonContext, HaError, IpcClient, IpcServer, type Logger, parseCrmDurationMs, serializeXml, socketPath, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue';
import { connectAttrd } from '@heartbeat-ts/attrd';
import { FencerProtocol } from '@heartbeat-ts/fencer/client';
import { connectExecutor, type ExecutorClient } from '@heartbeat-ts/executor';
import { connectHeartbeat, type HeartbeatClient, subscribeMessages } from '@heartbeat-ts/heartbeat';
import { buildWorkingSet, graphHasWork, type RunnableAction, runnableActions, SchedulerProtocol } from '@heartbeat-ts/pengine';
import { electDc } from './election.js';
import { lrmElement } from './lrm.js';
import { type ControllerMessage, decode, encode, isControllerMessage } from './protocol.js';
import { ControllerProtocol, type TransitionInfo } from './status.js';
import { type ActionOutcome, TransitionRunner } from './transition.js';

type CibClient = Awaited<ReturnType<typeof connectLiveCib>>;

const JOIN_WAIT_MS = 3000;
/** More transitions than this in a row with nothing else happening: something does not converge. */
const MAX_CONSECUTIVE_TRANSITIONS = 30;
/** At most one scheduler run per this long for a stream of CIB changes (see scheduleSoon). */
const SCHEDULE_PACE_MS = 100;


const xml = (e: XmlElement) => serializeXml(e);

export class ControllerDaemon implements Daemon {
  readonly name = 'controller';
  private log!: Logger;
  private me = '';
  private hb!: HeartbeatClient;
  private cib!: CibClient;
  private executor!: ExecutorClient;
  private ipc: IpcServer<typeof ControllerProtocol> | undefined;
  private members: string[] = [];
  private readonly startedAt = Date.now();
  private membershipChangedAt: number | undefined;
  /** Failed fencings per target since it was last fenced or a member (stonith-max-attempts). */
  private readonly fencingFailures = new Map<string, number>();
  /** stonith-max-attempts, as the last transition's options said (Pacemaker's default until then). */
  private stonithMaxAttempts = 10;
  /** A fencing refused this transition for too many failures: stop scheduling until something changes. */
  private fencingGaveUp: string | undefined;
  private generation = 0;
  private quorum = false;
  private dc: string | undefined;
  /** This controller's identity as a DC (in transition keys). */
  private readonly uuid = randomUUID();
  /** Transition keys of the calls this node made (by the executor's call id). */
  private readonly keys = new Map<number, string>();
  /** DC: answers awaited from nodes, by request id. */
  private readonly awaiting = new Map<string, { node: string; resolve(o: ActionOutcome): void; timer: NodeJS.Timeout }>();
  /** DC: the members whose controllers answered a join (only they are sent actions). */
  private readonly joinedNodes = new Set<string>();
  private joinedGeneration = -1;
  private transitionId = 0;
  private current: TransitionRunner | undefined;
  private currentInfo: TransitionInfo | undefined;
  private lastTransition: TransitionInfo | undefined;
  private scheduling = false;
  private again = false;
  private writes: Promise<unknown> = Promise.resolve();
  private lrmTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Actions this node is running for the DC, and answers not yet handed to heartbeat. */
  private localActions = 0;
  private readonly sending = new Set<Promise<unknown>>();
  private badMessages = 0;
  /** cluster-delay: how long past an action's timeout its node's answer is awaited. */
  private clusterDelayMs = 60_000;
  private scheduler!: IpcClient<typeof SchedulerProtocol>;
  private fencer!: IpcClient<typeof FencerProtocol>;
  /** DC: nodes fenced since they left (their node_state says expected down until they return). */
  private readonly fenced = new Set<string>();
  /** When the scheduler last answered (pacing runs for streams of CIB changes). */
  private lastScheduledAt = 0;
  private wakePaced: (() => void) | undefined;
  private attrd: Awaited<ReturnType<typeof connectAttrd>> | undefined;
  private root: string | undefined;
  /** DC: the next scheduler run due to time (cluster-recheck-interval, a failure expiring). */
  private recheck: NodeJS.Timeout | undefined;

  async start(ctx: DaemonContext): Promise<void> {
    this.log = ctx.logger;
    this.me = ctx.node;
    this.root = ctx.paths.root;
    this.hb = await connectWhenUp('the controller', 'the messaging layer (heartbeat)', () => connectHeartbeat(ctx.paths, { name: 'controller', reconnect: true, timeoutMs: 15_000 }));
    this.cib = await connectWhenUp('the controller', 'the CIB daemon', () => connectLiveCib('controller', ctx.paths.root));
    // (Scheduling a large cluster takes seconds: a long timeout; the scheduler may be respawned.)
    this.scheduler = await connectWhenUp('the controller', 'the scheduler', () =>
      IpcClient.connect(SchedulerProtocol, { path: socketPath(ctx.paths, 'scheduler'), name: 'controller', timeoutMs: 10 * 60_000, reconnect: true }),
    );
    this.fencer = await connectWhenUp('the controller', 'the fencer', () =>
      IpcClient.connect(FencerProtocol, { path: socketPath(ctx.paths, 'fencer'), name: 'controller', timeoutMs: 30 * 60_000, reconnect: true }),
    );
    // A node fenced by someone else — another node's fencer, an operator's stonith_admin, or
    // --confirm — is down too: its resources may be recovered.
    await this.fencer.subscribe('fenced', (e) => {
      if (!this.isDc || e.origin === `controller@${this.me}` || e.status !== 'success' || e.action === 'on' || this.members.includes(e.target) || this.fenced.has(e.target)) return;
      this.log.warn({ target: e.target, by: e.origin, reason: e.reason }, 'a node was fenced outside a transition: taken as down');
      void this.recordFenced(e.target).then(() => this.scheduleSoon(`${e.target} fenced`));
    });
    this.executor = await connectWhenUp('the controller', 'the executor', () => connectExecutor(ctx.paths, { name: 'controller', reconnect: true }));

    const ipc = new IpcServer(ControllerProtocol, { path: socketPath(ctx.paths, 'controller'), serverName: `controller@${ctx.node}`, logger: this.log });
    this.ipc = ipc;
    ipc.handle('status', () => ({
      node: this.me,
      dc: this.dc ?? null,
      isDc: this.isDc,
      generation: this.generation,
      members: this.members,
      transitions: this.transitionId,
      ...(this.currentInfo ? { current: this.currentInfo } : {}),
      ...(this.lastTransition ? { last: this.lastTransition } : {}),
      badMessages: this.badMessages,
      startedAt: this.startedAt,
      ...(this.membershipChangedAt !== undefined ? { membershipChangedAt: this.membershipChangedAt } : {}),
    }));
    ipc.handle('cleanup', ({ rsc, node }) => {
      const nodes = node ? [node] : [...this.members].sort();
      this.hb.request('send', encode('crmd_cleanup', { rsc, ...(node ? { node } : {}) })).catch((e: Error) => this.log.warn({ err: e.message }, 'cannot send a cleanup'));
      if (!node || node === this.me) void this.cleanupLocal(rsc);
      return { nodes };
    });
    await ipc.listen();

    await this.executor.subscribe('op', (rec) => this.onOp(rec));
    await this.cib.subscribe('change', (d) => this.onCibDiff(d.paths));
    await subscribeMessages(this.hb, ['crmd_'], (m) => this.onMessage(m.from, m.type, m.fields));
    await this.hb.subscribe('membership', (m) => this.onMembership(m.members, m.generation, m.quorum));
    // Our history in the CIB before anything else: what this node runs, as far as it knows.
    await this.writeLrm();
    const m = await this.hb.request('membership', {});
    this.onMembership(m.members, m.generation, m.quorum);
    // A DC that was there before us asks us to join when it hears we are up.
    this.hb.request('send', encode('crmd_announce', { node: this.me })).catch((e: Error) => this.log.warn({ err: e.message }, 'cannot announce this controller'));
  }

  async stop(): Promise<void> {
    await this.shutdown();
    this.stopped = true;
    if (this.recheck) clearTimeout(this.recheck);
    this.current?.abort('controller stopping');
    if (this.lrmTimer) clearTimeout(this.lrmTimer);
    for (const w of this.awaiting.values()) clearTimeout(w.timer);
    this.awaiting.clear();
    this.hb?.close();
    this.cib?.close();
    this.executor?.close();
    this.attrd?.close();
    this.scheduler?.close();
    this.fencer?.close();
    await this.ipc?.close();
  }

  private get isDc(): boolean {
    return this.dc === this.me;
  }

  /**
   * A clean stop (SIGTERM: heartbeat -k, the system shutting down): the node asks to leave — the
   * `shutdown` attribute, through the attribute daemon — and waits until the CIB shows nothing
   * running on it (the DC moves or stops it all, this node included if it is the DC), at most
   * `shutdown-escalation` (default 20 min; HBTS_SHUTDOWN_ESCALATION overrides it), then stops.
   */
  private async shutdown(): Promise<void> {
    if (this.stopped || !this.cib || !this.hb) return;
    const running = async (): Promise<boolean | undefined> => {
      try {
        const ws = buildWorkingSet(Cib.parse((await this.cib.request('query', {}, { timeoutMs: 5000 })).xml, 'the live CIB'));
        return [...ws.byId.values()].some((r) => r.kind === 'primitive' && r.active.has(this.me));
      } catch {
        return undefined;
      }
    };
    if ((await running()) !== true) return;
    let limitMs = 20 * 60_000;
    try {
      const cibXml = (await this.cib.request('query', { section: 'crm_config' }, { timeoutMs: 5000 })).xml;
      limitMs = parseCrmDurationMs(/name="shutdown-escalation" value="([^"]+)"/.exec(cibXml)?.[1] ?? '20min') ?? limitMs;
    } catch {
      /* the default */
    }
    if (process.env.HBTS_SHUTDOWN_ESCALATION) limitMs = parseCrmDurationMs(process.env.HBTS_SHUTDOWN_ESCALATION) ?? limitMs;
    this.log.info({ limitMs }, 'shutting down: moving resources away first');
    try {
      this.attrd ??= await connectAttrd('controller', this.root);
      await this.attrd.request('update', { name: 'shutdown', value: String(Math.floor(Date.now() / 1000)) });
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'cannot ask to leave: stopping with resources still running');
      return;
    }
    const deadline = Date.now() + limitMs;
    while (Date.now() < deadline) {
      // (The DC finishes the transition that moves them: their new home may not be started yet.)
      if ((await running()) === false && !(this.isDc && (this.current || this.scheduling)) && this.localActions === 0) {
        // (The DC gets the results of what ran here before we go.)
        await Promise.all([...this.sending]);
        this.log.info('nothing runs here any more: leaving');
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    this.log.error({ limitMs }, 'shutdown-escalation reached: leaving with resources still running');
  }

  /** DC: the scheduler runs again when it said to (cluster-recheck-interval, a failure expiring). */
  private planRecheck(at: number | null): void {
    if (this.recheck) clearTimeout(this.recheck);
    if (at === null) return;
    this.recheck = setTimeout(() => this.scheduleSoon('recheck'), Math.max(0, at - Date.now()));
  }

  // ---- CIB writes (one at a time, in order) ----

  private cibWrite<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    const p = this.writes.then(fn).catch((e: Error) => {
      if (!this.stopped) this.log.warn({ err: e.message }, `CIB update failed: ${what}`);
      return undefined;
    });
    this.writes = p;
    return p;
  }

  private nodeId(uname: string): Promise<string> {
    return liveNodeId(this.cib, uname);
  }


  /** This node's `<lrm>` from its executor's history, in one update. */
  private async writeLrm(): Promise<void> {
    await this.cibWrite('resource history', async () => {
      const { resources } = await this.executor.request('history', {});
      const id = await this.nodeId(this.me);
      const lrm = lrmElement(id, this.me, resources, this.keys);
      const xpath = `/cib/status/node_state[@uname='${this.me}']/lrm`;
      try {
        await this.cib.request('replace', { xpath, xml: xml(lrm) });
      } catch (e) {
        if ((e as HaError).code !== 'ENOSUCH') throw e;
        await this.cib.request('modify', { section: 'status', xml: xml(xmlElement('status', {}, [xmlElement('node_state', { id, uname: this.me }, [lrm])])) });
      }
    });
  }

  /**
   * A result the executor reports: the history in the CIB follows; a recurring operation that
   * turns out other than expected (a monitor finding the resource stopped or failed) is a failure,
   * counted — the DC sees both and recovers the resource.
   */
  private onOp(rec: { callId: number; rsc: string; action: string; intervalMs: number; rc: number; status: string }): void {
    this.lrmChanged();
    if (rec.intervalMs === 0 || rec.status === 'cancelled') return;
    const expected = Number(this.keys.get(rec.callId)?.split(':')[2] ?? (rec.rc === 8 ? 8 : 0));
    if (rec.status !== 'done' || rec.rc !== expected) void this.countFailure(rec.rsc, rec.action, rec.intervalMs);
  }

  private lrmChanged(): void {
    if (this.lrmTimer) return;
    this.lrmTimer = setTimeout(() => {
      this.lrmTimer = undefined;
      void this.writeLrm();
    }, 20);
  }

  /** A failure counted through the attribute daemon: fail-count-RSC#OP_INTERVAL (+1, INFINITY for a start) and last-failure-RSC#OP_INTERVAL. */
  private async countFailure(rsc: string, action: string, intervalMs: number): Promise<void> {
    const suffix = `${rsc.replace(/:\d+$/, '')}#${action}_${intervalMs}`;
    try {
      this.attrd ??= await connectAttrd('controller', this.root);
      await this.attrd.request('update', { name: `fail-count-${suffix}`, value: action === 'start' ? 'INFINITY' : 'value++' });
      await this.attrd.request('update', { name: `last-failure-${suffix}`, value: String(Math.floor(Date.now() / 1000)) });
    } catch (e) {
      this.attrd?.close();
      this.attrd = undefined;
      this.log.error({ rsc, action, err: (e as Error).message }, 'cannot count the failure: the attribute daemon does not answer');
    }
  }

  /** This node forgets a resource (its clone instances too): history, recurring operations, fail counts. */
  private async cleanupLocal(rsc: string): Promise<void> {
    const base = rsc.replace(/:\d+$/, '');
    const mine = (id: string) => id === rsc || id.replace(/:\d+$/, '') === base;
    try {
      const { resources } = await this.executor.request('history', {});
      for (const h of resources) if (mine(h.rsc)) await this.executor.request('forget', { rsc: h.rsc });
      await this.writeLrm();
      this.attrd ??= await connectAttrd('controller', this.root);
      const { attributes } = await this.attrd.request('query', { node: this.me });
      for (const a of attributes) if (a.name.startsWith(`fail-count-${base}#`) || a.name.startsWith(`last-failure-${base}#`)) await this.attrd.request('delete', { name: a.name });
      this.log.info({ rsc }, 'cleaned up');
    } catch (e) {
      this.log.error({ rsc, err: (e as Error).message }, 'cleanup failed');
    }
  }

  // ---- running actions (every node) ----

  private async runLocal(req: ControllerMessage<'crmd_exec'>): Promise<ActionOutcome & { callId?: number }> {
    // A resource that stops, migrates or changes role loses its recurring operations first.
    if (['stop', 'demote', 'promote', 'migrate_to'].includes(req.action)) {
      const { ops } = await this.executor.request('recurring', {});
      for (const o of ops) if (o.rsc === req.rsc) await this.executor.request('cancel', { rsc: o.rsc, action: o.action, interval: o.intervalMs });
    }
    const expected = Number(req.meta.op_target_rc ?? 0);
    let r;
    try {
      r = await this.executor.request('exec', { rsc: req.rsc, agent: req.agent, action: req.action, interval: req.intervalMs, timeout: req.timeoutMs, params: req.params, meta: req.meta }, { timeoutMs: req.timeoutMs + 70_000 });
    } catch (e) {
      return { rc: 1, status: 'error', reason: (e as Error).message };
    }
    this.keys.set(r.callId, req.transitionKey);
    const probe = req.action === 'monitor' && req.intervalMs === 0;
    // (A recurring operation's results, its first included, are counted as the executor reports them: onOp.)
    if (!probe && req.intervalMs === 0 && (r.status !== 'done' || r.rc !== expected)) await this.countFailure(req.rsc, req.action, req.intervalMs);
    await this.writeLrm();
    return { rc: r.rc, status: r.status, reason: r.reason, callId: r.callId };
  }

  // ---- messages ----

  private send(to: string, msg: { type: string; fields: Record<string, string> }): void {
    const p = this.hb.request('send', { ...msg, to }).catch((e: Error) => this.log.warn({ to, type: msg.type, err: e.message }, 'cannot send a controller message'));
    this.sending.add(p);
    void p.finally(() => this.sending.delete(p));
  }

  private onMessage(from: string, type: string, fields: Record<string, string>): void {
    if (!isControllerMessage(type)) return;
    try {
      switch (type) {
        case 'crmd_join': {
          const m = decode('crmd_join', fields);
          void this.writeLrm().then(() => this.send(m.dc, encode('crmd_joined', { node: this.me, generation: m.generation })));
          break;
        }
        case 'crmd_announce': {
          const m = decode('crmd_announce', fields);
          if (!this.isDc || m.node === this.me || !this.members.includes(m.node)) break;
          // A controller that (re)started lost what it was asked: those actions failed.
          this.failAwaiting((n) => n === m.node, `the controller of ${m.node} restarted`);
          if (this.joinedNodes.delete(m.node)) void this.writeNodeStates();
          this.send(m.node, encode('crmd_join', { dc: this.me, generation: this.generation }));
          break;
        }
        case 'crmd_joined': {
          const m = decode('crmd_joined', fields);
          if (!this.isDc || m.generation !== this.generation || !this.members.includes(m.node) || this.joinedNodes.has(m.node)) break;
          this.joinedNodes.add(m.node);
          // A late answer (after the join round): that node is online from now on.
          if (this.joinedGeneration === this.generation) void this.writeNodeStates().then(() => this.scheduleSoon(`${m.node} joined`));
          break;
        }
        case 'crmd_exec': {
          const m = decode('crmd_exec', fields);
          this.localActions++;
          void this.runLocal(m).finally(() => this.localActions--).then((o) => this.send(from, encode('crmd_result', { id: m.id, node: this.me, rc: o.rc, status: o.status, ...(o.reason ? { reason: o.reason } : {}), ...(o.callId !== undefined ? { callId: o.callId } : {}) })));
          break;
        }
        case 'crmd_cleanup': {
          const m = decode('crmd_cleanup', fields);
          if (from !== this.me && (!m.node || m.node === this.me)) void this.cleanupLocal(m.rsc);
          break;
        }
        case 'crmd_result': {
          const m = decode('crmd_result', fields);
          const w = this.awaiting.get(m.id);
          if (!w) break;
          this.awaiting.delete(m.id);
          clearTimeout(w.timer);
          w.resolve({ rc: m.rc, status: m.status, ...(m.reason ? { reason: m.reason } : {}) });
          break;
        }
      }
    } catch (e) {
      this.badMessages++;
      this.log.warn({ from, type, err: (e as Error).message }, 'controller message dropped');
    }
  }

  // ---- membership and the DC ----

  private onMembership(members: string[], generation: number, quorum: boolean): void {
    const wasDc = this.isDc;
    const lost = this.members.filter((n) => !members.includes(n));
    this.members = [...members];
    this.membershipChangedAt = Date.now();
    // A fenced node that is back is expected up again; its failed fencings are forgotten.
    for (const n of members) {
      this.fenced.delete(n);
      this.fencingFailures.delete(n);
    }
    this.generation = generation;
    this.quorum = quorum;
    this.dc = electDc(members);
    if (this.isDc !== wasDc) this.log.info({ dc: this.dc, members }, this.isDc ? 'this node is the DC' : 'DC elected');
    // Actions on nodes that left will not be answered.
    this.failAwaiting((n) => !members.includes(n), 'left the cluster');
    if (!this.isDc) {
      if (wasDc) {
        this.current?.abort('this node is no longer the DC');
        this.failAwaiting(() => true, 'this node is no longer the DC');
      }
      this.joinedNodes.clear();
      return;
    }
    if (lost.length) this.current?.abort(`node${lost.length > 1 ? 's' : ''} ${lost.join(', ')} left`);
    for (const n of [...this.joinedNodes]) if (!members.includes(n)) this.joinedNodes.delete(n);
    void this.join(generation, !wasDc);
  }

  private failAwaiting(which: (node: string) => boolean, reason: string): void {
    for (const [id, w] of this.awaiting) {
      if (!which(w.node)) continue;
      this.awaiting.delete(id);
      clearTimeout(w.timer);
      w.resolve({ rc: 1, status: 'error', reason: `${w.node}: ${reason}` });
    }
  }

  /**
   * DC: every member is asked for its history; once they answered (or after a few seconds),
   * node states are written — members whose controller joined are online, the others (their
   * controller not up yet) are not, nodes that left are out of the cluster — and a transition
   * follows. A member that answers later joins then.
   */
  private async join(generation: number, newDc = false): Promise<void> {
    const members = [...this.members];
    // A new DC takes the members the CIB shows joined to the DC before it (their controllers
    // keep their history in the CIB up to date) as joined: the others are asked. So the death of
    // the DC costs no join round with the survivors. (A member whose controller is in fact gone
    // restarts and announces itself, or its actions time out.)
    if (newDc) {
      try {
        const { xml: statusXml } = await this.cib.request('query', { section: 'status' });
        for (const m of statusXml.matchAll(/<node_state [^>]*>/g)) {
          const uname = /uname="([^"]+)"/.exec(m[0])?.[1];
          if (uname && members.includes(uname) && /crmd="online"/.test(m[0]) && /join="member"/.test(m[0])) this.joinedNodes.add(uname);
        }
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'cannot read the node states: asking every member to join');
      }
    }
    // (Members that joined this DC before keep their history in the CIB up to date: only new
    // ones are asked — a node lost costs no round trip.)
    for (const n of members) if (n !== this.me && !this.joinedNodes.has(n)) this.send(n, encode('crmd_join', { dc: this.me, generation }));
    if (!this.joinedNodes.has(this.me)) await this.writeLrm();
    this.joinedNodes.add(this.me);
    const deadline = Date.now() + JOIN_WAIT_MS;
    while (Date.now() < deadline && generation === this.generation && this.isDc) {
      if (members.every((n) => this.joinedNodes.has(n))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (generation !== this.generation || !this.isDc) return;
    this.joinedGeneration = generation;
    await this.writeNodeStates();
    this.scheduleSoon('membership changed');
  }

  /** DC: node_state of every node as membership and joins say; dc-uuid and have-quorum. */
  private async writeNodeStates(): Promise<void> {
    await this.cibWrite('node states', async () => {
      const members = [...this.members];
      // (Both asked at once, and both updates sent at once below: a new DC's node states are on
      // the way to the first transition after a node's loss. The CIB answers in order.)
      const [{ xml: statusXml }, ids] = await Promise.all([this.cib.request('query', { section: 'status' }), liveNodeIds(this.cib)]);
      const known = new Set([...statusXml.matchAll(/<node_state [^>]*uname="([^"]+)"/g)].map((m) => m[1]!));
      // Members the configuration does not list yet join it (as Pacemaker adds its members).
      const unlisted = members.filter((n) => !ids.has(n));
      if (unlisted.length) {
        try {
          await this.cib.request('modify', { section: 'nodes', xml: xml(xmlElement('nodes', {}, unlisted.map((n) => xmlElement('node', { id: n, uname: n })))) });
        } catch (e) {
          this.log.warn({ nodes: unlisted, err: (e as Error).message }, 'cannot add the nodes to the configuration');
        }
      }
      const nodes: XmlElement[] = [];
      for (const n of new Set([...members, ...known])) {
        const id = ids.get(n) ?? n;
        const member = members.includes(n);
        const joined = member && this.joinedNodes.has(n);
        nodes.push(xmlElement('node_state', { id, uname: n, in_ccm: String(member), crmd: joined ? 'online' : 'offline', join: joined ? 'member' : 'down', expected: !member && this.fenced.has(n) ? 'down' : 'member', 'crm-debug-origin': 'hbts-controld' }));
      }
      await Promise.all([
        this.cib.request('modify', { section: 'status', xml: xml(xmlElement('status', {}, nodes)) }),
        this.cib.request('modify', { xml: xml(xmlElement('cib', { 'dc-uuid': ids.get(this.me) ?? this.me, 'have-quorum': this.quorum ? '1' : '0' })) }),
      ]);
    });
  }

  private onCibDiff(paths: string[]): void {
    if (!this.isDc) return;
    const config = paths.some((p) => !p.startsWith('/cib/status') && p !== '/cib');
    if (config) this.current?.abort('the configuration changed');
    if (!this.current) this.scheduleSoon(config ? 'configuration changed' : 'status changed', true);
  }

  /**
   * DC: schedule in a moment. `paced` (CIB changes): not sooner than SCHEDULE_PACE_MS after the
   * last run — a stream of updates gets a run every so often instead of one per update, and a
   * single change after a quiet spell is scheduled at once.
   */
  private scheduleSoon(reason: string, paced = false): void {
    if (this.scheduling) {
      this.again = true;
      // (A membership change or a result does not wait for the pace.)
      if (!paced) this.wakePaced?.();
      return;
    }
    this.scheduling = true;
    // (Not paced — a membership change, a result, a timer —: at once, after what this tick still does.)
    if (!paced) setImmediate(() => void this.scheduleLoop(reason));
    else setTimeout(() => void this.scheduleLoop(reason), Math.max(10, this.lastScheduledAt + SCHEDULE_PACE_MS - Date.now()));
  }

  /** DC: schedule and run transitions until one has nothing to do. */
  private async scheduleLoop(reason: string): Promise<void> {
    let runs = 0;
    try {
      for (;;) {
        this.again = false;
        // (After a membership change, not before the node states say who is there.)
        // (A join round under way: the generation it finished with is not the current one.)
        if (!this.isDc || this.stopped || this.joinedGeneration !== this.generation) return;
        await this.writes;
        const { xml: cibXml } = await this.cib.request('query', {});
        const t = await this.scheduler.request('schedule', { cib: cibXml });
        this.lastScheduledAt = Date.now();
        this.clusterDelayMs = t.clusterDelayMs;
        this.stonithMaxAttempts = t.stonithMaxAttempts;
        if (!graphHasWork(t.actions)) {
          this.planRecheck(t.recheckAt);
          if (!this.again) return;
          // (Changed meanwhile: once more, paced.)
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, Math.max(0, this.lastScheduledAt + SCHEDULE_PACE_MS - Date.now()));
            this.wakePaced = () => {
              clearTimeout(t);
              resolve();
            };
          });
          this.wakePaced = undefined;
          continue;
        }
        if (!this.isDc) return;
        if (++runs > MAX_CONSECUTIVE_TRANSITIONS) {
          this.log.error({ runs }, 'transitions do not converge: stopping until something changes');
          return;
        }
        const id = ++this.transitionId;
        const input = t.input;
        const info: TransitionInfo = { id, reason, actions: t.actions.length, summary: t.summary, state: 'running', startedAt: Date.now(), ...(input ? { input } : {}) };
        this.currentInfo = info;
        this.log.info({ transition: id, reason, summary: info.summary, ...(input ? { input } : {}) }, 'transition started');
        const runner = new TransitionRunner({ actions: runnableActions(t.actions) }, (a) => this.dispatch(a, id), { batchLimit: t.batchLimit });
        this.current = runner;
        const r = await runner.run();
        this.current = undefined;
        info.state = r.complete ? 'complete' : r.aborted ? 'aborted' : 'failed';
        info.endedAt = Date.now();
        if (r.aborted) info.abortReason = r.aborted;
        if (r.failed.length) info.failed = r.failed.map((f) => `${f.action.key}@${f.action.node ?? ''}: ${f.outcome.reason ?? `rc=${f.outcome.rc} ${f.outcome.status}`}`);
        this.currentInfo = undefined;
        this.lastTransition = info;
        this.log.info({ transition: id, state: info.state, ms: info.endedAt - info.startedAt, fired: r.fired, ...(r.aborted ? { aborted: r.aborted } : {}) }, 'transition ended');
        if (this.fencingGaveUp) {
          this.log.error({ target: this.fencingGaveUp, attempts: this.stonithMaxAttempts }, 'fencing failed stonith-max-attempts times: not tried again until something changes (stonith_admin --confirm, the node back, a new configuration)');
          this.fencingGaveUp = undefined;
          return;
        }
        reason = 'transition ended';
      }
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'scheduling failed');
    } finally {
      this.scheduling = false;
      if (this.again && this.isDc && !this.stopped) this.scheduleSoon('changed while scheduling');
    }
  }

  /**
   * DC: fences a node through this node's fencer (after the graph's priority-fencing-delay); once it succeeded, the node is recorded as down
   * as Pacemaker's controller records it (out of the membership, expected down, its resource
   * history and transient attributes gone): what ran there is stopped, and may start elsewhere.
   */
  private async fenceNode(target: string, stonithAction: string, delayMs = 0): Promise<ActionOutcome> {
    if (!target) return { rc: 1, status: 'error', reason: 'a fencing action without a target' };
    const action = stonithAction === 'off' || stonithAction === 'on' ? stonithAction : 'reboot';
    const failures = this.fencingFailures.get(target) ?? 0;
    if (action !== 'on' && failures >= this.stonithMaxAttempts) {
      this.fencingGaveUp = target;
      return { rc: 1, status: 'error', reason: `fencing ${target} failed ${failures} times (stonith-max-attempts): not tried again until something changes` };
    }
    let e;
    try {
      e = await this.fencer.request('fence', { target, action, origin: `controller@${this.me}`, ...(delayMs > 0 ? { delayMs } : {}) });
    } catch (err) {
      return { rc: 1, status: 'error', reason: `fencing ${target}: ${(err as Error).message}` };
    }
    if (e.status !== 'success') {
      if (action !== 'on') this.fencingFailures.set(target, failures + 1);
      return { rc: 1, status: 'error', reason: `fencing ${target} failed: ${e.reason ?? ''}` };
    }
    if (action === 'on') {
      // Unfenced: the scheduler asks no more (#node-unfenced, a transient attribute, gone when the node is fenced or reboots).
      try {
        this.attrd ??= await connectAttrd('controller', this.root);
        await this.attrd.request('update', { name: '#node-unfenced', value: String(Math.floor(Date.now() / 1000)), node: target });
        // (Done when the CIB says so: the next transition must not unfence it again.)
        const xpath = `/cib/status/node_state[@uname='${target}']/transient_attributes/instance_attributes/nvpair[@name='#node-unfenced']`;
        for (let i = 0; i < 100; i++) {
          if (((await this.cib.request('query', { xpath }).catch(() => ({ matches: 0 }))).matches ?? 0) > 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      } catch (err) {
        this.attrd?.close();
        this.attrd = undefined;
        return { rc: 1, status: 'error', reason: `${target} unfenced, but the attribute daemon does not record it: ${(err as Error).message}` };
      }
      return { rc: 0, status: 'done' };
    }
    await this.recordFenced(target);
    return { rc: 0, status: 'done' };
  }

  /** DC: a fenced node is recorded as down (see fenceNode). */
  private async recordFenced(target: string): Promise<void> {
    this.fencingFailures.delete(target);
    if (!this.members.includes(target)) this.fenced.add(target);
    await this.cibWrite('fenced node', async () => {
      const id = await this.nodeId(target);
      await this.cib.request('delete', { xpath: `/cib/status/node_state[@uname='${target}']/lrm`, all: true }).catch(() => undefined);
      await this.cib.request('delete', { xpath: `/cib/status/node_state[@uname='${target}']/transient_attributes`, all: true }).catch(() => undefined);
      const member = this.members.includes(target);
      await this.cib.request('modify', { section: 'status', xml: xml(xmlElement('status', {}, [xmlElement('node_state', { id, uname: target, in_ccm: String(member), crmd: 'offline', join: 'down', expected: 'down', 'crm-debug-origin': 'hbts-controld-fenced' })])) });
    });
  }

  /** DC: one action of a transition, on its node. */
  private dispatch(a: RunnableAction, transition: number): Promise<ActionOutcome> {
    if (a.type === 'crm_event') {
      if (a.operation === 'stonith') return this.fenceNode(a.node ?? '', a.meta.stonith_action ?? 'reboot', Number(a.meta.priority_fencing_delay ?? 0) * 1000);
      return Promise.resolve({ rc: 0, status: 'done' });
    }
    const node = a.node;
    if (!node || !a.rsc?.agent) return Promise.resolve({ rc: 1, status: 'error', reason: 'an action without a node or an agent' });
    if (!this.joinedNodes.has(node)) return Promise.resolve({ rc: 1, status: 'error', reason: `node ${node} has not joined` });
    const timeoutMs = parseCrmDurationMs(a.meta.timeout ?? '') ?? 20_000;
    const expected = a.meta.op_target_rc ?? '0';
    const req: ControllerMessage<'crmd_exec'> = {
      id: randomUUID(),
      transitionKey: `${a.id}:${transition}:${expected}:${this.uuid}`,
      rsc: a.rsc.name,
      agent: a.rsc.agent,
      action: a.operation,
      intervalMs: a.intervalMs,
      timeoutMs,
      params: a.params,
      meta: a.meta,
    };
    if (node === this.me) return this.runLocal(req);
    return new Promise((resolve) => {
      const clusterDelay = this.clusterDelayMs;
      const timer = setTimeout(() => {
        this.awaiting.delete(req.id);
        resolve({ rc: 1, status: 'timeout', reason: `no result from ${node} within ${timeoutMs + clusterDelay} ms` });
      }, timeoutMs + clusterDelay);
      this.awaiting.set(req.id, { node, resolve, timer });
      this.send(node, encode('crmd_exec', req));
    });
  }
}

