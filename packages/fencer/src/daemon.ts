/**
 * The fencer daemon: serves <runDir>/fencer.sock (protocol `fencer` v1). A fence request reads
 * the devices and the topology from the CIB as it is now, then:
 * - with topology levels for the target, tries them in index order — a level succeeds when each
 *   of its devices does — until one succeeds;
 * - without, tries every device that can fence the target (pcmk_host_check: its static list, the
 *   agent's `list`, the agent's `status`, or any node) in configuration order until one succeeds;
 * each agent run waiting pcmk_delay_base first and bounded by the action's timeout
 * (pcmk_<action>_timeout, else stonith-timeout). Requests for a target already being fenced
 * share its result. Every result goes into the history (the last 500) and is sent to the other
 * nodes' fencers over heartbeat (`stonith_event`), which keep it in theirs: the history is the
 * cluster's. (Without heartbeat — a fencer run alone — it stays this node's.)
 */
import { type Daemon, type DaemonContext, DEFAULT_FENCE_AGENT_DIRS, connectWhenUp, fenceAgentMetadata, findFenceAgent, HaError, installedFenceAgents, IpcServer, runFenceAgent, socketPath } from '@heartbeat-ts/cluster-glue';
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { connectHeartbeat, type HeartbeatClient } from '@heartbeat-ts/heartbeat';
import { actionTimeoutMs, agentAction, agentOptions, canFenceStatically, type FenceDevice, fenceDevices, parseAgentList, topologyFor } from './devices.js';
import { type FenceEvent, FencerCodec, FencerProtocol } from './protocol.js';

const HISTORY_MAX = 500;

export interface FencerOptions {
  /** Where fence agents are looked for (default /usr/sbin). */
  agentDirs?: string[];
}

export class FencerDaemon implements Daemon {
  readonly name = 'fencer';
  private ipc: IpcServer<typeof FencerProtocol> | undefined;
  private cib: Awaited<ReturnType<typeof connectCib>> | undefined;
  private readonly history: FenceEvent[] = [];
  private readonly inFlight = new Map<string, Promise<FenceEvent>>();
  private node = '';
  private hb: HeartbeatClient | undefined;
  private log: DaemonContext['logger'] | undefined;

  constructor(private readonly opts: FencerOptions = {}) {}

  private async shareOverHeartbeat(ctx: DaemonContext): Promise<void> {
    try {
      this.hb = await connectHeartbeat(ctx.paths, { name: 'fencer', reconnect: true, timeoutMs: 15_000 });
    } catch (e) {
      ctx.logger.warn({ err: (e as Error).message }, 'no messaging layer: the fencing history stays this node\'s');
      return;
    }
    await this.hb.subscribe('message', (m) => {
      if (m.from === this.node || m.type !== 'stonith_event') return;
      try {
        this.record(FencerCodec.decode('stonith_event', m.fields), false);
      } catch (e) {
        ctx.logger.warn({ from: m.from, err: (e as Error).message }, 'a stonith_event that does not parse: dropped');
      }
    });
  }

  private get dirs(): string[] {
    return this.opts.agentDirs ?? DEFAULT_FENCE_AGENT_DIRS;
  }

