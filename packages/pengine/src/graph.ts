/**
 * The transition graph: the actions that carry out a schedule, with the orderings between
 * them, in Pacemaker's graph XML (`crm_simulate -G`, what the controller executes).
 *
 * Built from the working set after `schedule()` placed every resource:
 * - per primitive: probes (`monitor_0`, expected "not running") on online nodes where its
 *   state is unknown; stop where it stops (a pseudo-action on a node being fenced); start where
 *   it starts; migrate_to/migrate_from for a live migration (its start then is a pseudo-action);
 *   demote/promote for role changes; the recurring operations configured for its next role
 *   that are not running yet (or restart with it);
 * - per group and clone: the pseudo-actions start/running, stop/stopped (and promote/promoted,
 *   demote/demoted for promotable clones) around their members' actions;
 * - fencing (`stonith`) of unclean nodes, before the stops it implies and before starts of
 *   resources that require fencing; `do_shutdown` for nodes shutting down, after their stops;
 * - orderings: stop before start, probes before start, start before monitors and promote,
 *   demote before stop, migrate_to before migrate_from before stop; group members in sequence;
 *   ordering constraints (and their symmetrical inverse) between the actions they name.
 * Pure. Not built yet: notifications (clone notify=true), Stopped-role monitors, cancellations of
 * recurring operations whose role no longer applies, reloads, clear_failcount, bundles and
 * remote nodes.
 */
import { attributeSets } from '@heartbeat-ts/cib/client';
import { isElement, type XmlElement, parseCrmDurationMs } from '@heartbeat-ts/cluster-glue/client';
import { ruleHolds } from './rules.js';
import { parseScore } from './scores.js';
import { actionParams, canMigrate, isManaged, isTrue, nodesToUnfence, primitives, setValues, type NodeInfo, type Role, type Rsc, type WorkingSet } from './working-set.js';

export type GraphActionType = 'rsc_op' | 'pseudo_event' | 'crm_event';

export interface GraphAction {
  id: number;
  type: GraphActionType;
  /** start, stop, monitor, promote, demote, migrate_to, migrate_from, running, stopped, stonith, do_shutdown... */
  operation: string;
  /** Pacemaker's operation key: RSC_TASK_INTERVAL, or stonith-NODE-ACTION. */
  key: string;
  /** The key by the instance's own name, when the key uses the name its history was recorded under. */
  internalKey?: string;
  rsc?: Rsc;
  node?: NodeInfo;
  intervalMs: number;
  /** CRM_meta_* attributes, without the prefix. */
  meta: Record<string, string>;
  /** Instance parameters (resource operations). */
  params: Record<string, string>;
  /** Actions that must complete first. */
  inputs: Set<GraphAction>;
}

export interface TransitionGraph {
  actions: GraphAction[];
  attrs: Record<string, string>;
}

const collective = (r: Rsc) => r.kind !== 'primitive';
/** A collective's action as a `first`: its completion pseudo-action. */
const done: Record<string, string> = { start: 'running', stop: 'stopped', promote: 'promoted', demote: 'demoted' };
const invert: Record<string, string> = { start: 'stop', stop: 'start', promote: 'demote', demote: 'promote' };

class Builder {
  readonly actions: GraphAction[] = [];
  private readonly byUid = new Map<string, GraphAction>();
  /** Each resource's actions, in the order they were added. */
  private readonly byRsc = new Map<Rsc, GraphAction[]>();

  readonly opDefaults: Record<string, string>;

  constructor(ws: WorkingSet) {
    const s = ws.cib.section('op_defaults');
    this.opDefaults = s ? setValues(attributeSets(s, 'meta_attributes'), { attrs: {}, now: ws.now }) : {};
  }

  get(key: string, node?: NodeInfo): GraphAction | undefined {
    return this.byUid.get(`${key}@${node?.name ?? ''}`);
  }

