/**
 * A node's resource history as the CIB's status section holds it: the executor's history (each
 * operation key's last result, and the last failure) written as Pacemaker's controller writes
 * it — `<lrm><lrm_resources><lrm_resource id class provider type><lrm_rsc_op .../>` — so that
 * the scheduler (ours, or Pacemaker's crm_simulate on a copy of the live CIB) reads it back:
 * - the latest one-off operation as RSC_last_0 (start, stop, probe, promote, demote...);
 *   migrate_to and migrate_from under their own keys, as Pacemaker keeps them apart;
 * - each recurring operation that runs as its key (RSC_monitor_10000); cancelled ones are gone;
 * - the last failure as RSC_last_failure_0;
 * - attributes: operation_key, operation, transition-key and -magic (the action, transition,
 *   expected result and DC that asked for it), call-id, rc-code, op-status (Pacemaker's
 *   execution status codes), interval, last-rc-change and last-run (seconds), exec-time and
 *   queue-time (ms), op-digest / op-restart-digest / op-secure-digest, exit-reason.
 * Pure.
 */
import type { Infer, XmlElement } from '@heartbeat-ts/cluster-glue/client';
import type { ResourceHistorySchema, WireOpRecord } from '@heartbeat-ts/executor';

/** The executor's history of a resource, as its socket gives it. */
export type ResourceHistory = Infer<typeof ResourceHistorySchema>;
export type OpRecord = WireOpRecord;

/** Pacemaker's execution status codes (PCMK_EXEC_*) for the executor's. */
const OP_STATUS: Record<OpRecord['status'], string> = { done: '0', cancelled: '1', timeout: '2', error: '4', 'not-installed': '7' };

/** No transition: what a key looks like for a result nobody asked for (as Pacemaker's fake keys). */
export const NO_DC = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

export function agentAttrs(agent: string): { class: string; provider?: string; type: string } {
  const parts = agent.split(':');
  if (parts.length === 3) return { class: parts[0]!, provider: parts[1]!, type: parts[2]! };
  if (parts.length === 2) return { class: parts[0]!, type: parts[1]! };
  return { class: 'ocf', type: agent };
}

/** The result an operation was expected to have when nobody recorded what was asked: a probe expects whatever it found if that is a known state, a recurring monitor that it runs. */
export function defaultExpectedRc(op: Pick<OpRecord, 'action' | 'intervalMs' | 'rc'>): number {
  if (op.action === 'monitor' && op.intervalMs === 0) return op.rc === 0 || op.rc === 8 ? op.rc : 7;
  if (op.action === 'monitor') return op.rc === 8 ? 8 : 0;
  return 0;
}

function opElement(id: string, op: OpRecord, node: string, transitionKey: string | undefined, params: Record<string, string>): XmlElement {
  const key = transitionKey ?? `${op.callId}:-1:${defaultExpectedRc(op)}:${NO_DC}`;
  const status = OP_STATUS[op.status] ?? '4';
  const attrs: Record<string, string> = {
    id,
    operation_key: `${op.rsc}_${op.action}_${op.intervalMs}`,
    operation: op.action,
    'crm-debug-origin': 'hbts-controld',
    crm_feature_set: '3.16.1',
    'transition-key': key,
    'transition-magic': `${status}:${op.rc};${key}`,
    'exit-reason': op.exitReason ?? '',
    on_node: node,
    'call-id': String(op.callId),
    'rc-code': String(op.rc),
    'op-status': status,
    interval: String(op.intervalMs),
    'last-rc-change': String(Math.floor(op.lastRcChange / 1000)),
    'last-run': String(Math.floor(op.lastRun / 1000)),
    'exec-time': String(op.execMs),
    'queue-time': String(op.queueMs),
    'op-digest': op.digests.opDigest,
  };
  // (The restart digest covers the parameters a change of which needs a restart: those not reloadable.)
  if (op.digests.restartDigest !== undefined) {
    const reloadable = new Set(op.digests.reloadable ?? []);
    attrs['op-force-restart'] = ` ${Object.keys(params).filter((k) => !reloadable.has(k)).sort().join(' ')} `;
    attrs['op-restart-digest'] = op.digests.restartDigest;
  }
  if (op.digests.secureDigest !== undefined) attrs['op-secure-digest'] = op.digests.secureDigest;
  return { name: 'lrm_rsc_op', attrs, children: [] };
}

/**
 * The `<lrm>` element of a node's `node_state` for its executor's history.
 * `transitionKeys`: the transition key each call was made under (by call id), where known.
 */
export function lrmElement(nodeId: string, node: string, histories: readonly ResourceHistory[], transitionKeys: ReadonlyMap<number, string> = new Map()): XmlElement {
  const resources: XmlElement[] = [];
  for (const h of histories) {
    const ops: XmlElement[] = [];
    const live = h.ops.filter((o) => o.status !== 'cancelled' || o.intervalMs === 0);
    const oneOff = live.filter((o) => o.intervalMs === 0 && o.action !== 'migrate_to' && o.action !== 'migrate_from');
    const last = oneOff.reduce<OpRecord | undefined>((a, o) => (!a || o.callId > a.callId ? o : a), undefined);
    if (last) ops.push(opElement(`${h.rsc}_last_0`, last, node, transitionKeys.get(last.callId), h.params));
    for (const o of live) {
      if (o.action === 'migrate_to' || o.action === 'migrate_from') ops.push(opElement(`${h.rsc}_${o.action}_0`, o, node, transitionKeys.get(o.callId), h.params));
      else if (o.intervalMs > 0) ops.push(opElement(`${h.rsc}_${o.action}_${o.intervalMs}`, o, node, transitionKeys.get(o.callId), h.params));
    }
    if (h.lastFailure) ops.push(opElement(`${h.rsc}_last_failure_0`, h.lastFailure, node, transitionKeys.get(h.lastFailure.callId), h.params));
    if (!ops.length) continue;
    const a = agentAttrs(h.agent);
    resources.push({ name: 'lrm_resource', attrs: { id: h.rsc, type: a.type, class: a.class, ...(a.provider ? { provider: a.provider } : {}) }, children: ops });
  }
  return { name: 'lrm', attrs: { id: nodeId }, children: [{ name: 'lrm_resources', attrs: {}, children: resources }] };
}