  async start(ctx: DaemonContext): Promise<void> {
    const log = ctx.logger;
    this.node = ctx.node;
    this.log = log;
    this.cib = await connectWhenUp('the fencer', 'the CIB daemon', () => connectCib('fencer', ctx.paths.root));
    const ipc = new IpcServer(FencerProtocol, { path: socketPath(ctx.paths, 'fencer'), serverName: `fencer@${ctx.node}`, logger: log });
    this.ipc = ipc;
    ipc.handle('fence', ({ target, action, origin }) => {
      const key = `${target}:${action}`;
      let p = this.inFlight.get(key);
      if (!p) {
        p = this.fence(target, action, origin ?? 'unknown', log).finally(() => this.inFlight.delete(key));
        this.inFlight.set(key, p);
      }
      return p;
    });
    ipc.handle('devices', async () => {
      const cib = await this.liveCib();
      return { devices: fenceDevices(cib).map((d) => ({ id: d.id, agent: d.agent, hostCheck: d.hostCheck, hosts: [...new Set([...d.hostList, ...d.hostMap.keys()])] })) };
    });
    ipc.handle('history', ({ target }) => ({ events: this.history.filter((e) => !target || e.target === target) }));
    ipc.handle('confirm', ({ target, origin }) => {
      const e: FenceEvent = { target, action: 'off', status: 'success', origin: origin ?? 'stonith_admin', delegate: this.node, completed: Date.now(), ms: 0, reason: 'confirmed by an operator' };
      log.warn({ target }, 'fencing confirmed by an operator: the node is taken as down');
      this.record(e);
      return e;
    });
    ipc.handle('installed', () => ({ agents: installedFenceAgents(this.dirs) }));
    ipc.handle('metadata', async ({ agent }) => {
      const path = findFenceAgent(agent, this.dirs);
      if (!path) throw new HaError('ENOENT', `no fence agent ${agent} in ${this.dirs.join(', ')}`);
      const md = await runFenceAgent(path, 'metadata', {}, { timeoutMs: 10_000 });
      const start = md.output.indexOf('<');
      if (md.rc !== 0 || start < 0) throw new HaError('EIO', `${agent} gave no meta-data: ${md.output.trim().slice(0, 200)}`);
      return { xml: md.output.slice(start) };
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

  private async liveCib(): Promise<Cib> {
    const { xml } = await this.cib!.request('query', {});
    return Cib.parse(xml, 'the live CIB');
  }

  /** Keeps an event (once), and tells the other fencers of those that happened here. */
  private record(e: FenceEvent, share = true): void {
    if (this.history.some((x) => x.target === e.target && x.completed === e.completed && x.delegate === e.delegate && x.action === e.action)) return;
    if (share && this.hb) this.hb.request('send', FencerCodec.encode('stonith_event', e)).catch((err: Error) => this.log?.warn({ err: err.message }, 'cannot share a fencing event'));
    this.history.push(e);
    this.history.sort((a, b) => a.completed - b.completed);
    this.ipc?.publish('fenced', e);
    if (this.history.length > HISTORY_MAX) this.history.splice(0, this.history.length - HISTORY_MAX);
  }

  /** Runs one device's agent for the target; the outcome in one line. */
  private async runDevice(cib: Cib, d: FenceDevice, target: string, action: string): Promise<{ ok: boolean; line: string }> {
    const path = findFenceAgent(d.agent, this.dirs);
    if (!path) return { ok: false, line: `${d.id}: no fence agent ${d.agent} in ${this.dirs.join(', ')}` };
    if (d.delayBaseMs > 0) await new Promise((r) => setTimeout(r, d.delayBaseMs));
    const r = await runFenceAgent(path, agentAction(d, action), agentOptions(d, target), { timeoutMs: actionTimeoutMs(cib, d, action) });
    const out = r.output.trim().split('\n').slice(-2).join(' / ');
    return { ok: r.status === 'done' && r.rc === 0, line: `${d.id}: ${r.status === 'timeout' ? `timed out after ${r.ms} ms` : `rc=${r.rc}`}${out ? ` (${out})` : ''}` };
  }

  /** Whether the device can fence the target, asking its agent when the configuration says to. */
  private async canFence(cib: Cib, d: FenceDevice, target: string): Promise<boolean> {
    const known = canFenceStatically(d, target);
    if (known !== undefined) return known;
    const path = findFenceAgent(d.agent, this.dirs);
    if (!path) return false;
    if (d.hostCheck === 'status') {
      const r = await runFenceAgent(path, agentAction(d, 'status'), agentOptions(d, target), { timeoutMs: actionTimeoutMs(cib, d, 'status') });
      return r.status === 'done' && (r.rc === 0 || r.rc === 2);
    }
    const r = await runFenceAgent(path, agentAction(d, 'list'), d.options, { timeoutMs: actionTimeoutMs(cib, d, 'list') });
    return r.status === 'done' && r.rc === 0 && parseAgentList(r.output).includes(d.hostMap.get(target) ?? target);
  }

  private async fence(target: string, action: string, origin: string, log: DaemonContext['logger']): Promise<FenceEvent> {
    const t0 = Date.now();
    const lines: string[] = [];
    let device: string | undefined;
    try {
      const cib = await this.liveCib();
      const devices = fenceDevices(cib);
      const byId = new Map(devices.map((d) => [d.id, d]));
      const levels = topologyFor(cib, target);
      log.info({ target, action, origin, levels: levels.length || undefined }, 'fencing requested');
      if (levels.length) {
        for (const [i, level] of levels.entries()) {
          let all = true;
          for (const id of level) {
            const d = byId.get(id);
            const r = d ? await this.runDevice(cib, d, target, action) : { ok: false, line: `${id}: no such device` };
            lines.push(`level ${i + 1} ${r.line}`);
            if (!r.ok) {
              all = false;
              break;
            }
          }
          if (all) {
            device = level.join(',');
            break;
          }
        }
      } else {
        for (const d of devices) {
          if (!(await this.canFence(cib, d, target))) continue;
          const r = await this.runDevice(cib, d, target, action);
          lines.push(r.line);
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
    const e: FenceEvent = { target, action, status: device ? 'success' : 'failed', ...(device ? { device } : {}), origin, delegate: this.node, completed: Date.now(), ms: Date.now() - t0, ...(device ? {} : { reason: lines.join('; ') }) };
    if (device) log.warn({ target, action, device, ms: e.ms }, 'node fenced');
    else log.error({ target, action, results: lines }, 'fencing failed');
    this.record(e);
    return e;
  }
}
