/**
 * IPC client: connects to a daemon's socket, shakes hands (protocol name and version),
 * sends typed requests with correlation ids and timeouts, and receives subscribed events.
 * With `reconnect`, a lost connection is re-established with back-off and subscriptions
 * are renewed; requests made meanwhile wait for the connection (within their timeout).
 */
import { EventEmitter } from 'node:events';
import { statSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { HaError, IpcConnectError, IpcDisconnectedError, IpcTimeoutError, ProtocolError, RemoteError } from './errors.js';
import { FramedSocket } from './framed-socket.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from './framing.js';
import type { Logger } from './log.js';
import {
  ENVELOPE_VERSION,
  Event as EventEnvelope,
  Fatal,
  Response,
  Welcome,
  type EventOf,
  type EventType,
  type ParamsOf,
  type ProtocolDef,
  type RequestType,
  type ResultOf,
} from './protocol.js';
import { parse } from './schema.js';
import { groupName } from './unix-groups.js';

export interface IpcClientOptions {
  path: string;
  /** Client name shown in the daemon's logs, e.g. "cibadmin". */
  name?: string;
  /** Default request timeout; default 30 s. */
  timeoutMs?: number;
  /** Connect + handshake timeout; default 5 s. */
  connectTimeoutMs?: number;
  /** Re-connect after a lost connection (back-off from minDelayMs to maxDelayMs). */
  reconnect?: boolean | { minDelayMs?: number; maxDelayMs?: number };
  maxMessageBytes?: number;
  logger?: Logger;
}

interface Pending {
  type: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

type Listener = (body: unknown) => void;

/** Without a logger, a client says nothing (and does not load the logging library). */
const quiet: Pick<Logger, 'info' | 'warn'> = { info: () => undefined, warn: () => undefined };

export class IpcClient<D extends ProtocolDef> extends EventEmitter {
  private framed: FramedSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Map<string, Set<Listener>>();
  private closedByUser = false;
  private connecting: Promise<void> | undefined;
  private server = '';
  private readonly log: Pick<Logger, 'info' | 'warn'>;

  private constructor(
    readonly protocol: D,
    private readonly opts: IpcClientOptions,
  ) {
    super();
    this.log = opts.logger ?? quiet;
  }

  static async connect<D extends ProtocolDef>(protocol: D, opts: IpcClientOptions): Promise<IpcClient<D>> {
    const c = new IpcClient(protocol, opts);
    await c.open();
    return c;
  }

  /** Name the server gave in its welcome, e.g. "cib@node1". */
  get serverName(): string {
    return this.server;
  }

  get connected(): boolean {
    return !!this.framed && !this.framed.isClosed;
  }

  async request<T extends RequestType<D>>(type: T, params: ParamsOf<D, T>, opts: { timeoutMs?: number } = {}): Promise<ResultOf<D, T>> {
    const def = this.protocol.requests[type];
    if (!def) throw new HaError('EINVAL', `protocol ${this.protocol.name} has no request type ${type}`);
    parse(def.params, params, `${type} params`);
    const body = await this.call(type, params, opts.timeoutMs);
    try {
      return parse(def.result, body ?? {}, `${type} result`) as ResultOf<D, T>;
    } catch (e) {
      throw new ProtocolError('EPROTO_SCHEMA', `${this.protocol.name} sent an invalid ${type} result: ${(e as Error).message}`);
    }
  }

  /** Round trip to the daemon; resolves with the daemon's clock. */
  async ping(timeoutMs?: number): Promise<number> {
    const r = (await this.call('$ping', {}, timeoutMs)) as { now: number };
    return r.now;
  }

  /** Listens to an event type; returns a function that stops listening. */
  async subscribe<T extends EventType<D>>(type: T, listener: (body: EventOf<D, T>) => void): Promise<() => Promise<void>> {
    if (!(type in this.protocol.events)) throw new HaError('EINVAL', `protocol ${this.protocol.name} has no event type ${type}`);
    let set = this.eventListeners.get(type);
    const first = !set;
    if (!set) {
      set = new Set();
      this.eventListeners.set(type, set);
    }
    set.add(listener as Listener);
    if (first) await this.call('$subscribe', { events: [type] });
    return async () => {
      const s = this.eventListeners.get(type);
      if (!s) return;
      s.delete(listener as Listener);
      if (s.size === 0) {
        this.eventListeners.delete(type);
        if (this.connected) await this.call('$unsubscribe', { events: [type] });
      }
    };
  }

  close(): void {
    this.closedByUser = true;
    this.framed?.destroy();
    this.failPending(new IpcDisconnectedError('EDISCONNECTED', `connection to ${this.opts.path} closed by the client`));
  }

  private call(type: string, body: unknown, timeoutMs = this.opts.timeoutMs ?? 30_000): Promise<unknown> {
    if (this.closedByUser) return Promise.reject(new IpcDisconnectedError('EDISCONNECTED', `client for ${this.opts.path} is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new IpcTimeoutError('ETIMEDOUT', `${this.protocol.name} did not answer ${type} within ${timeoutMs} ms (socket ${this.opts.path})`, { type, timeoutMs }));
      }, timeoutMs);
      this.pending.set(id, { type, resolve, reject, timer });
      const write = () => {
        if (!this.pending.has(id)) return;
        try {
          this.framed!.send({ k: 'req', id, type, body });
        } catch (e) {
          this.settle(id, e as Error);
        }
      };
      if (this.connected) write();
      else if (this.connecting) this.connecting.then(write, () => undefined);
      else this.settle(id, new IpcDisconnectedError('EDISCONNECTED', `not connected to ${this.protocol.name} (${this.opts.path})`));
    });
  }

  private settle(id: number, err: Error | undefined, value?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  private failPending(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, err);
  }

  private open(): Promise<void> {
    const p = this.openOnce().finally(() => {
      if (this.connecting === p) this.connecting = undefined;
    });
    this.connecting = p;
    return p;
  }

  private openOnce(): Promise<void> {
    const path = this.opts.path;
    const maxBytes = this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    return new Promise<void>((resolve, reject) => {
      const sock: Socket = createConnection(path);
      let welcomed = false;
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new IpcConnectError('ETIMEDOUT', `no answer from ${this.protocol.name} on ${path} within ${this.opts.connectTimeoutMs ?? 5000} ms`));
      }, this.opts.connectTimeoutMs ?? 5000);
      const framed = new FramedSocket(
        sock,
        maxBytes,
        (msg) => {
          if (!welcomed) {
            try {
              const fatal = tryParse(Fatal, msg);
              if (fatal) throw new ProtocolError(fatal.code, `${this.protocol.name} refused the connection: ${fatal.message}`);
              const w = parse(Welcome, msg, 'welcome');
              welcomed = true;
              this.server = w.server;
              clearTimeout(timer);
              this.framed = framed;
              resolve();
            } catch (e) {
              clearTimeout(timer);
              framed.destroy();
              reject(e);
            }
            return;
          }
          this.onMessage(msg);
        },
        (err) => this.log.warn({ err: err.message, socket: path }, 'bad frame from daemon'),
      );
      sock.once('connect', () => {
        framed.send({ k: 'hello', envelope: ENVELOPE_VERSION, protocol: this.protocol.name, version: this.protocol.version, client: this.opts.name ?? process.argv[1] ?? 'client', pid: process.pid });
      });
      sock.on('error', (err: NodeJS.ErrnoException) => {
        if (!welcomed) {
          clearTimeout(timer);
          reject(connectError(this.protocol.name, path, err));
        }
      });
      sock.on('close', () => {
        if (!welcomed) return;
        if (this.framed !== framed) return;
        this.framed = undefined;
        this.failPending(new IpcDisconnectedError('EDISCONNECTED', `connection to ${this.protocol.name} (${path}) was lost`));
        this.emit('disconnect');
        if (!this.closedByUser && this.opts.reconnect) this.reconnectLoop();
      });
    });
  }

  private reconnectLoop(): void {
    const cfg = typeof this.opts.reconnect === 'object' ? this.opts.reconnect : {};
    const min = cfg.minDelayMs ?? 50;
    const max = cfg.maxDelayMs ?? 2000;
    let delay = min;
    const attempt = async (): Promise<void> => {
      while (!this.closedByUser) {
        await new Promise((r) => setTimeout(r, delay));
        if (this.closedByUser) break;
        try {
          await this.openOnce();
          const events = [...this.eventListeners.keys()];
          if (events.length) {
            const id = this.nextId++;
            this.framed!.send({ k: 'req', id, type: '$subscribe', body: { events } });
          }
          this.log.info({ socket: this.opts.path }, 'reconnected');
          this.emit('reconnect');
          return;
        } catch {
          delay = Math.min(max, delay * 2);
        }
      }
      throw new IpcDisconnectedError('EDISCONNECTED', 'client closed');
    };
    const p = attempt().finally(() => {
      if (this.connecting === p) this.connecting = undefined;
    });
    this.connecting = p;
    p.catch(() => undefined);
  }

  private onMessage(msg: unknown): void {
    const m = msg as { k?: unknown };
    if (m.k === 'res') {
      let res;
      try {
        res = parse(Response, msg, 'response');
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'malformed response from daemon');
        return;
      }
      if (res.ok) this.settle(res.id, undefined, res.body);
      else this.settle(res.id, new RemoteError(res.error.code, res.error.message, res.error.details ?? {}));
      return;
    }
    if (m.k === 'evt') {
      let ev;
      try {
        ev = parse(EventEnvelope, msg, 'event');
        const schema = this.protocol.events[ev.type];
        if (!schema) throw new Error(`unknown event type ${ev.type}`);
        parse(schema, ev.body, `event ${ev.type}`);
      } catch (e) {
        this.log.warn({ err: (e as Error).message }, 'malformed event from daemon, dropped');
        this.emit('protocolError', e);
        return;
      }
      for (const l of this.eventListeners.get(ev.type) ?? []) l(ev.body);
      return;
    }
    const fatal = tryParse(Fatal, msg);
    if (fatal) {
      this.log.warn({ code: fatal.code, message: fatal.message }, 'daemon closed the connection');
      this.failPending(new RemoteError(fatal.code, fatal.message));
      return;
    }
    this.log.warn({ k: m.k }, 'unexpected message from daemon, ignored');
  }
}

function tryParse<T>(schema: { check(v: unknown, p: string): T }, v: unknown): T | undefined {
  try {
    return schema.check(v, '');
  } catch {
    return undefined;
  }
}

/** Turns a socket error into one that says what to do. */
export function connectError(daemon: string, path: string, err: NodeJS.ErrnoException): IpcConnectError {
  switch (err.code) {
    case 'ENOENT':
      return new IpcConnectError('ENOTRUNNING', `${daemon} is not running: no socket at ${path} (is the daemon started, and is HA_ROOT the same for both?)`, { path });
    case 'ECONNREFUSED':
      return new IpcConnectError('ENOTRUNNING', `${daemon} is not running: ${path} is a stale socket nobody listens on`, { path });
    case 'EACCES':
    case 'EPERM': {
      let who = '';
      try {
        const st = statSync(path);
        who = ` (mode ${(st.mode & 0o777).toString(8)}, group ${groupName(st.gid)})`;
      } catch {
        /* keep the plain message */
      }
      return new IpcConnectError('EACCES', `permission denied on ${path}${who}: run as root or as a member of the socket's group`, { path });
    }
    default:
      return new IpcConnectError(err.code ?? 'ECONNECT', `cannot connect to ${daemon} on ${path}: ${err.message}`, { path });
  }
}

/**
 * Connects to a daemon that may not be up yet (daemons start in parallel): retries every 200 ms
 * for `timeoutMs` (30 s), then fails with ENOTRUNNING naming `who` and `what` it needs.
 */
export async function connectWhenUp<T>(who: string, what: string, connect: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await connect();
    } catch (e) {
      if (Date.now() > deadline) throw new HaError('ENOTRUNNING', `${who} needs ${what}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