  add(type: GraphActionType, operation: string, key: string, opts: { rsc?: Rsc; node?: NodeInfo; intervalMs?: number; meta?: Record<string, string>; params?: Record<string, string>; internalKey?: string } = {}): GraphAction {
    const uid = `${opts.internalKey ?? key}@${opts.node?.name ?? ''}`;
    const have = this.byUid.get(uid);
    if (have) return have;
    const a: GraphAction = { id: this.actions.length, type, operation, key, ...(opts.internalKey ? { internalKey: opts.internalKey } : {}), intervalMs: opts.intervalMs ?? 0, meta: opts.meta ?? {}, params: opts.params ?? {}, inputs: new Set(), ...(opts.rsc ? { rsc: opts.rsc } : {}), ...(opts.node ? { node: opts.node } : {}) };
    this.actions.push(a);
    this.byUid.set(uid, a);
    if (opts.rsc) (this.byRsc.get(opts.rsc) ?? this.byRsc.set(opts.rsc, []).get(opts.rsc)!).push(a);
    return a;
  }

  order(first: GraphAction | undefined, then: GraphAction | undefined): void {
    if (first && then && first !== then) then.inputs.add(first);
  }

  /** A resource's actions of one task (every node), pseudo ones included. */
  of(r: Rsc, task: string): GraphAction[] {
    return (this.byRsc.get(r) ?? []).filter((a) => a.operation === task && a.intervalMs === 0);
  }

  pseudo(r: Rsc, task: string): GraphAction {
    return this.add('pseudo_event', task, `${r.id}_${task}_0`, { rsc: r, meta: { timeout: String(this.timeoutMs(r, task, 0)) } });
  }

  timeoutMs(r: Rsc, name: string, intervalMs: number): number {
    const op = r.ops.find((o) => o.name === name && o.intervalMs === intervalMs);
    const t = op?.timeout ?? this.opDefaults.timeout;
    return (t !== undefined ? parseCrmDurationMs(t) : undefined) ?? 20000;
  }

}

function roleOf(r: Rsc, node: string): Role | undefined {
  return r.active.get(node);
}

function promotable(r: Rsc): boolean {
  for (let p = r.parent; p; p = p.parent) if (p.kind === 'clone') return p.clone?.promotable === true;
  return false;
}

