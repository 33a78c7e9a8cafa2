/**
 * The heartbeat daemon: wiring of configuration, UDP media, the messaging engine, the client
 * API socket and supervised child processes (`respawn`, `crm respawn`). Decisions live in
 * core/; this file only connects them and logs what an operator needs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  type Daemon,
  type DaemonContext,
  HaError,
  IpcServer,
  type Logger,
  socketPath,
  Supervisor,
} from '@heartbeat-ts/cluster-glue';
import { readAuthkeys, type AuthKeys } from './config/authkeys.js';
import { parseHaresources, type ResourceGroup } from './config/haresources.js';
import { defaultScriptDirs, runResource, type ScriptEnv } from './haresources/scripts.js';
import { V1ResourceManager } from './haresources/v1-manager.js';
import { type HaCf, parseHaCf } from './config/ha-cf.js';
import { Engine, type EngineEvent } from './core/engine.js';
import { MEMBERSHIP_GEN_MESSAGE, MEMBERSHIP_MESSAGE, MembershipTracker } from './core/membership.js';
import { UdpMedia } from './media.js';
import { loadOrCreateUuid, nextGeneration } from './node-state.js';
import { HeartbeatProtocol, type NodeInfoMsg } from './protocol.js';
import { ReplayWindow } from './wire/aead.js';
import { decodePacket, encodePacket } from './wire/codec.js';
import { FieldType, HaMessage } from './wire/ha-message.js';

export const RESERVED_FIELDS = new Set(['t', 'src', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl', 'auth', 'dest', 'destuuid']);
/** Longest sleep between engine ticks; the engine says when it needs to wake sooner. */
const MAX_SLEEP_MS = 1000;
const BAD_PACKET_LOG_INTERVAL_MS = 10_000;
const MAX_BAD_PEERS = 256;

export interface HeartbeatOptions {
  /** Bind every medium to this address instead of its interface's (several nodes on one host). */
  bindAddress?: string;
  /** Program started for `crm on|respawn` (our CRM, or any client of this API). */
  crmCommand?: string;
}

