/**
 * The IPC envelope shared by every daemon, and `defineProtocol`, with which each daemon
 * declares once (in its own `protocol.ts`) every request, response and event it speaks.
 *
 * Envelope (one JSON object per frame):
 *   client → server  {k:"hello", protocol, version, client, pid}
 *   server → client  {k:"welcome", protocol, version, server}
 *   client → server  {k:"req", id, type, body}
 *   server → client  {k:"res", id, ok:true, body} | {k:"res", id, ok:false, error}
 *   server → client  {k:"evt", type, body}
 *   either way       {k:"error", code, message}   then the sender closes the connection
 * Built-in request types (every server answers them): "$subscribe" {events: string[]},
 * "$unsubscribe" {events}, "$ping" {} → {now}.
 * A protocol's version is an integer; client and server must agree exactly, otherwise the
 * server answers `EPROTO_VERSION` and closes.
 */
import { type Infer, parse, type Schema, s } from './schema.js';

/** Version of the envelope itself (not of any daemon's protocol). */
export const ENVELOPE_VERSION = 1;

export interface RequestDef<P = unknown, R = unknown> {
  params: Schema<P>;
  result: Schema<R>;
}

export interface ProtocolDef {
  /** Daemon name, e.g. "cib"; also the socket's base name. */
  readonly name: string;
  readonly version: number;
  readonly requests: Record<string, RequestDef>;
  readonly events: Record<string, Schema<unknown>>;
}

export function defineProtocol<const D extends ProtocolDef>(def: D): D {
  for (const t of Object.keys(def.requests)) {
    if (t.startsWith('$')) throw new Error(`protocol ${def.name}: request type ${t} is reserved`);
  }
  return def;
}

export type RequestType<D extends ProtocolDef> = keyof D['requests'] & string;
export type EventType<D extends ProtocolDef> = keyof D['events'] & string;
export type ParamsOf<D extends ProtocolDef, T extends RequestType<D>> = Infer<D['requests'][T]['params']>;
export type ResultOf<D extends ProtocolDef, T extends RequestType<D>> = Infer<D['requests'][T]['result']>;
export type EventOf<D extends ProtocolDef, T extends EventType<D>> = Infer<D['events'][T]>;

const name = s.string({ minLength: 1, maxLength: 128 });

export const Hello = s.object({
  k: s.literal('hello'),
  envelope: s.integer({ min: 1 }),
  protocol: name,
  version: s.integer({ min: 0 }),
  client: s.string({ maxLength: 256 }),
  pid: s.integer({ min: 0 }),
});
export type Hello = Infer<typeof Hello>;

export const Welcome = s.object({
  k: s.literal('welcome'),
  protocol: name,
  version: s.integer({ min: 0 }),
  server: s.string({ maxLength: 256 }),
});
export type Welcome = Infer<typeof Welcome>;

export const Request = s.object({
  k: s.literal('req'),
  id: s.integer({ min: 0 }),
  type: name,
  body: s.optional(s.unknown()),
});
export type Request = Infer<typeof Request>;

export const WireError = s.object({
  code: s.string({ maxLength: 64 }),
  message: s.string(),
  details: s.optional(s.record(s.unknown())),
});
export type WireError = Infer<typeof WireError>;

export const Response = s.union(
  s.object({ k: s.literal('res'), id: s.integer({ min: 0 }), ok: s.literal(true), body: s.optional(s.unknown()) }),
  s.object({ k: s.literal('res'), id: s.integer({ min: 0 }), ok: s.literal(false), error: WireError }),
);
export type Response = Infer<typeof Response>;

export const Event = s.object({ k: s.literal('evt'), type: name, body: s.optional(s.unknown()) });
export type Event = Infer<typeof Event>;

export const Fatal = s.object({
  k: s.literal('error'),
  code: s.string({ maxLength: 64 }),
  message: s.string(),
});
export type Fatal = Infer<typeof Fatal>;

export const SubscribeParams = s.object({ events: s.array(name, { maxItems: 256 }) });
export const PingResult = s.object({ now: s.number() });


/**
 * Messages a daemon sends its peers on other nodes through the messaging layer (heartbeat
 * messages carry string fields): each as `v` (the version) and `data` (JSON), checked against
 * its schema on arrival — `decode` throws saying what is wrong, and the caller drops it.
 */
export function defineClusterMessages<const M extends Record<string, Schema<unknown>>>(version: number, messages: M) {
  const v = String(version);
  return {
    messages,
    encode<K extends keyof M & string>(type: K, data: Infer<M[K]>): { type: K; fields: Record<string, string> } {
      return { type, fields: { v, data: JSON.stringify(data) } };
    },
    decode<K extends keyof M & string>(type: K, fields: Record<string, string>): Infer<M[K]> {
      if (fields.v !== v) throw new Error(`${type}: protocol version ${fields.v ?? '(none)'}, expected ${v}`);
      let raw: unknown;
      try {
        raw = JSON.parse(fields.data ?? '');
      } catch {
        throw new Error(`${type}: data is not JSON`);
      }
      return parse(messages[type]!, raw, type) as Infer<M[K]>;
    },
    is(type: string): type is keyof M & string {
      return Object.prototype.hasOwnProperty.call(messages, type);
    },
  };
}