/** What placement decided for a primitive, as actions. */
function primitiveActions(b: Builder, ws: WorkingSet, p: Rsc): void {
  const node = (n: string) => ws.node.get(n)!;
  const opMeta = (name: string, intervalMs: number, n?: NodeInfo, extra: Record<string, string> = {}): Record<string, string> => ({
    ...extra,
    ...(intervalMs ? { interval: String(intervalMs), name } : {}),
    ...(n ? { on_node: n.name, on_node_uuid: n.id } : {}),
    timeout: String(b.timeoutMs(p, name, intervalMs)),
  });
  const op = (task: string, n: NodeInfo, intervalMs = 0, extra: Record<string, string> = {}) =>
    b.add('rsc_op', task, `${p.historyName ?? p.id}_${task}_${intervalMs}`, { rsc: p, node: n, intervalMs, meta: opMeta(task, intervalMs, n, extra), params: actionParams(ws, p, n.name, task, intervalMs), ...(p.historyName ? { internalKey: `${p.id}_${task}_${intervalMs}` } : {}) });
  const pseudoOp = (task: string) => b.add('pseudo_event', task, `${p.id}_${task}_0`, { rsc: p, meta: { timeout: String(b.timeoutMs(p, task, 0)) } });

  // Probes where its state is unknown.
  // (Probes on the nodes in reverse order: Pacemaker numbers them so, and the simulated run follows the numbering.)
  for (const n of [...ws.nodes].reverse()) if (probeWanted(ws, p, n)) op('monitor', n, 0, { op_target_rc: '7' });
  if (!isManaged(ws, p) || p.blocked) return;

  const cur = [...p.active.keys()];
  const next = p.next ?? null;
  const restartHere = next !== null && cur.includes(next) && (p.failed.has(next) || p.restartFor !== undefined || cur.length > 1);
  const stopOn = cur.filter((c) => c !== next || restartHere);
  const starting = next !== null && (!cur.includes(next) || restartHere);
  const fenced = (n: string) => ws.node.get(n)?.unclean === true;
  const migrating = starting && cur.length === 1 && !restartHere && canMigrate(ws, p, cur[0]!);
  const nextRole: Role = p.nextRole ?? (promotable(p) ? 'Unpromoted' : 'Started');

  const stops = new Map<string, GraphAction>();
  const demotes = new Map<string, GraphAction>();
  for (const c of cur) {
    const role = roleOf(p, c);
    const stopping = stopOn.includes(c) || (p.stopOnly && next === null);
    if (role === 'Promoted' && (stopping || next !== c || nextRole !== 'Promoted')) demotes.set(c, fenced(c) ? pseudoOp('demote') : op('demote', node(c)));
    if (stopping && !p.stopBlocked) stops.set(c, fenced(c) ? pseudoOp('stop') : op('stop', node(c)));
  }
  for (const [c, d] of demotes) b.order(d, stops.get(c));
  // The source of a completed migration is cleaned up with a stop.
  for (const c of p.dangling ?? []) if (ws.node.get(c)?.online) stops.set(c, op('stop', node(c)));

  let start: GraphAction | undefined;
  let promote: GraphAction | undefined;
  if (next !== null) {
    const n = node(next);
    if (migrating) {
      const src = node(cur[0]!);
      const to = op('migrate_to', src, 0, { migrate_source: src.name, migrate_target: n.name, record_pending: 'true' });
      const from = op('migrate_from', n, 0, { migrate_source: src.name, migrate_target: n.name });
      start = pseudoOp('start');
      b.order(to, from);
      b.order(from, stops.get(src.name));
      b.order(from, start);
    } else if (starting) start = op('start', n);
    for (const s of stops.values()) b.order(s, start);
    const curRole = roleOf(p, next);
    if (nextRole === 'Promoted' && (starting || curRole !== 'Promoted' || restartHere)) {
      promote = op('promote', n);
      b.order(start, promote);
      for (const d of demotes.values()) b.order(d, promote);
    }
    // Recurring operations for the role it will have.
    for (const o of p.ops) {
      if (o.intervalMs === 0 || isTrue(o.attrs.enabled ?? 'true') === false) continue;
      const opRole = o.role ? normalizeRole(o.role) : undefined;
      if (opRole === 'Stopped') continue;
      const applies = opRole ? opRole === nextRole || (opRole === 'Started' && nextRole === 'Unpromoted' && false) : nextRole !== 'Promoted';
      if (!applies) continue;
      const running = p.recurring.get(next)?.has(`${o.name}_${o.intervalMs}`) === true;
      const roleChanges = (curRole ?? 'Stopped') !== nextRole && !(curRole === 'Started' && nextRole === 'Unpromoted');
      if (running && !starting && !roleChanges && !restartHere) continue;
      const mon = op(o.name, n, o.intervalMs, nextRole === 'Promoted' ? { role: 'Promoted', op_target_rc: '8' } : opRole ? { role: opRole } : {});
      b.order(start, mon);
      if (nextRole === 'Promoted') b.order(promote, mon);
      else for (const d of demotes.values()) b.order(d, mon);
    }
  }
}

function normalizeRole(r: string): Role {
  const x = r.toLowerCase();
  if (x === 'master' || x === 'promoted') return 'Promoted';
  if (x === 'slave' || x === 'unpromoted') return 'Unpromoted';
  if (x === 'stopped') return 'Stopped';
  return 'Started';
}

function anonymousInstance(p: Rsc): boolean {
  for (let x = p.parent; x; x = x.parent) if (x.kind === 'clone') return !x.clone?.unique;
  return false;
}

/**
 * Whether p is probed on n: an online node without history of it (discovery allowing). With
 * `pending`, the question is asked of a node still joining (a probe that cannot run yet).
 */
/** The location constraints by the resource they name, worked out once per working set. */
const locationIndex = new WeakMap<WorkingSet, Map<string, WorkingSet['constraints']>>();
function locationsOf(ws: WorkingSet): Map<string, WorkingSet['constraints']> {
  let m = locationIndex.get(ws);
  if (!m) {
    m = new Map();
    for (const c of ws.constraints) if (c.kind === 'rsc_location' && c.attrs.rsc !== undefined) (m.get(c.attrs.rsc) ?? m.set(c.attrs.rsc, []).get(c.attrs.rsc)!).push(c);
    locationIndex.set(ws, m);
  }
  return m;
}

