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
import { defineClusterMessages, type Infer, s } from '@heartbeat-ts/cluster-glue/client';

const strings = s.record(s.string());

export const ControllerCodec = defineClusterMessages(1, {
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
});
export const ControllerMessages = ControllerCodec.messages;

export type ControllerMessageType = keyof typeof ControllerMessages;
export type ControllerMessage<T extends ControllerMessageType> = Infer<(typeof ControllerMessages)[T]>;

/** The heartbeat message fields for a controller message; a controller message from them (or an error saying what is wrong). */
export const { encode, decode, is: isControllerMessage } = ControllerCodec;
