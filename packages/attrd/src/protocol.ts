/**
 * The attribute daemon's local API (Unix socket <runDir>/attrd.sock, cluster-glue IPC, protocol
 * `attrd` v1) and its cluster messages (heartbeat messages `attrd_update`, `attrd_sync_req`,
 * `attrd_sync`, each with `v` = 1 and a JSON `data` checked on arrival).
 */
import { defineClusterMessages, defineProtocol, type Infer, IpcClient, runtimePaths, s, socketPath } from '@heartbeat-ts/cluster-glue/client';

const lifetime = s.enum(['reboot', 'forever'] as const);
const AttributeValueSchema = s.object({ name: s.string(), node: s.string(), value: s.string(), lifetime });

export const AttrdProtocol = defineProtocol({
  name: 'attrd',
  version: 1,
  requests: {
    /** Sets a node's value (this node's by default); `value++` and `value+=N` add to the current one. */
    update: { params: s.object({ name: s.string({ minLength: 1, maxLength: 256 }), value: s.string({ maxLength: 4096 }), node: s.optional(s.string()), dampenMs: s.optional(s.integer({ min: 0 })), lifetime: s.optional(lifetime) }), result: s.object({ value: s.string() }) },
    /** Removes a node's value (this node's by default). */
    delete: { params: s.object({ name: s.string({ minLength: 1 }), node: s.optional(s.string()) }), result: s.object({}) },
    query: { params: s.object({ name: s.optional(s.string()), node: s.optional(s.string()) }), result: s.object({ attributes: s.array(AttributeValueSchema) }) },
    status: { params: s.object({}), result: s.object({ node: s.string(), writer: s.nullable(s.string()), members: s.array(s.string()), attributes: s.integer({ min: 0 }), writes: s.integer({ min: 0 }), badMessages: s.integer({ min: 0 }) }) },
  },
  events: {},
});

export function connectAttrd(name: string, root?: string) {
  return IpcClient.connect(AttrdProtocol, { path: socketPath(runtimePaths(root ? { root } : {}), 'attrd'), name });
}

const TableSchema = s.array(s.object({ name: s.string(), lifetime, dampenMs: s.integer({ min: 0 }), values: s.record(s.string()) }));

export const AttrdCodec = defineClusterMessages(1, {
  /** A value set (or, with value null, removed) on one node. */
  attrd_update: s.object({ name: s.string(), node: s.string(), value: s.nullable(s.string()), lifetime, dampenMs: s.integer({ min: 0 }) }),
  attrd_sync_req: s.object({ node: s.string() }),
  /** The writer's whole table. */
  attrd_sync: s.object({ table: TableSchema }),
});
export const AttrdMessages = AttrdCodec.messages;
export type AttrdMessageType = keyof typeof AttrdMessages;
export type AttrdMessage<T extends AttrdMessageType> = Infer<(typeof AttrdMessages)[T]>;

export const { encode: encodeAttrd, decode: decodeAttrd, is: isAttrdMessage } = AttrdCodec;
