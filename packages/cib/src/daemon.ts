/**
 * The cib daemon: the store, each change journaled before the client gets its answer (so an
 * acknowledged update survives kill -9) and the whole CIB written now and then (CibDisk),
 * served on <runDir>/cib.sock.
 */
import { join } from 'node:path';
import { connectWhenUp, type Daemon, type DaemonContext, HaError, IpcServer, socketPath } from '@heartbeat-ts/cluster-glue';
import { connectHeartbeat, type HeartbeatClient } from '@heartbeat-ts/heartbeat';
import { CibError } from './model.js';
import { CibDisk, loadCib, replayJournal, saveCib } from './persistence.js';
import { CibProtocol } from './protocol.js';
import { CibReplicator, type WireRequest } from './replication.js';
import { type CibChange, CibStore, patchsetText, type Section } from './store.js';
import { parseXml, serializeXml, XmlError } from './xml.js';

export interface CibDaemonOptions {
  /** Replicate over the messaging layer (heartbeat's socket on this node). */
  replicate?: boolean;
}

/** "CIB updated" lines a second, beyond which the rest of the second is one line. */
const UPDATE_LOG_BURST = 50;

export class CibDaemon implements Daemon {
  readonly name = 'cib';
  private ipc: IpcServer<typeof CibProtocol> | undefined;
  private hb: HeartbeatClient | undefined;
  private disk: CibDisk | undefined;
  private replicator: CibReplicator | undefined;

  constructor(private readonly opts: CibDaemonOptions = {}) {}

  async start(ctx: DaemonContext): Promise<void> {
    const log = ctx.logger;
    const dir = join(ctx.paths.stateDir, 'cib');
    const loaded = loadCib(dir);
    for (const p of loaded?.problems ?? []) log.error({ problem: p }, 'CIB file refused');
    if (loaded?.problems.length) log.error({ file: loaded.file }, 'using an older CIB from a backup: recent updates may be lost; check the cluster');
    const store = new CibStore(loaded?.root);
    if (!loaded) saveCib(dir, store.current);
    const journal = replayJournal(dir, store);
    for (const p of journal.problems) log.error({ problem: p }, 'CIB journal');
    log.info({ version: store.version, file: loaded?.file ?? 'new', replayed: journal.replayed }, 'CIB loaded');
    // Every change (a client's here, or the master's patch) is journaled before it is answered.
    const disk = new CibDisk(dir, () => store.current);
    this.disk = disk;
    if (journal.replayed) disk.snapshot();
    store.onChange((c) => disk.record(c));

    const ipc = new IpcServer(CibProtocol, { path: socketPath(ctx.paths, 'cib'), serverName: `cib@${ctx.node}`, logger: log });
    this.ipc = ipc;
    const xmlOf = (text: string) => {
      try {
        return parseXml(text, 'request');
      } catch (e) {
        throw new HaError('EINVAL', (e as XmlError).message);
      }
    };
    let replicator: CibReplicator | undefined;
    const keep = (r: CibReplicator) => (this.replicator = r);
    if (this.opts.replicate) {
      // heartbeat may still be starting (it starts the CRM itself): wait for it a while.
      this.hb = await connectWhenUp('CIB replication', 'the messaging layer', () => connectHeartbeat(ctx.paths, { name: 'cib', reconnect: true, timeoutMs: 15_000 }));
      replicator = keep(new CibReplicator(ctx.node, store, this.hb, disk, log));
      await replicator.start();
    }
    const update = async (req: WireRequest) => {
      try {
        if (replicator) return { version: await replicator.update(req) };
        const c = store.applyRequest({ op: req.op, ...(req.xml !== undefined ? { xml: xmlOf(req.xml) } : {}), ...(req.section ? { section: req.section } : {}), ...(req.xpath ? { xpath: req.xpath } : {}), ...(req.all ? { all: true } : {}) });
        return { version: c.after };
      } catch (e) {
        if (e instanceof CibError) throw new HaError(e.code, e.message, e.id ? { id: e.id } : {});
        if (e instanceof XmlError) throw new HaError('EINVAL', e.message);
        throw e;
      }
    };
    // Every update is logged, up to UPDATE_LOG_BURST a second; beyond, they are counted and the
    // second's rest is said in one line (a stream of updates does not flood the log).
    let second = 0;
    let logged = 0;
    let quiet: { count: number; from: string; to: string } | undefined;
    const sayQuiet = () => {
      if (quiet) log.info({ updates: quiet.count, before: quiet.from, after: quiet.to }, 'CIB updated (more updates in that second, one line for them)');
      quiet = undefined;
    };
    const announce = (c: CibChange) => {
      const now = Math.floor(Date.now() / 1000);
      if (now !== second) {
        sayQuiet();
        second = now;
        logged = 0;
      }
      if (++logged <= UPDATE_LOG_BURST) log.info({ op: c.op, before: c.before, after: c.after, paths: c.paths }, 'CIB updated');
      else {
        if (!quiet) {
          quiet = { count: 0, from: c.before, to: c.after };
          setTimeout(sayQuiet, 1000).unref();
        }
        quiet.count++;
        quiet.to = c.after;
        log.debug({ op: c.op, before: c.before, after: c.after, paths: c.paths }, 'CIB updated');
      }
      const change = { op: c.op, before: c.before, after: c.after, paths: c.paths };
      ipc.publish('change', change);
      if (ipc.hasSubscribers('diff')) ipc.publish('diff', { ...change, patchset: patchsetText(c) });
    };
    // Said and announced after this turn's answers have gone out: a client waiting for its answer
    // does not wait for the log line and the events too (the journal is written before, above).
    let pending: CibChange[] = [];
    store.onChange((c) => {
      if (!pending.length) setImmediate(() => {
        const changes = pending;
        pending = [];
        for (const x of changes) announce(x);
      });
      pending.push(c);
    });
    ipc.handle('query', ({ section, id, xpath }) => {
      try {
        if (xpath !== undefined) {
          const found = store.queryXPath(xpath);
          if (!found.length) throw new CibError('ENOSUCH', `nothing matches ${xpath}`);
          const xml = found.length === 1 ? serializeXml(found[0]!) : serializeXml({ name: 'xpath-query', attrs: {}, children: found });
          return { xml, version: store.version, matches: found.length };
        }
        return { xml: serializeXml(store.query({ ...(section ? { section } : {}), ...(id ? { id } : {}) })), version: store.version };
      } catch (e) {
        if (e instanceof CibError) throw new HaError(e.code, e.message);
        throw e;
      }
    });
    const opt = (p: { section?: string | undefined; xpath?: string | undefined }) => ({ ...(p.section ? { section: p.section as Section } : {}), ...(p.xpath !== undefined ? { xpath: p.xpath } : {}) });
    ipc.handle('create', ({ section, xml }) => update({ op: 'create', xml, section }));
    ipc.handle('modify', (p) => update({ op: 'modify', xml: p.xml, ...opt(p) }));
    ipc.handle('replace', (p) => update({ op: 'replace', xml: p.xml, ...opt(p) }));
    ipc.handle('delete', (p) => update({ op: 'delete', ...(p.xml !== undefined ? { xml: p.xml } : {}), ...opt(p), ...(p.all ? { all: true } : {}) }));
    ipc.handle('erase', () => update({ op: 'erase' }));
    await ipc.listen();
  }

  async stop(): Promise<void> {
    this.replicator?.stop();
    this.hb?.close();
    await this.ipc?.close();
    this.disk?.close();
  }
}