const probesEnabled = new WeakMap<WorkingSet, boolean>();
function startupProbes(ws: WorkingSet): boolean {
  let v = probesEnabled.get(ws);
  if (v === undefined) probesEnabled.set(ws, (v = isTrue(ws.cib.property('enable-startup-probes') ?? 'true')));
  return v;
}

export function probeWanted(ws: WorkingSet, p: Rsc, n: NodeInfo, pending = false): boolean {
  if (!(pending ? n.pending : n.online) || n.unclean || p.known.has(n.name) || p.orphan) return false;
  if (!startupProbes(ws)) return false;
  const names = new Set<string>();
  for (let x: Rsc | undefined = p; x; x = x.parent) names.add(x.id).add(x.id.replace(/:\d+$/, ''));
  let exclusive = false;
  let named = false;
  for (const c of [...names].flatMap((id) => locationsOf(ws).get(id) ?? [])) {
    const discovery = (c.attrs['resource-discovery'] ?? 'always').toLowerCase();
    if (discovery === 'never' && c.attrs.node === n.name) return false;
    if (discovery === 'exclusive') {
      exclusive = true;
      if (c.attrs.node === n.name || c.rules.some((rule) => ruleHolds(rule, { attrs: n.attrs, now: ws.now }))) named = true;
    }
  }
  // resource-discovery=exclusive: probed only where such a constraint names the node.
  if (exclusive && !named) return false;
  // An anonymous clone is probed once per node, through the instance placed there (else a free one).
  if (anonymousInstance(p)) {
    let clone: Rsc | undefined = p.parent;
    while (clone && clone.kind !== 'clone') clone = clone.parent;
    if (clone) {
      const base = p.id.replace(/:\d+$/, '');
      const insts = clone.children.flatMap((i) => primitives(i)).filter((x) => x.id.replace(/:\d+$/, '') === base);
      const chosen = insts.find((x) => x.next === n.name || x.active.has(n.name)) ?? insts.find((x) => !x.next && !x.active.size) ?? insts[0];
      return chosen === p;
    }
  }
  return true;
}

/** Pseudo-actions of groups and clones around their children's actions. */
function collectiveActions(b: Builder, r: Rsc): void {
  for (const c of r.children) if (collective(c)) collectiveActions(b, c);
  const childActs = (c: Rsc, task: string): GraphAction[] => (collective(c) ? [b.get(`${c.id}_${done[task]}_0`)].filter((x): x is GraphAction => !!x) : b.of(c, task));
  const childStarts = (c: Rsc, task: string): GraphAction[] => (collective(c) ? [b.get(`${c.id}_${task}_0`)].filter((x): x is GraphAction => !!x) : b.of(c, task));
  for (const task of ['start', 'stop', 'promote', 'demote']) {
    if ((task === 'promote' || task === 'demote') && !(r.kind === 'clone' && r.clone?.promotable)) continue;
    if (!r.children.some((c) => childActs(c, task).length)) continue;
    const begin = b.pseudo(r, task);
    const end = b.pseudo(r, done[task]!);
    b.order(begin, end);
    for (const c of r.children) {
      for (const a of childStarts(c, task)) b.order(begin, a);
      for (const a of childActs(c, task)) b.order(a, end);
    }
  }
  // Members in sequence: a group's (and an ordered clone's) starts one after the other, stops the other way round.
  if (r.kind === 'group' || (r.kind === 'clone' && r.clone?.ordered)) {
    for (let i = 1; i < r.children.length; i++) {
      const a = r.children[i - 1]!;
      const c = r.children[i]!;
      for (const x of childActs(a, 'start')) for (const y of childStarts(c, 'start')) b.order(x, y);
      for (const x of childActs(c, 'stop')) for (const y of childStarts(a, 'stop')) b.order(x, y);
    }
  }
  const get = (t: string) => b.get(`${r.id}_${t}_0`);
  b.order(get('stopped'), get('start'));
  b.order(get('demoted'), get('stop'));
  b.order(get('running'), get('promote'));
  b.order(get('demoted'), get('promote'));
}

