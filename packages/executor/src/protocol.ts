/**
 * The executor's API (Unix socket <runDir>/executor.sock, cluster-glue IPC, protocol
 * `executor` v1). Times are milliseconds. `exec` answers with the operation's (first)
 * result; the `op` event carries every one-shot result and each change of a recurring one.
 */
import { defineProtocol, type Infer, s } from '@heartbeat-ts/cluster-glue/client';

const strings = s.record(s.string());
const ms = s.integer({ min: 0, max: 7 * 24 * 3600 * 1000 });

export const OpRecordSchema = s.object({
  callId: s.integer(),
  rsc: s.string(),
  agent: s.string(),
  action: s.string(),
  intervalMs: s.integer({ min: 0 }),
  key: s.string(),
  rc: s.integer(),
  status: s.enum(['done', 'timeout', 'not-installed', 'error', 'cancelled'] as const),
  reason: s.string(),
  exitReason: s.optional(s.string()),
  exitCode: s.optional(s.integer()),
  execMs: s.integer({ min: 0 }),
  queueMs: s.integer({ min: 0 }),
  timeoutMs: s.integer({ min: 0 }),
  lastRun: s.integer(),
  lastRcChange: s.integer(),
  output: s.string(),
  digests: s.object({
    opDigest: s.string(),
    restartDigest: s.optional(s.string()),
    reloadable: s.optional(s.array(s.string())),
    secureDigest: s.optional(s.string()),
  }),
});

const rscName = s.string({ minLength: 1, maxLength: 256 });

export const ResourceHistorySchema = s.object({
  rsc: s.string(),
  agent: s.string(),
  params: strings,
  ops: s.array(OpRecordSchema),
  lastFailure: s.optional(OpRecordSchema),
});

export const ExecutorProtocol = defineProtocol({
  name: 'executor',
  version: 1,
  requests: {
    /** Run an action (interval > 0: start a recurring one); answers with the (first) result. */
    exec: {
      params: s.object({
        rsc: rscName,
        agent: s.string({ minLength: 1, maxLength: 512 }),
        action: s.string({ minLength: 1, maxLength: 64 }),
        interval: s.optional(ms),
        timeout: s.optional(ms),
        startDelay: s.optional(ms),
        params: s.optional(strings),
        meta: s.optional(strings),
        checkLevel: s.optional(s.integer({ min: 0 })),
      }),
      result: OpRecordSchema,
    },
    /** Stop a recurring operation. */
    cancel: { params: s.object({ rsc: rscName, action: s.string(), interval: ms }), result: s.object({ cancelled: s.boolean() }) },
    /** Cancel a resource's recurring operations and drop its history (cleanup). */
    forget: { params: s.object({ rsc: rscName }), result: s.object({ forgotten: s.boolean() }) },
    history: { params: s.object({ rsc: s.optional(rscName) }), result: s.object({ resources: s.array(ResourceHistorySchema) }) },
    recurring: { params: s.object({}), result: s.object({ ops: s.array(s.object({ rsc: s.string(), action: s.string(), intervalMs: s.integer(), callId: s.integer() })) }) },
    /** The agent's meta-data document (cached after the first call). */
    metadata: { params: s.object({ agent: s.string({ minLength: 1 }) }), result: s.object({ xml: s.string() }) },
    classes: { params: s.object({}), result: s.object({ classes: s.array(s.object({ name: s.string(), available: s.boolean(), note: s.optional(s.string()) })) }) },
    providers: { params: s.object({}), result: s.object({ providers: s.array(s.string()) }) },
    agents: { params: s.object({ class: s.optional(s.string()), provider: s.optional(s.string()) }), result: s.object({ agents: s.array(s.string()) }) },
    status: {
      params: s.object({}),
      result: s.object({ running: s.integer(), queued: s.integer(), recurring: s.integer(), completed: s.integer(), timeouts: s.integer(), maxParallel: s.integer() }),
    },
  },
  events: {
    op: OpRecordSchema,
  },
});

export type WireOpRecord = Infer<typeof OpRecordSchema>;
