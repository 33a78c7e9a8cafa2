/**
 * IPC server: one Unix stream socket per daemon, framed JSON, typed requests validated
 * against the daemon's protocol, responses, and events pushed to subscribed clients.
 *
 * Safety:
 * - a frame that is oversized, not JSON, or not an envelope gets an `error` frame and the
 *   connection is closed; the server stays up;
 * - a request whose body fails its schema gets an error response naming the field;
 * - backpressure: while a client's outgoing buffer is full the server stops reading its
 *   requests; a client whose buffer grows past `maxBufferedBytes` (it never reads) is
 *   disconnected and logged;
 * - the socket file is created mode 0660 (group configurable, like Pacemaker's haclient);
 *   a stale socket left by a dead daemon is replaced, a live one is never stolen.
 */
import { EventEmitter } from 'node:events';
import { chmodSync, chownSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { HaError, ProtocolError } from './errors.js';
import { FramedSocket } from './framed-socket.js';
import { DEFAULT_MAX_MESSAGE_BYTES, encodeFrameParts } from './framing.js';
import { type Logger, silentLogger } from './log.js';
import {
  ENVELOPE_VERSION,
  Hello,
  Request,
  SubscribeParams,
  type EventOf,
  type EventType,
  type ParamsOf,
  type ProtocolDef,
  type RequestType,
  type ResultOf,
} from './protocol.js';
import { parse, SchemaError } from './schema.js';
import { resolveGid } from './unix-groups.js';

export interface IpcServerOptions {
  path: string;
  /** Name reported to clients in the handshake, e.g. "cib@node1". */
  serverName?: string;
  logger?: Logger;
  /** Group owning the socket (name or gid). Default: the process's group. */
  group?: string | number;
  /** Socket file mode; default 0o660. */
  mode?: number;
  maxMessageBytes?: number;
  /** A client whose unread responses/events exceed this is disconnected. Default 64 MiB. */
  maxBufferedBytes?: number;
  /** Time a new connection has to say hello. Default 10 s. */
  handshakeTimeoutMs?: number;
}

export interface ClientInfo {
  readonly id: number;
  readonly name: string;
  readonly pid: number;
}

export interface RequestContext {
  readonly client: ClientInfo;
}

export type Handler<P, R> = (params: P, ctx: RequestContext) => R | Promise<R>;

export interface IpcServerCounters {
  connections: number;
  requests: number;
  rejectedFrames: number;
  evictedClients: number;
}

interface Connection {
  info: ClientInfo;
  framed: FramedSocket;
  ready: boolean;
  subscriptions: Set<string>;
}

export class IpcServer<D extends ProtocolDef> extends EventEmitter {
  private server: Server | undefined;
  private readonly handlers = new Map<string, Handler<unknown, unknown>>();
  private readonly conns = new Set<Connection>();
  private nextClientId = 1;
  private readonly log: Logger;
  private readonly maxMessageBytes: number;
  private readonly maxBufferedBytes: number;
  readonly counters: IpcServerCounters = { connections: 0, requests: 0, rejectedFrames: 0, evictedClients: 0 };

  constructor(
    readonly protocol: D,
    private readonly opts: IpcServerOptions,
  ) {
    super();
    this.log = (opts.logger ?? silentLogger()).child({ socket: opts.path });
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 64 * 1024 * 1024;
  }

  get path(): string {
    return this.opts.path;
  }

  handle<T extends RequestType<D>>(type: T, handler: Handler<ParamsOf<D, T>, ResultOf<D, T>>): this {
    if (!(type in this.protocol.requests)) throw new Error(`protocol ${this.protocol.name} has no request type ${type}`);
    this.handlers.set(type, handler as Handler<unknown, unknown>);
    return this;
  }

  /**
   * Sends an event to every client subscribed to its type (and, given `to`, that it accepts).
   * The event is validated and encoded once, whatever the number of clients.
   */
  publish<T extends EventType<D>>(type: T, body: EventOf<D, T>, to?: (client: ClientInfo) => boolean): void {
    const schema = this.protocol.events[type];
    if (!schema) throw new Error(`protocol ${this.protocol.name} has no event type ${type}`);
    parse(schema, body, `event ${type}`);
    let frame: [Buffer, Buffer] | undefined;
    for (const c of this.conns) {
      if (!c.ready || !c.subscriptions.has(type) || (to && !to(c.info))) continue;
      if (!frame) {
        try {
          frame = encodeFrameParts({ k: 'evt', type, body }, this.maxMessageBytes);
        } catch (e) {
          this.log.error({ err: (e as Error).message, event: type }, 'event too large, dropped');
          return;
        }
      }
      this.deliver(c, frame);
    }
  }

  /** Whether any client listens to this event type (an event nobody hears need not be built). */
  hasSubscribers(type: EventType<D>): boolean {
    for (const c of this.conns) if (c.ready && c.subscriptions.has(type)) return true;
    return false;
  }

  get clients(): ClientInfo[] {
    return [...this.conns].filter((c) => c.ready && !c.framed.isClosed).map((c) => c.info);
  }

  async listen(): Promise<void> {
    const path = this.opts.path;
    await prepareSocketPath(path);
    const gid = this.opts.group === undefined ? undefined : resolveGid(this.opts.group);
    if (this.opts.group !== undefined && gid === undefined) {
      throw new HaError('ECONFIG', `socket group "${this.opts.group}" does not exist (create it, e.g. groupadd ${this.opts.group})`, { group: this.opts.group });
    }
    const server = createServer({ allowHalfOpen: false }, (sock) => this.accept(sock));
    this.server = server;
    const mode = this.opts.mode ?? 0o660;
    // Create the socket with no access for others from the first instant, then set the exact mode.
    const oldMask = process.umask(0o777 & ~mode);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(oldMask);
    }
    chmodSync(path, mode);
    if (gid !== undefined) chownSync(path, -1, gid);
    server.on('error', (err) => this.log.error({ err }, 'ipc server error'));
    this.log.debug({ protocol: this.protocol.name, version: this.protocol.version }, 'ipc listening');
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of this.conns) c.framed.destroy();
    this.conns.clear();
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.opts.path);
    } catch {
      /* already gone */
    }
  }

  private accept(sock: Socket): void {
    this.counters.connections++;
    const conn: Connection = {
      info: { id: this.nextClientId++, name: '?', pid: 0 },
      framed: undefined as unknown as FramedSocket,
      ready: false,
      subscriptions: new Set(),
    };
    conn.framed = new FramedSocket(
      sock,
      this.maxMessageBytes,
      (msg) => this.onMessage(conn, msg),
      (err) => this.reject(conn, err.message),
    );
    this.conns.add(conn);
    const timer = setTimeout(() => {
      if (!conn.ready) {
        this.reject(conn, 'no hello within the handshake timeout');
        conn.framed.fatal('ETIMEDOUT', 'no hello received within the handshake timeout');
      }
    }, this.opts.handshakeTimeoutMs ?? 10_000);
    timer.unref();
    sock.on('drain', () => sock.resume());
    sock.on('error', (err) => this.log.debug({ client: conn.info.name, err: err.message }, 'client socket error'));
    sock.on('close', () => {
      clearTimeout(timer);
      this.conns.delete(conn);
      if (conn.ready) {
        this.log.debug({ client: conn.info.name, clientId: conn.info.id }, 'client disconnected');
        this.emit('disconnect', conn.info);
      }
    });
  }

  private reject(conn: Connection, why: string): void {
    this.counters.rejectedFrames++;
    this.log.warn({ client: conn.info.name, clientId: conn.info.id, pid: conn.info.pid, reason: why }, 'protocol violation, closing connection');
  }

  private fatal(conn: Connection, err: HaError): void {
    this.reject(conn, err.message);
    conn.framed.fatal(err.code, err.message);
  }

  private onMessage(conn: Connection, msg: unknown): void {
    if (!conn.ready) {
      let hello: Hello;
      try {
        hello = parse(Hello, msg, 'hello');
      } catch (e) {
        this.fatal(conn, new ProtocolError('EPROTO', `expected a hello message first: ${(e as Error).message}`));
        return;
      }
      if (hello.envelope !== ENVELOPE_VERSION) {
        this.fatal(conn, new ProtocolError('EPROTO_VERSION', `envelope version ${hello.envelope} is not supported (server speaks ${ENVELOPE_VERSION})`));
        return;
      }
      if (hello.protocol !== this.protocol.name || hello.version !== this.protocol.version) {
        this.fatal(
          conn,
          new ProtocolError(
            'EPROTO_VERSION',
            `client speaks ${hello.protocol} v${hello.version}, this socket serves ${this.protocol.name} v${this.protocol.version}; upgrade the older side`,
          ),
        );
        return;
      }
      conn.info = { id: conn.info.id, name: hello.client, pid: hello.pid };
      conn.ready = true;
      this.send(conn, { k: 'welcome', protocol: this.protocol.name, version: this.protocol.version, server: this.opts.serverName ?? this.protocol.name });
      this.log.debug({ client: hello.client, pid: hello.pid, clientId: conn.info.id }, 'client connected');
      this.emit('connect', conn.info);
      return;
    }
    let req: Request;
    try {
      req = parse(Request, msg, 'request');
    } catch (e) {
      this.fatal(conn, new ProtocolError('EPROTO', `malformed message: ${(e as Error).message}`));
      return;
    }
    this.counters.requests++;
    void this.dispatch(conn, req);
  }

  private async dispatch(conn: Connection, req: Request): Promise<void> {
    try {
      const body = await this.run(conn, req);
      this.send(conn, body === undefined ? { k: 'res', id: req.id, ok: true } : { k: 'res', id: req.id, ok: true, body });
    } catch (e) {
      const err =
        e instanceof HaError
          ? e
          : e instanceof SchemaError
            ? new ProtocolError(e.code, e.message)
            : new HaError('EINTERNAL', `internal error in ${this.protocol.name} handling ${req.type}: ${(e as Error)?.message ?? String(e)}`);
      if (err.code === 'EINTERNAL') this.log.error({ err: e, type: req.type, client: conn.info.name }, 'request handler failed');
      const error: Record<string, unknown> = { code: err.code, message: err.message };
      if (Object.keys(err.details).length) error.details = JSON.parse(JSON.stringify(err.details));
      this.send(conn, { k: 'res', id: req.id, ok: false, error });
    }
  }

  private async run(conn: Connection, req: Request): Promise<unknown> {
    switch (req.type) {
      case '$ping':
        return { now: Date.now() };
      case '$subscribe':
      case '$unsubscribe': {
        const { events } = parse(SubscribeParams, req.body ?? {}, `${req.type} params`);
        for (const ev of events) {
          if (!(ev in this.protocol.events)) throw new HaError('EINVAL', `protocol ${this.protocol.name} has no event type ${ev}`, { event: ev });
          if (req.type === '$subscribe') conn.subscriptions.add(ev);
          else conn.subscriptions.delete(ev);
        }
        return { events: [...conn.subscriptions] };
      }
    }
    const def = this.protocol.requests[req.type];
    const handler = this.handlers.get(req.type);
    if (!def || !handler) {
      throw new HaError('EOPNOTSUPP', `${this.protocol.name} v${this.protocol.version} has no request type "${req.type}"`, { type: req.type });
    }
    const params = parse(def.params, req.body ?? {}, `${req.type} params`);
    const result = await handler(params, { client: conn.info });
    try {
      return parse(def.result, result, `${req.type} result`);
    } catch (e) {
      throw new HaError('EINTERNAL', `${this.protocol.name} produced an invalid ${req.type} result: ${(e as Error).message}`);
    }
  }

  /** Sends a message to one client. */
  private send(conn: Connection, msg: { k: string; id?: number; [field: string]: unknown }): void {
    if (conn.framed.isClosed) return;
    let frame: [Buffer, Buffer];
    try {
      frame = encodeFrameParts(msg, this.maxMessageBytes);
    } catch (e) {
      // Only an oversized message can throw here; tell the client instead of dying.
      const err = e as HaError;
      if (msg.k === 'res') this.deliver(conn, encodeFrameParts({ k: 'res', id: msg.id, ok: false, error: { code: err.code ?? 'EMSGSIZE', message: err.message } }));
      else this.log.error({ err: err.message, client: conn.info.name }, 'event too large, dropped');
      return;
    }
    this.deliver(conn, frame);
  }

  /** Writes an encoded frame to one client: a client that never reads is disconnected, one that reads slowly is no longer read from. */
  private deliver(conn: Connection, frame: [Buffer, Buffer]): void {
    const sock = conn.framed.socket;
    if (conn.framed.isClosed) return;
    const ok = conn.framed.sendEncoded(frame);
    if (sock.writableLength > this.maxBufferedBytes) {
      this.counters.evictedClients++;
      this.log.warn(
        { client: conn.info.name, clientId: conn.info.id, pid: conn.info.pid, buffered: sock.writableLength },
        'client is not reading its messages; disconnecting it',
      );
      conn.framed.destroy();
      return;
    }
    // Stop reading this client's requests until it has read our answers.
    if (!ok) sock.pause();
  }
}

/** Makes `path` free for a new socket: replaces a stale socket, refuses to steal a live one. */
export async function prepareSocketPath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!isSocket) throw new HaError('EEXIST', `${path} exists and is not a socket; refusing to replace it`, { path });
  if (await socketIsLive(path)) {
    throw new HaError('EADDRINUSE', `another daemon is already listening on ${path}`, { path });
  }
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