/** Actions of a resource for an ordering: as `first` a collective's completion, as `then` its beginning. */
function actionsFor(b: Builder, r: Rsc, task: string, asFirst: boolean): GraphAction[] {
  if (collective(r)) {
    const a = b.get(`${r.id}_${asFirst ? done[task] ?? task : task}_0`);
    return a ? [a] : [];
  }
  return b.of(r, task);
}

function constraintOrders(b: Builder, ws: WorkingSet): void {
  for (const c of ws.constraints) {
    if (c.kind !== 'rsc_order') continue;
    const kind = (c.attrs.kind ?? (c.attrs.score !== undefined && parseScore(c.attrs.score, 0) === 0 ? 'Optional' : 'Mandatory')).toLowerCase();
    if (kind === 'serialize') continue;
    const firsts = (c.anyOf ?? [c.attrs.first ?? '']).map((id) => ws.byId.get(id)).filter((r): r is Rsc => r !== undefined);
    const then = ws.byId.get(c.attrs.then ?? '');
    if (!firsts.length || !then) continue;
    const fa = c.attrs['first-action'] ?? 'start';
    const ta = c.attrs['then-action'] ?? fa;
    const symmetrical = c.attrs.symmetrical !== undefined ? isTrue(c.attrs.symmetrical) : true;
    for (const first of firsts) {
      link(b, first, fa, then, ta);
      if (symmetrical && !c.anyOf && invert[fa] && invert[ta]) link(b, then, invert[ta]!, first, invert[fa]!);
    }
  }
}

function link(b: Builder, first: Rsc, fa: string, then: Rsc, ta: string): void {
  const interleave = first.kind === 'clone' && then.kind === 'clone' && isTrue(then.meta.interleave);
  if (interleave) {
    // Instance to instance on the same node.
    for (const ti of then.children) {
      const tn = primitives(ti)[0]?.next ?? [...primitives(ti)[0]?.active.keys() ?? []][0];
      const fi = first.children.find((f) => primitives(f).some((p) => p.next === tn || p.active.has(tn ?? '')));
      if (!fi || !tn) continue;
      for (const x of actionsFor(b, fi, fa, true)) for (const y of actionsFor(b, ti, ta, false)) b.order(x, y);
    }
    return;
  }
  for (const x of actionsFor(b, first, fa, true)) for (const y of actionsFor(b, then, ta, false)) b.order(x, y);
}

function requiresFencing(ws: WorkingSet, p: Rsc): 'fencing' | 'quorum' | 'nothing' {
  const req = (p.meta.requires ?? '').toLowerCase();
  if (req === 'nothing' || req === 'quorum' || req === 'fencing' || req === 'unfencing') return req === 'unfencing' ? 'fencing' : (req as 'fencing' | 'quorum' | 'nothing');
  if (p.agent?.startsWith('stonith:')) return 'quorum';
  return ws.options.stonithEnabled ? 'fencing' : 'quorum';
}

/**
 * `priority-fencing-delay` (seconds) for fencing a node that left the membership, as Pacemaker
 * 2.1 gives it: weighing the nodes' priorities (NodeInfo.priority); when this partition has no more than half of the
 * cluster's nodes, the node with the highest priority (all not equal) is fenced after the delay,
 * so that in a split the side with the more important resources wins. 0 when it does not apply
 * (it still takes precedence over the devices' own delays); undefined when the option is unset or
 * the node is not fenced for leaving.
 */
function priorityFencingDelay(ws: WorkingSet, target: NodeInfo): number | undefined {
  const delayS = Math.floor((parseCrmDurationMs(ws.cib.property('priority-fencing-delay') ?? '0') ?? 0) / 1000);
  if (delayS <= 0 || target.uncleanReason !== 'peer is no longer part of the cluster' || target.remote) return undefined;
  if (target.online) return 0;
  const members = ws.nodes.filter((n) => !n.remote);
  const online = members.filter((n) => n.online).length;
  if (online > Math.floor(members.length / 2)) return 0;
  const all = members.map((n) => n.priority ?? 0);
  const top = Math.max(...all);
  if (Math.min(...all) === top || (target.priority ?? 0) < top) return 0;
  return delayS;
}

