/**
 * The controllers' cluster messages (heartbeat messages of type `crmd_*`), version 1. Each
 * carries `v` (the version) and `data`: the JSON payload, checked against its schema when it
 * arrives — a message that does not parse is dropped and counted, never acted on.
 * - `crmd_announce` a controller that (re)started → all: I am here (the DC then asks it to join).
 * - `crmd_join`  DC → member: write your resource history into the CIB, then answer.
 * - `crmd_joined` member → DC: done (for that membership generation).
 * - `crmd_exec`  DC → node: run this action of a transition (through your executor), record the
 *   result in the CIB, then answer.
 * - `crmd_result` node → DC: the action's result.
 * - `crmd_cleanup` any → all: forget a resource's history and failures (on one node, or all).
 */
import { type Infer, parse, s, type Schema } from '@heartbeat-ts/cluster-glue';

export const CONTROLLER_PROTOCOL_VERSION = '1';

const strings = s.record(s.string());

export const ControllerMessages = {
  crmd_announce: s.object({ node: s.string() }),
  crmd_join: s.object({ dc: s.string(), generation: s.integer({ min: 0 }) }),
  crmd_joined: s.object({ node: s.string(), generation: s.integer({ min: 0 }) }),
  crmd_exec: s.object({
    /** Unique per request: the answer names it. */
    id: s.string(),
    transitionKey: s.string(),
    rsc: s.string({ minLength: 1, maxLength: 256 }),
    agent: s.string({ minLength: 1 }),
    action: s.string({ minLength: 1, maxLength: 64 }),
    intervalMs: s.integer({ min: 0 }),
    timeoutMs: s.integer({ min: 0 }),
    params: strings,
    meta: strings,
  }),
  crmd_cleanup: s.object({ rsc: s.string({ minLength: 1 }), node: s.optional(s.string()) }),
  crmd_result: s.object({ id: s.string(), node: s.string(), rc: s.integer(), status: s.string(), reason: s.optional(s.string()), callId: s.optional(s.integer()) }),
};

export type ControllerMessageType = keyof typeof ControllerMessages;
export type ControllerMessage<T extends ControllerMessageType> = Infer<(typeof ControllerMessages)[T]>;

/** The heartbeat message fields for a controller message. */
export function encode<T extends ControllerMessageType>(type: T, data: ControllerMessage<T>): { type: T; fields: Record<string, string> } {
  return { type, fields: { v: CONTROLLER_PROTOCOL_VERSION, data: JSON.stringify(data) } };
}

/** A controller message from heartbeat's fields, or an error saying what is wrong with it. */
export function decode<T extends ControllerMessageType>(type: T, fields: Record<string, string>): ControllerMessage<T> {
  if (fields.v !== CONTROLLER_PROTOCOL_VERSION) throw new Error(`${type}: protocol version ${fields.v ?? '(none)'}, expected ${CONTROLLER_PROTOCOL_VERSION}`);
  let raw: unknown;
  try {
    raw = JSON.parse(fields.data ?? '');
  } catch {
    throw new Error(`${type}: data is not JSON`);
  }
  return parse(ControllerMessages[type] as Schema<unknown>, raw, type) as ControllerMessage<T>;
}

export function isControllerMessage(type: string): type is ControllerMessageType {
  return Object.prototype.hasOwnProperty.call(ControllerMessages, type);
}
