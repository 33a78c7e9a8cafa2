/** The controller's local API (Unix socket <runDir>/controller.sock, cluster-glue IPC, protocol `controller` v1): its view of the cluster, for tools and tests. */
import { defineProtocol, type Infer, IpcClient, runtimePaths, s, socketPath } from '@heartbeat-ts/cluster-glue/client';

const TransitionInfoSchema = s.object({
  id: s.integer({ min: 0 }),
  /** What led to it: membership changed, configuration changed, transition ended... */
  reason: s.string(),
  actions: s.integer({ min: 0 }),
  /** The Transition Summary lines. */
  summary: s.array(s.string()),
  state: s.enum(['running', 'complete', 'aborted', 'failed'] as const),
  startedAt: s.integer(),
  endedAt: s.optional(s.integer()),
  abortReason: s.optional(s.string()),
  /** The scheduler input saved for it (pe-input-N.gz: crm_simulate -x replays it). */
  input: s.optional(s.string()),
  failed: s.optional(s.array(s.string())),
});
export type TransitionInfo = Infer<typeof TransitionInfoSchema>;

export const ControllerProtocol = defineProtocol({
  name: 'controller',
  version: 1,
  requests: {
    status: {
      params: s.object({}),
      result: s.object({
        node: s.string(),
        dc: s.nullable(s.string()),
        isDc: s.boolean(),
        generation: s.integer({ min: 0 }),
        members: s.array(s.string()),
        /** Transitions this node ran as DC. */
        transitions: s.integer({ min: 0 }),
        current: s.optional(TransitionInfoSchema),
        last: s.optional(TransitionInfoSchema),
        /** Controller messages dropped because they did not parse. */
        badMessages: s.integer({ min: 0 }),
        /** When this controller started (epoch ms): how long a cluster without a DC has been waiting. */
        startedAt: s.optional(s.integer()),
        /** When the membership last changed (epoch ms). */
        membershipChangedAt: s.optional(s.integer()),
      }),
    },
    /** crm_resource --cleanup: every node (or one) forgets the resource's history and fail counts; the DC probes it again. */
    cleanup: { params: s.object({ rsc: s.string({ minLength: 1 }), node: s.optional(s.string()) }), result: s.object({ nodes: s.array(s.string()) }) },
  },
  events: {},
});

/** A client of the controller of the node under `root` (the runtime root; default /). */
export function connectController(name: string, root?: string) {
  return IpcClient.connect(ControllerProtocol, { path: socketPath(runtimePaths(root ? { root } : {}), 'controller'), name });
}
