/**
 * Carrying out a transition graph as crm_simulate does with -S/-R ("Executing Cluster
 * Transition"): pass after pass over the actions in graph order, each fired once every action
 * it waits for is confirmed (an action fired confirms at once, so later ones may follow in the
 * same pass). What each does to the CIB's status:
 * - a resource action records the result the graph expects of it (7 for a probe, 8 for a
 *   monitor of the promoted role, else 0) in the node's history — or the result a -F
 *   specification asks for, which counts as a failure and stops the transition: no further
 *   resource, fencing or cluster action is fired, and what waits for the failed one never is;
 * - fencing (but `on`) takes the node down and clears its history and transient attributes;
 * - pseudo-actions and cluster actions (do_shutdown) change nothing.
 * The lines are Pacemaker's. Pure: it changes the CIB element it is given.
 */
import { Cib } from '@heartbeat-ts/cib/client';
import type { XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { transitionGraph, type GraphAction, type TransitionGraph } from './graph.js';
import { parseOperationSpec, StatusWriter } from './inject.js';
import type { Simulation } from './simulate.js';
import { buildWorkingSet, type WorkingSet } from './working-set.js';

export interface Execution {
  /** The "Executing Cluster Transition" lines, without their "  * " prefix. */
  lines: string[];
  /** The actions failed on purpose (-F), as "RSC_TASK_INTERVAL@NODE=RC". */
  failed: string[];
}

/** The resource's name on the action's node: an anonymous clone instance by the name of its history there. */
export function actionResourceName(a: GraphAction): string {
  if (a.rsc) return (a.node && a.rsc.historyNames?.get(a.node.name)) || a.rsc.id;
  const suffix = `_${a.operation}_${a.intervalMs}`;
  return a.key.endsWith(suffix) ? a.key.slice(0, -suffix.length) : a.key;
}

export function executeTransition(root: XmlElement, g: TransitionGraph, opts: { fail?: string[]; now: number }): Execution {
  const fail = (opts.fail ?? []).map((spec) => ({ spec, ...parseOperationSpec(spec) }));
  const confirmed = new Set<GraphAction>();
  const failedActions = new Set<GraphAction>();
  const lines: string[] = [];
  const failed: string[] = [];
  let aborted = false;
  const status = new StatusWriter(root);
  const fire = (a: GraphAction) => {
    const node = a.node?.name ?? '';
    if (a.type === 'pseudo_event') {
      lines.push(`Pseudo action:   ${a.key}${a.operation === 'stonith' && node ? ` on ${node}` : ''}`);
    } else if (a.type === 'crm_event' && a.operation === 'stonith') {
      const action = a.meta.stonith_action ?? 'reboot';
      lines.push(`Fencing ${node} (${action})`);
      if (action !== 'on') status.fenced(node);
    } else if (a.type === 'crm_event') {
      lines.push(`Cluster action:  ${a.operation} on ${node}`);
    } else {
      const name = actionResourceName(a);
      lines.push(`Resource action: ${name.padEnd(15)} ${a.operation}${a.intervalMs ? `=${a.intervalMs}` : ''} on ${node}`);
      const base = name.replace(/:\d+$/, '');
      const f = fail.find((x) => (x.rsc === name || x.rsc === base) && x.task === a.operation && x.intervalMs === a.intervalMs && x.node === node);
      const extra = a.meta.migrate_source !== undefined ? { migrate_source: a.meta.migrate_source, migrate_target: a.meta.migrate_target ?? '' } : undefined;
      const expectedRc = Number(a.meta.op_target_rc ?? 0);
      const rc = f ? f.rc : expectedRc;
      const [cls = '', ...rest] = (a.rsc?.agent ?? '').split(':');
      const agent = { class: cls, type: rest.pop() ?? '', ...(rest[0] ? { provider: rest[0] } : {}) };
      status.record({ rsc: name, task: a.operation, intervalMs: a.intervalMs, node, rc, expectedRc, failure: f !== undefined, agent, ...(extra ? { extra } : {}) }, opts.now);
      if (f) {
        // (As Pacemaker's simulator reports it, with the action's number in the graph.)
        lines.push(`Pretending action ${a.id} failed with rc=${f.rc}`);
        const suffix = `${name}#${a.operation}_${a.intervalMs}`;
        lines.push(`Injecting attribute fail-count-${suffix}=value++ into /node_state '${node}'`, `Injecting attribute last-failure-${suffix}=${opts.now} into /node_state '${node}'`);
        failed.push(f.spec);
        failedActions.add(a);
        aborted = true;
      }
    }
    confirmed.add(a);
  };
  // (An action fires in the pass after the one that confirmed what it waits for.)
  let before = new Set<GraphAction>();
  const ready = (a: GraphAction) => [...a.inputs].every((x) => before.has(x) && !failedActions.has(x));
  for (let progress = true; progress; ) {
    progress = false;
    before = new Set(confirmed);
    for (const a of g.actions) {
      if (confirmed.has(a) || !ready(a) || (aborted && a.type !== 'pseudo_event')) continue;
      fire(a);
      progress = true;
    }
  }
  return { lines, failed };
}

export interface TransitionRun {
  graph: TransitionGraph;
  execution: Execution;
  /** The CIB as the transition leaves it (crm_simulate -O). */
  cib: Cib;
  /** That CIB read back (for the Revised Cluster Status), worked out when first asked for. */
  readonly ws: WorkingSet;
}

/** Carries a simulation's transition out on a copy of its CIB, and reads the result back. */
export function runTransition(sim: Simulation, opts: { fail?: string[] } = {}): TransitionRun {
  const graph = transitionGraph(sim.ws, sim.schedule.fenced);
  const root = structuredClone(sim.ws.cib.root);
  const execution = executeTransition(root, graph, { now: sim.ws.now, ...(opts.fail ? { fail: opts.fail } : {}) });
  const cib = new Cib(root, sim.ws.cib.file);
  let ws: WorkingSet | undefined;
  return {
    graph,
    execution,
    cib,
    get ws() {
      return (ws ??= buildWorkingSet(cib, { now: sim.ws.now }));
    },
  };
}