export function readConfig(confDir: string, node: string): { cfg: HaCf; auth: AuthKeys } {
  const file = join(confDir, 'ha.cf');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read configuration: ${(e as Error).message}`, file);
  }
  const cfg = parseHaCf(text, file, node);
  return { cfg, auth: readAuthkeys(join(confDir, 'authkeys')) };
}

export class HeartbeatDaemon implements Daemon {
  readonly name = 'heartbeat';
  private media: UdpMedia | undefined;
  private ipc: IpcServer<typeof HeartbeatProtocol> | undefined;
  private supervisor: Supervisor | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private updateMembership: (() => void) | undefined;
  engine: Engine | undefined;
  resources: V1ResourceManager | undefined;

  constructor(private readonly opts: HeartbeatOptions = {}) {}

  async start(ctx: DaemonContext): Promise<void> {
    const log = ctx.logger;
    const { cfg, auth } = readConfig(ctx.paths.confDir, ctx.node);
    const uuid = loadOrCreateUuid(ctx.paths.stateDir);
    const generation = nextGeneration(ctx.paths.stateDir);
    const startedAt = Date.now();
    const media = new UdpMedia(cfg, log, this.opts.bindAddress ?? process.env.HA_BIND_ADDRESS);
    this.media = media;
    const badPackets = new Map<string, { count: number; lastLog: number; reason: string }>();
    const ipc = new IpcServer(HeartbeatProtocol, { path: socketPath(ctx.paths, 'heartbeat'), serverName: `heartbeat@${ctx.node}`, logger: log });
    this.ipc = ipc;
    // The message types each client asked for (by client id; absent: all of them).
    const messageTypes = new Map<number, string[]>();
    ipc.on('disconnect', (c: { id: number }) => messageTypes.delete(c.id));
    const wants = (type: string) => (c: { id: number }) => messageTypes.get(c.id)?.some((p) => type.startsWith(p)) ?? true;
    const membership = new MembershipTracker(ctx.node, cfg.nodes.length, 2 * cfg.keepaliveMs + 100);
    const deliverMembership = (view: { generation: number; members: string[]; quorum: boolean } | undefined) => {
      if (!view) return;
      log.info({ generation: view.generation, members: view.members, quorum: view.quorum }, 'membership changed');
      ipc.publish('membership', view);
    };
    // A view that loses members waits while a remaining peer is silent too (not heard for two
    // keepalives): peers are declared dead one by one, and a node cut off from all the others
    // would otherwise have a moment with some of them and quorum — a DC there could fence a
    // node of the majority. It waits at most until that peer is declared dead or heard again.
    let recheck: NodeJS.Timeout | undefined;
    const updateMembership = () => {
      const now = Date.now();
      const live = this.engine!.liveNodes();
      if (membership.current.members.some((m) => !live.includes(m)) && this.engine!.quietPeers(now, 2 * cfg.keepaliveMs).length) {
        if (!recheck) {
          recheck = setTimeout(() => {
            recheck = undefined;
            if (this.updateMembership) updateMembership();
          }, cfg.keepaliveMs);
          recheck.unref();
        }
        return;
      }
      const r = membership.localView(live, now);
      if (r.announce) {
        const m = new HaMessage().set('t', MEMBERSHIP_MESSAGE).set('gen', String(r.announce.gen)).set('members', r.announce.members.join(' '));
        this.engine!.sendClusterMessage(m, Date.now());
      }
      deliverMembership(r.deliver);
    };
    this.updateMembership = updateMembership;
    let packetCounter = 0n;
    const encodeOpts = { key: auth.active, format: cfg.msgfmt, compressAbove: cfg.compressionThresholdKb * 1024, counter: () => ++packetCounter } as const;
    const replays = new ReplayWindow();

    const onEvent = (ev: EngineEvent) => {
      switch (ev.type) {
        case 'node-status':
          (ev.status === 'dead' ? log.warn : log.info).call(log, { peer: ev.node, status: ev.status, previous: ev.previous }, ev.status === 'dead' ? 'node is dead' : 'node status changed');
          ipc.publish('node-status', { node: ev.node, status: ev.status, previous: ev.previous });
          if (ev.status === 'dead') void this.resources?.nodeDead(ev.node);
          else if (ev.status === 'up' || ev.status === 'active') this.resources?.nodeUp(ev.node, ev.status);
          break;
        case 'link-status':
          (ev.status === 'dead' ? log.warn : log.info).call(log, { peer: ev.node, link: ev.link, status: ev.status }, `link ${ev.status}`);
          ipc.publish('link-status', { node: ev.node, link: ev.link, status: ev.status });
          break;
        case 'late-heartbeat':
          log.warn({ peer: ev.node, gapMs: ev.gapMs }, 'late heartbeat');
          return;
        case 'restart':
          log.info({ peer: ev.node, generation: ev.generation }, 'node restarted');
          return;
        case 'comm-up':
          log.info({ nodes: cfg.nodes }, 'communications up');
          void this.resources?.commUp(
            this.engine!.liveNodes(),
            [...this.engine!.nodes.values()].filter((n) => n.status === 'active' || n === this.engine!.me).map((n) => n.name),
          );
          return;
        case 'dropped':
          countBad(ev.node ?? '?', ev.reason);
          return;
        case 'message': {
          if (ev.msg.get('t') === MEMBERSHIP_MESSAGE) {
            const gen = Number(ev.msg.get('gen'));
            const members = (ev.msg.get('members') ?? '').split(' ').filter(Boolean);
            if (!Number.isInteger(gen) || gen <= 0 || !members.length) return;
            const stale = membership.staleAnswer(gen, members);
            if (stale !== undefined) {
              // The leader restarted and counts from zero, or another leader used its number: tell it where we are.
              this.engine!.sendClusterMessage(new HaMessage().set('t', MEMBERSHIP_GEN_MESSAGE).set('gen', String(stale)).set('members', membership.current.members.join(' ')), Date.now(), ev.from);
              return;
            }
            deliverMembership(membership.announcement(gen, members));
            return;
          }
          if (ev.msg.get('t') === MEMBERSHIP_GEN_MESSAGE) {
            const theirs = ev.msg.get('members');
            const again = membership.learnGeneration(Number(ev.msg.get('gen')), theirs === undefined ? undefined : theirs.split(' ').filter(Boolean));
            if (again) {
              this.engine!.sendClusterMessage(new HaMessage().set('t', MEMBERSHIP_MESSAGE).set('gen', String(again.gen)).set('members', again.members.join(' ')), Date.now());
              deliverMembership(membership.current);
            }
            return;
          }
          const fields: Record<string, string> = {};
          for (const f of ev.msg.fields) if (f.type === FieldType.String) fields[f.name] = f.value;
          const type = ev.msg.get('t') ?? '';
          ipc.publish('message', { from: ev.from, type, fields }, wants(type));
          void this.resources?.message(ev.from, type, fields);
          return;
        }
      }
      updateMembership();
    };

    const countBad = (source: string, reason: string) => {
      const now = Date.now();
      // Spoofed sources must not grow the table without bound.
      const peer = badPackets.has(source) || badPackets.size < MAX_BAD_PEERS ? source : 'other sources';
      const b = badPackets.get(peer) ?? { count: 0, lastLog: 0, reason };
      b.count++;
      b.reason = reason;
      badPackets.set(peer, b);
      if (now - b.lastLog >= BAD_PACKET_LOG_INTERVAL_MS) {
        b.lastLog = now;
        log.warn({ peer, reason, dropped: b.count }, 'dropped bad packet(s)');
      }
    };

    if (cfg.crm === 'off') this.resources = this.resourceManager(cfg, ctx, log, (type, fields, to) => {
      const m = new HaMessage().set('t', type);
      for (const [k, v] of Object.entries(fields)) if (k !== 'dest') m.set(k, v);
      this.engine!.sendClusterMessage(m, Date.now(), to);
    });

    const loadavg = { at: 0, text: '' };
    const engine = new Engine(
      cfg,
      ctx.node,
      uuid,
      generation,
      media.linkNames,
      {
        encode: (m) => encodePacket(m, encodeOpts),
        transmit: (p) => media.send(p),
        emit: onEvent,
        // (Read at most once a second: the kernel updates it every 5 s, and a busy node sends
        // hundreds of messages a second, each carrying it.)
        loadavg: () => {
          const now = Date.now();
          if (now - loadavg.at >= 1000) {
            loadavg.at = now;
            try {
              loadavg.text = readFileSync('/proc/loadavg', 'utf8').trim();
            } catch {
              loadavg.text = '0.00 0.00 0.00 1/1 1';
            }
          }
          return loadavg.text;
        },
        random: Math.random,
      },
      Date.now(),
    );
    this.engine = engine;

    await media.start((packet, link, rinfo) => {
      let decoded;
      try {
        decoded = decodePacket(packet, auth.keys);
      } catch (e) {
        countBad(`${rinfo.address}:${rinfo.port}`, (e as Error).message);
        return;
      }
      if (decoded.counter !== undefined && !replays.accept(decoded.msg.get('src') ?? '?', decoded.msg.getHex('hg') ?? 0, decoded.counter)) {
        countBad(`${rinfo.address}:${rinfo.port}`, 'replayed encrypted packet');
        return;
      }
      try {
        engine.receive(decoded.msg, link, Date.now());
        // A packet can bring work forward (a retransmission request, a late ack).
        if (this.timer) {
          clearTimeout(this.timer);
          this.timer = setTimeout(() => this.wake?.(), 0);
        }
      } catch (e) {
        countBad(`${rinfo.address}:${rinfo.port}`, `engine: ${(e as Error).message}`);
      }
    });

    const nodeInfo = (name: string): NodeInfoMsg => {
      const n = engine.nodes.get(name.toLowerCase());
      if (!n) throw new HaError('ENOSUCH', `no node named ${name} in ha.cf (nodes: ${[...engine.nodes.keys()].join(', ')})`, { node: name });
      return {
        name: n.name,
        type: n.type,
        status: n.status,
        uuid: n.uuid ? n.uuid.toString('hex') : null,
        deadtimeMs: n.deadtimeMs,
        links: [...n.links.values()].map((l) => ({ name: l.name, status: n === engine.me ? 'up' : l.status })),
      };
    };
    ipc.handle('nodes', () => ({ me: ctx.node, commUp: engine.isCommUp, nodes: [...engine.nodes.keys()].map(nodeInfo) }));
    ipc.handle('node', ({ name }) => nodeInfo(name));
    ipc.handle('membership', () => membership.current);
    ipc.handle('parameters', () => ({ values: parameterValues(cfg) }));
    ipc.handle('send', ({ type, to, fields }) => {
      if (type === MEMBERSHIP_MESSAGE || type === MEMBERSHIP_GEN_MESSAGE) throw new HaError('EINVAL', `message type "${type}" is reserved for heartbeat's protocol`);
      for (const k of Object.keys(fields)) {
        if (RESERVED_FIELDS.has(k)) throw new HaError('EINVAL', `field "${k}" is set by heartbeat itself; choose another name`, { field: k });
      }
      if (type.startsWith('NS_') || ['status', 'reqnodes', 'repnodes'].includes(type)) throw new HaError('EINVAL', `message type "${type}" is reserved for heartbeat's protocol`);
      if (to !== undefined && !engine.nodes.has(to.toLowerCase())) throw new HaError('ENOSUCH', `no node named ${to}`, { node: to });
      const msg = new HaMessage().set('t', type);
      for (const [k, v] of Object.entries(fields)) msg.set(k, v);
      engine.sendClusterMessage(msg, Date.now(), to?.toLowerCase());
      if (to === undefined || to.toLowerCase() === ctx.node) ipc.publish('message', { from: ctx.node, type, fields: { t: type, ...fields, src: ctx.node } }, wants(type));
      return {};
    });
    ipc.handle('message-types', ({ prefixes }, { client }) => {
      if (prefixes.length) messageTypes.set(client.id, prefixes);
      else messageTypes.delete(client.id);
      return {};
    });
    ipc.handle('status', () => ({
      node: ctx.node,
      pid: process.pid,
      generation,
      uptimeMs: Date.now() - startedAt,
      counters: { ...engine.counters },
      badPackets: Object.fromEntries([...badPackets].map(([k, v]) => [k, v.count])),
      clients: ipc.clients.map((c) => `${c.name}[${c.pid}]`),
      resources: this.resources?.rscStatus ?? 'none',
      groups: [...(this.resources?.held ?? [])],
    }));
    const manager = (): V1ResourceManager => {
      if (!this.resources) throw new HaError('EOPNOTSUPP', `hb_standby and hb_takeover need haresources mode (crm off); this node runs "crm ${cfg.crm}"`);
      return this.resources;
    };
    ipc.handle('standby', async ({ which }) => {
      await manager().standby(which);
      return {};
    });
    ipc.handle('takeover', ({ which }) => {
      manager().takeover(which);
      return {};
    });
    await ipc.listen();

    const loop = () => {
      const now = Date.now();
      engine.tick(now);
      this.updateMembership?.();
      const next = Math.min(engine.nextWakeup(now), membership.adoptDeadline() ?? Infinity);
      const wait = Math.min(MAX_SLEEP_MS, next - Date.now());
      this.timer = setTimeout(loop, Math.max(1, wait));
    };
    this.wake = loop;
    loop();
    log.info({ generation, nodes: cfg.nodes, links: media.linkNames, keepaliveMs: cfg.keepaliveMs, deadtimeMs: cfg.deadtimeMs }, 'heartbeat started');
    await this.startClients(cfg, ctx, log);
  }

  private resourceManager(cfg: HaCf, ctx: DaemonContext, log: Logger, send: (type: string, fields: Record<string, string>, to?: string) => void): V1ResourceManager | undefined {
    const file = join(ctx.paths.confDir, 'haresources');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      log.info({ file }, 'no haresources file: no resources to manage');
      return undefined;
    }
    const groups = parseHaresources(text, file, cfg.nodes);
    const env: ScriptEnv = {
      dirs: defaultScriptDirs(ctx.paths.confDir),
      timeoutMs: 120_000,
      env: { HA_CURHOST: ctx.node, HA_DIR: ctx.paths.confDir, HA_LOGFACILITY: 'none', PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    };
    const run = async (g: ResourceGroup, action: 'start' | 'stop', i: number) => {
      const r = g.resources[i]!;
      const res = await runResource(r, action, env);
      const level = res.rc === 0 ? 'info' : 'error';
      log[level]({ rsc: r.spec, op: action, rc: res.rc, timedOut: res.timedOut, output: res.output.trim().slice(-500) || undefined }, `resource ${action}`);
      return res;
    };
    return new V1ResourceManager(groups, ctx.node, cfg.nodes, cfg.autoFailback, {
      // Unlike heartbeat's ResourceManager we do not run `status` before `start`: LSB and
      // OCF make start of a running resource a success, and the extra script run costs a
      // few hundred milliseconds on the failover path.
      start: async (g) => {
        for (let i = 0; i < g.resources.length; i++) {
          if ((await run(g, 'start', i)).rc !== 0) {
            for (let j = i; j >= 0; j--) await run(g, 'stop', j);
            return false;
          }
        }
        return true;
      },
      stop: async (g) => {
        let ok = true;
        for (let i = g.resources.length - 1; i >= 0; i--) {
          let rc = (await run(g, 'stop', i)).rc;
          if (rc !== 0) rc = (await run(g, 'stop', i)).rc;
          if (rc !== 0) ok = false;
        }
        return ok;
      },
      send,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
  }

  private async startClients(cfg: HaCf, ctx: DaemonContext, log: Logger): Promise<void> {
    const children = cfg.respawn.map((r, i) => ({ name: `respawn-${i + 1}`, command: r.command, user: r.user }));
    if (cfg.crm === 'on' || cfg.crm === 'respawn') {
      const cmd = this.opts.crmCommand ?? process.env.HA_CRM_COMMAND;
      if (!cmd) {
        throw new ConfigError(`"crm ${cfg.crm}" needs a cluster resource manager: install @heartbeat-ts/controller, or give its command with --crm-command / HA_CRM_COMMAND`, cfg.file);
      }
      children.unshift({ name: 'crm', command: cmd, user: 'root' });
    }
    if (children.length === 0) return;
    const sup = new Supervisor({ logger: log });
    for (const c of children) {
      const [command, ...args] = c.command.split(/\s+/);
      // (The CRM moves its resources away before it stops: up to its shutdown-escalation.)
      sup.add({ name: c.name, command: command!, args, env: { HA_ROOT: ctx.paths.root, HA_NODE: ctx.node }, policy: { maxRestarts: 10, windowMs: 60_000 }, ...(c.name === 'crm' ? { stopTimeoutMs: 25 * 60_000 } : {}) });
    }
    this.supervisor = sup;
    sup.forwardSignals(['SIGHUP', 'SIGUSR1', 'SIGUSR2']);
    await sup.start();
  }

  async stop(): Promise<void> {
    await this.supervisor?.stop();
    await this.resources?.shutdown();
    if (this.timer) clearTimeout(this.timer);
    this.wake = undefined;
    this.updateMembership = undefined;
    this.engine?.leave(Date.now());
    this.media?.close();
    await this.ipc?.close();
  }
}

/** ha.cf values by heartbeat's parameter names, as `cl_status hbparameter -p NAME` prints them. */
export function parameterValues(cfg: HaCf): Record<string, string> {
  const v: Record<string, string> = {
    keepalive: `${cfg.keepaliveMs}ms`,
    deadtime: `${cfg.deadtimeMs}ms`,
    warntime: `${cfg.warntimeMs}ms`,
    initdead: `${cfg.initdeadMs}ms`,
    udpport: String(cfg.udpport),
    auto_failback: cfg.autoFailback,
    crm: cfg.crm,
    autojoin: cfg.autojoin,
    msgfmt: cfg.msgfmt,
    hopfudge: String(cfg.hopfudge),
    max_rexmit_delay: String(cfg.maxRexmitDelayMs),
    compression: cfg.compression,
    compression_threshold: String(cfg.compressionThresholdKb),
    traditional_compression: cfg.traditionalCompression ? 'yes' : 'no',
    cluster: cfg.cluster,
  };
  for (const [k, vals] of Object.entries(cfg.raw)) if (!(k in v) && vals.length) v[k] = vals.join(' ');
  return v;
}
