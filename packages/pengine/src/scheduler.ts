/**
 * The scheduler as a service (the role of pacemaker-schedulerd): the DC's controller sends the
 * CIB, the scheduler answers with the transition — its summary, its graph in a wire form the
 * controller runs, and when to schedule again if nothing changes — and keeps the input as a
 * numbered pe-input file for `crm_simulate -x`. Protocol `scheduler` v1 on
 * `<runDir>/scheduler.sock` (cluster-glue IPC). `computeTransition()` is the pure part.
 */
import { defineProtocol, type Infer, parseCrmDurationMs, s, serializeXml } from '@heartbeat-ts/cluster-glue/client';
import { Cib } from '@heartbeat-ts/cib/client';
import { actionResourceName } from './execute.js';
import { type GraphAction, transitionGraph, type TransitionGraph } from './graph.js';
import { seriesMax } from './pe-inputs.js';
import { schedule } from './schedule.js';
import { buildWorkingSet, type WorkingSet } from './working-set.js';

const WireActionSchema = s.object({
  id: s.integer({ min: 0 }),
  type: s.enum(['rsc_op', 'pseudo_event', 'crm_event'] as const),
  /** start, stop, monitor, promote, demote, migrate_to, migrate_from, stonith, do_shutdown, running... */
  operation: s.string({ minLength: 1 }),
  /** Pacemaker's operation key (RSC_TASK_INTERVAL, stonith-NODE-ACTION...). */
  key: s.string({ minLength: 1 }),
  node: s.optional(s.string()),
  /** Resource operations: the name the node's executor knows the resource by, and its agent (class:provider:type). */
  rsc: s.optional(s.object({ name: s.string({ minLength: 1 }), agent: s.optional(s.string()) })),
  intervalMs: s.integer({ min: 0 }),
  /** CRM_meta_* attributes, without the prefix (timeout, op_target_rc...). */
  meta: s.record(s.string()),
  params: s.record(s.string()),
  /** Ids of the actions that must complete first. */
  inputs: s.array(s.integer({ min: 0 })),
});
export type WireAction = Infer<typeof WireActionSchema>;

const WireTransitionSchema = s.object({
  /** The Transition Summary lines, without the leading "* ". */
  summary: s.array(s.string()),
  actions: s.array(WireActionSchema),
  /** The graph's options: cluster-delay, batch-limit, stonith-max-attempts (ms / counts). */
  clusterDelayMs: s.integer({ min: 0 }),
  batchLimit: s.integer({ min: 0 }),
  stonithMaxAttempts: s.integer({ min: 1 }),
  /** When to schedule again if nothing happens before (cluster-recheck-interval, a failure-timeout expiring): epoch ms. */
  recheckAt: s.nullable(s.number()),
  /** The scheduler input kept for replay (pe-input-N.gz), when the graph has something to do. */
  input: s.optional(s.string()),
});
export type WireTransition = Infer<typeof WireTransitionSchema>;

/** stonith-max-attempts when the CIB does not say (Pacemaker's default). */
const STONITH_MAX_ATTEMPTS = 10;

export const SchedulerProtocol = defineProtocol({
  name: 'scheduler',
  // (2: the transition carries stonith-max-attempts.)
  version: 2,
  requests: {
    /** The transition for this CIB (the live one, as the DC read it). */
    schedule: { params: s.object({ cib: s.string({ minLength: 1 }) }), result: WireTransitionSchema },
  },
  events: {},
});

/** A graph action as the transition engine runs it: its inputs resolved to actions. */
export interface RunnableAction extends Omit<WireAction, 'inputs'> {
  inputs: Set<RunnableAction>;
}

export function toWireAction(a: GraphAction): WireAction {
  return {
    id: a.id,
    type: a.type,
    operation: a.operation,
    key: a.key,
    ...(a.node ? { node: a.node.name } : {}),
    ...(a.rsc ? { rsc: { name: actionResourceName(a), ...(a.rsc.agent ? { agent: a.rsc.agent } : {}) } } : {}),
    intervalMs: a.intervalMs,
    meta: a.meta,
    params: a.params,
    inputs: [...a.inputs].map((x) => x.id),
  };
}

/** The wire graph's actions with their inputs linked; an input naming no action of the graph is an error. */
export function runnableActions(actions: WireAction[]): RunnableAction[] {
  const byId = new Map<number, RunnableAction>();
  const out = actions.map((w) => {
    const a: RunnableAction = { ...w, inputs: new Set() };
    byId.set(w.id, a);
    return a;
  });
  actions.forEach((w, i) => {
    for (const id of w.inputs) {
      const x = byId.get(id);
      if (!x) throw new Error(`transition graph: action ${w.id} (${w.key}) waits for action ${id}, which the graph does not have`);
      out[i]!.inputs.add(x);
    }
  });
  return out;
}

/**
 * When the cluster must be scheduled again with nothing else happening: cluster-recheck-interval
 * from now, or sooner when a failure expires (failure-timeout after its last-failure). Epoch ms.
 */
export function recheckBy(ws: WorkingSet, now = Date.now()): number | null {
  const intervalMs = parseCrmDurationMs(ws.cib.property('cluster-recheck-interval') ?? '15min') ?? 15 * 60_000;
  let at = intervalMs > 0 ? now + intervalMs : Infinity;
  for (const n of ws.nodes) {
    for (const [k, v] of Object.entries(n.attrs)) {
      const m = /^last-failure-(.+)#/.exec(k);
      if (!m) continue;
      const r = ws.byId.get(m[1]!) ?? [...ws.byId.values()].find((x) => x.id.replace(/:\d+$/, '') === m[1]);
      const timeoutMs = parseCrmDurationMs(r?.meta['failure-timeout'] ?? '0') ?? 0;
      const expires = (Number(v) || 0) * 1000 + timeoutMs + 1000;
      if (timeoutMs > 0 && expires > now) at = Math.min(at, expires);
    }
  }
  return Number.isFinite(at) ? at : null;
}

/** Whether a graph has anything to do beyond pseudo-actions. */
export const graphHasWork = (actions: { type: string }[]) => actions.some((a) => a.type !== 'pseudo_event');

/**
 * Schedules a CIB: the transition, in wire form. When it has work and `save` is given, the
 * input is saved with it (e.g. PeInputStore.save) (with the time it was scheduled at, so that it replays the same).
 */
export function computeTransition(cibXml: string, opts: { save?: (xml: string, seriesMax: number) => string | undefined; what?: string } = {}): WireTransition & { graph: TransitionGraph } {
  const ws = buildWorkingSet(Cib.parse(cibXml, opts.what ?? 'the CIB'));
  const sched = schedule(ws);
  const graph = transitionGraph(ws, sched.fenced);
  let input: string | undefined;
  if (opts.save && graphHasWork(graph.actions)) {
    const root = { ...ws.cib.root, attrs: { ...ws.cib.root.attrs, 'execution-date': String(ws.now) } };
    input = opts.save(serializeXml(root), seriesMax(ws.cib.property('pe-input-series-max')));
  }
  return {
    graph,
    summary: sched.summary.map((e) => e.text),
    actions: graph.actions.map(toWireAction),
    clusterDelayMs: parseCrmDurationMs(ws.cib.property('cluster-delay') ?? '60s') ?? 60_000,
    batchLimit: Math.max(0, Number(ws.cib.property('batch-limit') ?? 0) || 0),
    stonithMaxAttempts: Math.max(1, Number.parseInt(ws.cib.property('stonith-max-attempts') ?? '', 10) || STONITH_MAX_ATTEMPTS),
    recheckAt: recheckBy(ws),
    ...(input ? { input } : {}),
  };
}
