/**
 * The heartbeat client API (Unix socket <runDir>/heartbeat.sock, cluster-glue IPC):
 * what cl_status, the CRM and any other cluster client use. Version 1.
 */
import { defineProtocol, type Infer, s } from '@heartbeat-ts/cluster-glue/client';

export const NodeStatusSchema = s.enum(['init', 'up', 'active', 'dead', 'ping'] as const);
export const LinkStatusSchema = s.enum(['up', 'dead'] as const);

export const NodeInfoSchema = s.object({
  name: s.string(),
  type: s.enum(['normal', 'ping'] as const),
  status: NodeStatusSchema,
  /** hex, 32 digits; null before we heard from it */
  uuid: s.nullable(s.string()),
  /** The node's deadtime as it announces it (heartbeat 3 adds 2 s during its first 5 s). */
  deadtimeMs: s.integer({ min: 0 }),
  links: s.array(s.object({ name: s.string(), status: LinkStatusSchema })),
});
export type NodeInfoMsg = Infer<typeof NodeInfoSchema>;

export const MembershipSchema = s.object({
  /** Grows by one at every change of the member list seen by this node. */
  generation: s.integer({ min: 0 }),
  members: s.array(s.string()),
  quorum: s.boolean(),
});
export type Membership = Infer<typeof MembershipSchema>;

export const ClusterMessageSchema = s.object({
  from: s.string(),
  type: s.string(),
  /** Every string field of the message, `t` and heartbeat's control fields included. */
  fields: s.record(s.string()),
});
export type ClusterMessage = Infer<typeof ClusterMessageSchema>;

export const HeartbeatProtocol = defineProtocol({
  name: 'heartbeat',
  version: 1,
  requests: {
    /** This node, the cluster's nodes, and whether communication is up. */
    nodes: {
      params: s.object({}),
      result: s.object({ me: s.string(), commUp: s.boolean(), nodes: s.array(NodeInfoSchema) }),
    },
    node: { params: s.object({ name: s.string() }), result: NodeInfoSchema },
    membership: { params: s.object({}), result: MembershipSchema },
    /** ha.cf parameters by heartbeat's names (cl_status hbparameter). */
    parameters: { params: s.object({}), result: s.object({ values: s.record(s.string()) }) },
    /** Sends a cluster message to every node, or to one (`to`). Field names t, src, seq... are reserved. */
    send: {
      params: s.object({ type: s.string({ minLength: 1, maxLength: 64 }), to: s.optional(s.string()), fields: s.record(s.string()) }),
      result: s.object({}),
    },
    /**
     * The cluster messages this client wants as `message` events: those whose type starts with
     * one of `prefixes` (its own included). Until it asks, or after asking with none, it gets
     * every message. Asked again after a reconnect (see subscribeMessages).
     */
    'message-types': { params: s.object({ prefixes: s.array(s.string({ minLength: 1, maxLength: 64 }), { maxItems: 32 }) }), result: s.object({}) },
    /** haresources mode: give up groups (hb_standby) or ask for the others' (hb_takeover). */
    standby: { params: s.object({ which: s.enum(['all', 'local', 'foreign'] as const) }), result: s.object({}) },
    takeover: { params: s.object({ which: s.enum(['all', 'local', 'foreign'] as const) }), result: s.object({}) },
    /** Daemon state for operators and tests. */
    status: {
      params: s.object({}),
      result: s.object({
        node: s.string(),
        pid: s.integer(),
        generation: s.integer(),
        uptimeMs: s.integer(),
        counters: s.record(s.integer({ min: 0 })),
        badPackets: s.record(s.integer({ min: 0 })),
        clients: s.array(s.string()),
        resources: s.enum(['all', 'local', 'foreign', 'none', 'transition'] as const),
        /** haresources mode: keys of the groups this node holds. */
        groups: s.array(s.string()),
      }),
    },
  },
  events: {
    'node-status': s.object({ node: s.string(), status: NodeStatusSchema, previous: NodeStatusSchema }),
    'link-status': s.object({ node: s.string(), link: s.string(), status: LinkStatusSchema }),
    membership: MembershipSchema,
    message: ClusterMessageSchema,
  },
});
