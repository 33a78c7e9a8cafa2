/**
 * The attribute daemon (pacemaker-attrd's role), one per node. Every node keeps the same table of
 * node attributes (table.ts): an update made on any node is applied there and sent to the others
 * (`attrd_update`); a node that starts asks the writer for the table (`attrd_sync_req`), and the
 * writer sends it to all at every membership change (`attrd_sync`).
 *
 * One writer per partition — its member with the lowest name, as the DC — writes the table into
 * the CIB: transient (`reboot`) values as `transient_attributes` of the node's `node_state`,
 * permanent (`forever`) ones as `instance_attributes` of the node in the configuration, each
 * attribute `dampen` after its last change (updates in between are written once); a value
 * removed is deleted from the CIB. A node that leaves loses its transient values (the writer
 * deletes its `transient_attributes`), as in Pacemaker.
 */
import { connectLiveCib, liveNodeIds } from '@heartbeat-ts/cib';
import { connectWhenUp, type Daemon, type DaemonContext, IpcServer, type Logger, serializeXml, socketPath, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue';
import { connectHeartbeat, type HeartbeatClient, subscribeMessages } from '@heartbeat-ts/heartbeat';
import { AttrdProtocol, decodeAttrd, encodeAttrd, isAttrdMessage } from './protocol.js';
import { AttributeTable, expandValue, type Lifetime } from './table.js';

type CibClient = Awaited<ReturnType<typeof connectLiveCib>>;



export class AttrdDaemon implements Daemon {
  readonly name = 'attrd';
  private log!: Logger;
  private me = '';
  private hb!: HeartbeatClient;
  private cib!: CibClient;
  private ipc: IpcServer<typeof AttrdProtocol> | undefined;
  private readonly table = new AttributeTable();
  private members: string[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Writer: per attribute, the nodes whose value is in the CIB (to delete those removed). */
  private readonly written = new Map<string, Set<string>>();
  /** Per attribute, the nodes whose value was removed since it was last written. */
  private readonly removed = new Map<string, Set<string>>();
  private writes = 0;
  private badMessages = 0;
  private queue: Promise<unknown> = Promise.resolve();

  async start(ctx: DaemonContext): Promise<void> {
    this.log = ctx.logger;
    this.me = ctx.node;
    this.hb = await connectWhenUp('the attribute daemon', 'the messaging layer (heartbeat)', () => connectHeartbeat(ctx.paths, { name: 'attrd', reconnect: true, timeoutMs: 15_000 }));
    this.cib = await connectWhenUp('the attribute daemon', 'the CIB daemon', () => connectLiveCib('attrd', ctx.paths.root));
    const ipc = new IpcServer(AttrdProtocol, { path: socketPath(ctx.paths, 'attrd'), serverName: `attrd@${ctx.node}`, logger: this.log });
    this.ipc = ipc;
    ipc.handle('update', (p) => {
      const node = p.node ?? this.me;
      const value = expandValue(p.value, this.table.get(p.name)?.values.get(node));
      this.apply({ name: p.name, node, value, lifetime: p.lifetime ?? this.table.get(p.name)?.lifetime ?? 'reboot', dampenMs: p.dampenMs ?? this.table.get(p.name)?.dampenMs ?? 0 }, true);
      return { value };
    });
    ipc.handle('delete', (p) => {
      const a = this.table.get(p.name);
      this.apply({ name: p.name, node: p.node ?? this.me, value: null, lifetime: a?.lifetime ?? 'reboot', dampenMs: a?.dampenMs ?? 0 }, true);
      return {};
    });
    ipc.handle('query', (p) => ({
      attributes: this.table
        .all()
        .filter((a) => p.name === undefined || a.name === p.name)
        .flatMap((a) => [...a.values].filter(([n]) => p.node === undefined || n === p.node).map(([node, value]) => ({ name: a.name, node, value, lifetime: a.lifetime }))),
    }));
    ipc.handle('status', () => ({ node: this.me, writer: this.writer ?? null, members: this.members, attributes: this.table.all().length, writes: this.writes, badMessages: this.badMessages }));
    await ipc.listen();
    await subscribeMessages(this.hb, ['attrd_'], (m) => this.onMessage(m.from, m.type, m.fields));
    await this.hb.subscribe('membership', (m) => this.onMembership(m.members));
    this.onMembership((await this.hb.request('membership', {})).members);
    if (this.writer && this.writer !== this.me) this.send(this.writer, encodeAttrd('attrd_sync_req', { node: this.me }));
  }

  async stop(): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.hb?.close();
    this.cib?.close();
    await this.ipc?.close();
  }

  private get writer(): string | undefined {
    return [...this.members].sort()[0];
  }

  private send(to: string | undefined, msg: { type: string; fields: Record<string, string> }): void {
    this.hb.request('send', { ...msg, ...(to ? { to } : {}) }).catch((e: Error) => this.log.warn({ type: msg.type, err: e.message }, 'cannot send an attribute message'));
  }

  /** Applies an update here (and, when it was made here, sends it to the others). */
  private apply(u: { name: string; node: string; value: string | null; lifetime: Lifetime; dampenMs: number }, local: boolean): void {
    const changed = this.table.set(u.name, u.node, u.value ?? undefined, { lifetime: u.lifetime, dampenMs: u.dampenMs });
    if (u.value === null) (this.removed.get(u.name) ?? this.removed.set(u.name, new Set()).get(u.name)!).add(u.node);
    if (local) this.send(undefined, encodeAttrd('attrd_update', u));
    if (changed || local) this.scheduleWrite(u.name);
  }

  private onMessage(from: string, type: string, fields: Record<string, string>): void {
    if (!isAttrdMessage(type) || from === this.me) return;
    try {
      switch (type) {
        case 'attrd_update':
          this.apply(decodeAttrd('attrd_update', fields), false);
          break;
        case 'attrd_sync_req':
          decodeAttrd('attrd_sync_req', fields);
          if (this.writer === this.me) this.send(from, encodeAttrd('attrd_sync', { table: this.table.toJSON() }));
          break;
        case 'attrd_sync': {
          const m = decodeAttrd('attrd_sync', fields);
          for (const name of this.table.merge(m.table)) this.scheduleWrite(name);
          break;
        }
      }
    } catch (e) {
      this.badMessages++;
      this.log.warn({ from, type, err: (e as Error).message }, 'attribute message dropped');
    }
  }

  private onMembership(members: string[]): void {
    const before = this.writer;
    const lost = this.members.filter((n) => !members.includes(n));
    this.members = [...members];
    for (const n of lost) for (const name of this.table.dropNode(n)) this.scheduleWrite(name);
    if (this.writer !== this.me) return;
    if (before !== this.me) {
      this.log.info({ members }, 'this node writes the attributes');
      this.written.clear();
      for (const a of this.table.all()) this.scheduleWrite(a.name);
    }
    // Nodes that left lose their transient attributes in the CIB too.
    for (const n of lost) void this.serial(() => this.cib.request('delete', { xpath: `/cib/status/node_state[@uname='${n}']/transient_attributes` }).catch(() => undefined));
    this.send(undefined, encodeAttrd('attrd_sync', { table: this.table.toJSON() }));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const p = this.queue.then(fn).catch((e: Error) => {
      this.log.warn({ err: e.message }, 'CIB update failed');
      return undefined;
    });
    this.queue = p;
    return p;
  }

  /** The writer writes an attribute `dampen` after its last change. */
  private scheduleWrite(name: string): void {
    if (this.writer !== this.me) return;
    const old = this.timers.get(name);
    if (old) clearTimeout(old);
    const delay = this.table.get(name)?.dampenMs ?? 0;
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        void this.serial(() => this.write(name));
      }, delay),
    );
  }



  private async write(name: string): Promise<void> {
    if (this.writer !== this.me) return;
    const a = this.table.get(name);
    const had = new Set([...(this.written.get(name) ?? []), ...(this.removed.get(name) ?? [])]);
    this.removed.delete(name);
    const now = new Set(a?.values.keys() ?? []);
    // (All the nodes' values in one update: one for transient ones, one for permanent ones.)
    if (a?.values.size) {
      const ids = await liveNodeIds(this.cib);
      const entries = [...a.values].map(([node, value]) => ({ node, id: ids.get(node) ?? node, value }));
      const nv = (prefix: string, id: string, value: string) => xmlElement('nvpair', { id: `${prefix}-${id}-${name}`, name, value });
      if (a.lifetime === 'reboot') {
        const states = entries.map((e) => xmlElement('node_state', { id: e.id, uname: e.node }, [xmlElement('transient_attributes', { id: e.id }, [xmlElement('instance_attributes', { id: `status-${e.id}` }, [nv('status', e.id, e.value)])])]));
        await this.cib.request('modify', { section: 'status', xml: serializeXml(xmlElement('status', {}, states)) });
      } else {
        const nodes = entries.map((e) => xmlElement('node', { id: e.id, uname: e.node }, [xmlElement('instance_attributes', { id: `nodes-${e.id}` }, [nv('nodes', e.id, e.value)])]));
        await this.cib.request('modify', { section: 'nodes', xml: serializeXml(xmlElement('nodes', {}, nodes)) });
      }
      this.writes++;
    }
    for (const node of had) {
      if (now.has(node)) continue;
      const where = a?.lifetime === 'forever' ? `/cib/configuration/nodes/node[@uname='${node}']/instance_attributes/nvpair[@name='${name}']` : `/cib/status/node_state[@uname='${node}']/transient_attributes/instance_attributes/nvpair[@name='${name}']`;
      await this.cib.request('delete', { xpath: where }).catch((e: Error) => this.log.debug({ err: e.message }, 'nothing to delete'));
      this.writes++;
    }
    this.written.set(name, now);
  }
}
