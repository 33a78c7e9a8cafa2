/** The fencer's local API: Unix socket <runDir>/fencer.sock, cluster-glue IPC, protocol `fencer` v1. */
import { defineClusterMessages, defineProtocol, type Infer, IpcClient, runtimePaths, s, socketPath } from '@heartbeat-ts/cluster-glue/client';

export const FenceEventSchema = s.object({
  target: s.string({ minLength: 1 }),
  action: s.string({ minLength: 1 }),
  status: s.enum(['success', 'failed'] as const),
  /** The device (or topology level's devices) that did it. */
  device: s.optional(s.string()),
  /** Who asked (a controller, stonith_admin), and the node that carried it out. */
  origin: s.string(),
  delegate: s.string(),
  /** When it ended, epoch ms; how long it took. */
  completed: s.integer({ min: 0 }),
  ms: s.integer({ min: 0 }),
  /** Why it failed (each device's result), or that an operator confirmed it. */
  reason: s.optional(s.string()),
});
export type FenceEvent = Infer<typeof FenceEventSchema>;

/** A fencing action under way: who asked (`client@node`), where it runs, since when (epoch ms). */
export const PendingFenceSchema = s.object({ target: s.string(), action: s.string(), origin: s.string(), delegate: s.string(), started: s.integer({ min: 0 }) });
export type PendingFence = Infer<typeof PendingFenceSchema>;

/** A pending action as crm_mon prints it ("reboot of n2 pending: client=controller, origin=n1"). */
export function pendingFenceText(p: PendingFence): string {
  const [client = '', origin = ''] = p.origin.split('@');
  return `${p.action} of ${p.target} pending: client=${client}, origin=${origin}`;
}

/** A pending action in Pacemaker's XML (`<fence_event status="pending">`; extended-status 2: executing). */
export function pendingFenceAttrs(p: PendingFence): Record<string, string> {
  const [client = '', origin = ''] = p.origin.split('@');
  return { action: p.action, target: p.target, client, origin, status: 'pending', 'extended-status': '2' };
}

export const FencerProtocol = defineProtocol({
  name: 'fencer',
  version: 1,
  requests: {
    /** Fence a node with the CIB's devices (topology first); answers when it is done, either way. */
    /** (`delayMs`: wait that long first — the controller's priority-fencing-delay —, on top of the devices' own delays.) */
    fence: { params: s.object({ target: s.string({ minLength: 1 }), action: s.enum(['reboot', 'off', 'on'] as const), origin: s.optional(s.string()), delayMs: s.optional(s.integer({ min: 0 })) }), result: FenceEventSchema },
    /**
     * The devices registered here (the CIB's that this node may use, and those registered by
     * `register`), with the nodes each can fence as configured; with `target`, those that can
     * fence it (asking their agents where the configuration says to).
     */
    devices: {
      params: s.object({ target: s.optional(s.string({ minLength: 1 })) }),
      result: s.object({ devices: s.array(s.object({ id: s.string(), agent: s.string(), hostCheck: s.string(), hosts: s.array(s.string()) })) }),
    },
    /** The nodes a device can fence: its configured list, else its agent's `list`. */
    targets: { params: s.object({ device: s.string({ minLength: 1 }) }), result: s.object({ targets: s.array(s.string()) }) },
    /** Whether a device works: its agent's `monitor` (else `list`) run here. */
    query: { params: s.object({ device: s.string({ minLength: 1 }) }), result: s.object({ ok: s.boolean(), output: s.string() }) },
    /** A device registered with this fencer alone, outside the CIB (stonith_admin --register); replaced if it exists. */
    register: { params: s.object({ id: s.string({ minLength: 1 }), agent: s.string({ minLength: 1 }), params: s.record(s.string()) }), result: s.object({}) },
    /** A device registered with `register` forgotten. */
    deregister: { params: s.object({ id: s.string({ minLength: 1 }) }), result: s.object({}) },
    /**
     * A topology level registered with this fencer alone (stonith_admin -r): `target` is a node
     * name, `@PATTERN` (a regular expression) or `ATTR=VALUE` (a node attribute); index 1-9.
     */
    'register-level': { params: s.object({ target: s.string({ minLength: 1 }), index: s.integer({ min: 1, max: 9 }), devices: s.array(s.string({ minLength: 1 }), { maxItems: 64 }) }), result: s.object({}) },
    /** That level forgotten (stonith_admin -d). */
    'deregister-level': { params: s.object({ target: s.string({ minLength: 1 }), index: s.integer({ min: 1, max: 9 }) }), result: s.object({}) },
    /** The history forgotten (of a target, or all), here and on every node (stonith_admin -H --cleanup). */
    'history-clear': { params: s.object({ target: s.optional(s.string()) }), result: s.object({ removed: s.integer({ min: 0 }) }) },
    /** An agent's `validate-all` with these parameters: its exit code and output. */
    validate: { params: s.object({ agent: s.string({ minLength: 1 }), params: s.record(s.string()) }), result: s.object({ rc: s.integer(), output: s.string() }) },
    /** Fencing actions this fencer carried out or was told of, oldest first. */
    history: { params: s.object({ target: s.optional(s.string()) }), result: s.object({ events: s.array(FenceEventSchema) }) },
    /** The fencing actions under way on this node's fencer (crm_mon's "Pending Fencing Actions"). */
    pending: { params: s.object({}), result: s.object({ actions: s.array(PendingFenceSchema) }) },
    /** An operator says the node is down (stonith_admin --confirm): recorded as a success. */
    confirm: { params: s.object({ target: s.string({ minLength: 1 }), origin: s.optional(s.string()) }), result: FenceEventSchema },
    /** The fence agents installed where this fencer looks. */
    installed: { params: s.object({}), result: s.object({ agents: s.array(s.string()) }) },
    /** A fence agent's meta-data XML. */
    metadata: { params: s.object({ agent: s.string({ minLength: 1 }) }), result: s.object({ xml: s.string() }) },
  },
  events: {
    /** Every fencing result this fencer learns of — its own, another node's, an operator's confirmation. */
    fenced: FenceEventSchema,
  },
});