function fencingAndShutdown(b: Builder, ws: WorkingSet, fenced: string[]): void {
  const fenceAction = (ws.cib.property('stonith-action') ?? 'reboot').toLowerCase().replace(/^poweroff$/, 'off');
  const fencing: GraphAction[] = [];
  // The cluster nodes the schedule fences (guests are "fenced" by recovering their container).
  const toFence = new Set(fenced);
  {
    for (const n of ws.nodes) {
      if (!toFence.has(n.name) || n.remote?.container) continue;
      const delay = priorityFencingDelay(ws, n);
      const f = b.add('crm_event', 'stonith', `stonith-${n.name}-${fenceAction}`, { node: n, meta: { on_node: n.name, on_node_uuid: n.id, ...(delay !== undefined ? { priority_fencing_delay: String(delay) } : {}), stonith_action: fenceAction } });
      fencing.push(f);
      for (const a of b.actions) if (a.type === 'pseudo_event' && a.rsc && (a.operation === 'stop' || a.operation === 'demote') && a.rsc.active.has(n.name)) b.order(f, a);
      for (const a of b.actions) {
        if (a.type !== 'rsc_op' || !a.rsc || (a.operation !== 'start' && a.operation !== 'promote' && a.operation !== 'migrate_from')) continue;
        const req = requiresFencing(ws, a.rsc);
        if (req === 'fencing' || (req === 'quorum' && a.operation === 'start' && !a.rsc.known.has(n.name))) b.order(f, a);
      }
    }
  }
  for (let i = 1; i < fencing.length; i++) if (!isTrue(ws.cib.property('concurrent-fencing'))) b.order(fencing[i - 1], fencing[i]);
  // Unfencing (nodesToUnfence): "on" before anything is probed there and before what needs
  // fencing starts there.
  for (const { node: n } of nodesToUnfence(ws)) {
    const on = b.add('crm_event', 'stonith', `stonith-${n.name}-on`, { node: n, meta: { on_node: n.name, on_node_uuid: n.id, stonith_action: 'on' } });
    for (const a of b.actions) {
      if (a === on || a.type !== 'rsc_op' || a.node !== n || !a.rsc) continue;
      const probe = a.operation === 'monitor' && a.intervalMs === 0;
      const starts = a.operation === 'start' || a.operation === 'promote' || a.operation === 'migrate_from';
      if (probe || (starts && requiresFencing(ws, a.rsc) === 'fencing')) b.order(on, a);
    }
  }
  for (const n of ws.nodes) {
    if (!n.shutdown || !n.online || n.unclean) continue;
    const s = b.add('crm_event', 'do_shutdown', `do_shutdown-${n.name}`, { node: n, meta: { on_node: n.name, on_node_uuid: n.id, op_no_wait: 'true' } });
    for (const a of b.actions) if (a.type === 'rsc_op' && a.node === n && (a.operation === 'stop' || a.operation === 'demote' || a.operation === 'migrate_to')) b.order(a, s);
  }
}

/** The graph that carries out a schedule (`fenced`: the nodes it fences, from `schedule()`). */
export function transitionGraph(ws: WorkingSet, fenced: string[]): TransitionGraph {
  const b = new Builder(ws);
  for (const r of ws.resources) for (const p of primitives(r)) primitiveActions(b, ws, p);
  for (const o of ws.orphans) primitiveActions(b, ws, o.rsc);
  // Probes come before the resource starts anywhere.
  for (const a of [...b.actions]) if (a.operation === 'monitor' && a.intervalMs === 0 && a.rsc) for (const s of b.of(a.rsc, 'start')) b.order(a, s);
  for (const r of ws.resources) if (collective(r)) collectiveActions(b, r);
  constraintOrders(b, ws);
  fencingAndShutdown(b, ws, fenced);
  const prop = (name: string, d: string) => ws.cib.property(name) ?? d;
  return {
    actions: b.actions,
    attrs: { 'cluster-delay': prop('cluster-delay', '60s'), 'stonith-timeout': prop('stonith-timeout', '60s'), 'failed-stop-offset': 'INFINITY', 'failed-start-offset': 'INFINITY', transition_id: '0' },
  };
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const attrText = (attrs: Record<string, string | undefined>) => Object.entries(attrs).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}="${esc(v!)}"`).join('');

function actionHead(a: GraphAction): string {
  return `<${a.type}${attrText({ id: String(a.id), operation: a.operation, operation_key: a.key, internal_operation_key: a.internalKey, on_node: a.node?.name, on_node_uuid: a.node?.id })}`;
}

/** The graph as Pacemaker writes it (`crm_simulate -G`): one synapse per action, with its inputs. */
export function graphXml(g: TransitionGraph): string {
  const out = [`<transition_graph${attrText(g.attrs)}>`];
  g.actions.forEach((a, i) => {
    out.push(`  <synapse id="${i}">`, '    <action_set>', `      ${actionHead(a)}>`);
    if (a.type === 'rsc_op' && a.rsc) {
      const [cls, ...rest] = (a.rsc.agent ?? '').split(':');
      const type = rest.pop();
      const provider = rest[0];
      out.push(`        <primitive${attrText({ id: a.rsc.id.replace(/:\d+$/, ''), ...(a.rsc.id.includes(':') ? { 'long-id': a.rsc.id } : {}), class: cls, provider, type })}/>`);
    }
    const meta = Object.fromEntries(Object.entries(a.meta).map(([k, v]) => [`CRM_meta_${k}`, v]));
    // Parameters whose names cannot be XML attribute names (a heartbeat-class "1") stay out, as in Pacemaker's graphs.
    const params = Object.fromEntries(Object.entries(a.params).filter(([k]) => /^[A-Za-z_][\w.-]*$/.test(k)));
    out.push(`        <attributes${attrText({ ...meta, ...params })} />`, `      </${a.type}>`, '    </action_set>');
    if (!a.inputs.size) out.push('    <inputs/>');
    else {
      out.push('    <inputs>');
      for (const x of [...a.inputs].sort((p, q) => p.id - q.id)) out.push('      <trigger>', `        ${actionHead(x)}/>`, '      </trigger>');
      out.push('    </inputs>');
    }
    out.push('  </synapse>');
  });
  out.push('</transition_graph>');
  return `${out.join('\n')}\n`;
}

/** A graph's shape, for comparing two graphs whatever their action numbering: actions as KEY@NODE, edges as FIRST>THEN. */
export function graphShape(root: XmlElement): { actions: Set<string>; edges: Set<string> } {
  const actions = new Set<string>();
  const edges = new Set<string>();
  const name = (e: XmlElement) => `${e.attrs.operation_key}@${e.attrs.on_node ?? ''}`;
  for (const syn of root.children.filter(isElement)) {
    const set = syn.children.filter(isElement).find((e) => e.name === 'action_set');
    const act = set?.children.filter(isElement)[0];
    if (!act) continue;
    actions.add(name(act));
    const inputs = syn.children.filter(isElement).find((e) => e.name === 'inputs');
    for (const t of inputs?.children.filter(isElement) ?? []) for (const x of t.children.filter(isElement)) edges.add(`${name(x)}>${name(act)}`);
  }
  return { actions, edges };
}

/** The graph for graphviz (`crm_simulate -D`): resource actions black, pseudo-actions orange, fencing and shutdown black. */
export function graphDot(g: TransitionGraph): string {
  const label = (a: GraphAction) => (a.type === 'crm_event' && a.operation === 'stonith' ? `stonith '${a.meta.stonith_action ?? 'reboot'}' ${a.node?.name ?? ''}` : a.node ? `${a.key} ${a.node.name}` : a.key);
  const out = [' digraph "g" {'];
  for (const a of g.actions) out.push(`"${label(a)}" [ style=bold color="green" fontcolor="${a.type === 'pseudo_event' ? 'orange' : 'black'}"]`);
  for (const a of g.actions) for (const x of a.inputs) out.push(`"${label(x)}" -> "${label(a)}" [ style = bold]`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