/** A client of the fencer of the node under `root` (default /). */
export function connectFencer(name: string, root?: string, timeoutMs = 10 * 60_000) {
  return IpcClient.connect(FencerProtocol, { path: socketPath(runtimePaths(root ? { root } : {}), 'fencer'), name, timeoutMs });
}

/** A time as Pacemaker writes fencing times ("2026-11-27 09:52:55Z"). */
export const isoZ = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
/** The client and node that asked, as Pacemaker shows them (`client@node`). */
const asker = (e: FenceEvent) => (e.origin.includes('@') ? e.origin : `${e.origin}@${e.delegate}`);

/** A fencing event as Pacemaker's tools print it (crm_mon's "Fencing History", stonith_admin --history). */
export function fenceEventText(e: FenceEvent): string {
  if (e.status === 'success') return `${e.action} of ${e.target} by ${e.delegate} for ${asker(e)} successful at ${isoZ(e.completed)}`;
  const [client, origin] = asker(e).split('@');
  return `${e.action} of ${e.target} failed: delegate=${e.delegate}, client=${client}, origin=${origin}, last-failed='${isoZ(e.completed)}'`;
}

/** A fencing event's attributes in Pacemaker's XML (`<fence_event>`). */
export function fenceEventAttrs(e: FenceEvent): Record<string, string> {
  const [client = '', origin = ''] = asker(e).split('@');
  return { action: e.action, target: e.target, client, origin, status: e.status, delegate: e.delegate, [e.status === 'success' ? 'completed' : 'last-failed']: isoZ(e.completed) };
}

/**
 * The fencers' cluster messages (heartbeat messages, version 1): `stonith_event` — a fencing
 * action's result, sent by the fencer that carried it out (or was told of a confirmation) to
 * all, so that every node's history has it; `stonith_run` and `stonith_run_result` — a device
 * that this node may not use (its location constraints) is run by a node that may;
 * `stonith_history_req` and `stonith_history` — a node that sees another join asks for its
 * history, so that a node that (re)joins learns what happened meanwhile (and the others what
 * it knew).
 */
export const FencerCodec = defineClusterMessages(1, {
  stonith_event: FenceEventSchema,
  /** To the node that may use a device (its location constraints): run it for the target. `check`: first see whether it can fence the target (pcmk_host_check). */
  stonith_run: s.object({ id: s.string({ minLength: 1 }), target: s.string({ minLength: 1 }), action: s.enum(['reboot', 'off', 'on'] as const), device: s.string({ minLength: 1 }), check: s.boolean() }),
  /** Forget the history (of a target): stonith_admin --history --cleanup somewhere. */
  stonith_history_clear: s.object({ target: s.optional(s.string()) }),
  /** To a node that (re)joined: send me your history. */
  stonith_history_req: s.object({}),
  /** The answer: a part of the sender's history (at most HISTORY_CHUNK events a message). */
  stonith_history: s.object({ events: s.array(FenceEventSchema, { maxItems: 100 }) }),
  /** Its outcome, back to the asker: `capable` false when the device cannot fence the target (then it did not run). */
  stonith_run_result: s.object({ id: s.string({ minLength: 1 }), ok: s.boolean(), capable: s.boolean(), line: s.string() }),
});
