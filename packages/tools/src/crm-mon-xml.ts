/**
 * `crm_mon --output-as xml`: the cluster's state in Pacemaker 2.1's own schema (api-result 2.25,
 * crm_mon-2.25.rng) — summary, nodes, resources (inactive ones too, as Pacemaker's XML always
 * shows them), each node's operation history, failed actions. Pure: a parsed CIB and what the
 * controller says in, a `<pacemaker-result>` element out (the fencing history as the local fencer
 * knows it). Not shown yet: pacemakerd's state, tickets and bans.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { elements, parseCrmDurationMs, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { buildWorkingSet, disabled, isTrue, managed, primitives, type Rsc, type WorkingSet } from '@heartbeat-ts/pengine';
import { fenceEventAttrs, pendingFenceAttrs } from '@heartbeat-ts/fencer/client';
import { ctime, defaultView, type MonitorInput } from './cluster-status.js';
import { bans, execStatusText, failedActions, nodeAttributeNames, rcText, shownOperations } from './crm-mon-sections.js';

export const API_VERSION = '2.25';

const bool = (b: boolean) => (b ? 'true' : 'false');
const el = xmlElement;
const kids = (e: XmlElement | undefined, name: string) => (e ? elements(e, name) : []);
/** "2026-11-26 16:25:05Z", as Pacemaker writes times with their zone (UTC here). */
const isoZ = (epochS: number) => `${new Date(epochS * 1000).toISOString().slice(0, 19).replace('T', ' ')}Z`;
const ms = (v: string | undefined) => `${Number(v ?? 0) || 0}ms`;

/** `<fence_history>`: the pending actions first, then the events of the fencing sections shown. */
function fenceHistory(m: MonitorInput, shown: Set<string>): XmlElement[] {
  if (!m.fencing || !['fencing-failed', 'fencing-pending', 'fencing-succeeded'].some((s) => shown.has(s))) return [];
  const pending = shown.has('fencing-pending') || shown.has('fencing-succeeded') ? (m.fencing.pending ?? []).map((p) => el('fence_event', pendingFenceAttrs(p))) : [];
  const events = [...m.fencing.events].sort((a, b) => b.completed - a.completed).filter((e) => shown.has('fencing-succeeded') || (shown.has('fencing-failed') && e.status === 'failed'));
  return [el('fence_history', {}, [...pending, ...events.map((e) => el('fence_event', fenceEventAttrs(e)))])];
}

/** crm_mon's XML: the sections shown (by default all of them), as Pacemaker's crm_mon writes them. */
export function monitorXml(m: MonitorInput & { request: string }): XmlElement {
  const ws = buildWorkingSet(m.cib, { now: Math.floor(m.now.getTime() / 1000) });
  const view = m.view ?? defaultView('xml');
  const shown = view.sections as Set<string>;
  const attributes = ws.nodes.filter((n) => n.online && nodeAttributeNames(n).length);
  const banned = bans(ws, view.banPrefix);
  return el('pacemaker-result', { 'api-version': API_VERSION, request: m.request }, [
    ...(['stack', 'dc', 'times', 'counts', 'options'].some((s) => shown.has(s)) ? [summary(ws, m, shown)] : []),
    ...(shown.has('nodes') ? [el('nodes', {}, ws.nodes.filter((n) => !n.remote?.container).map((n) => nodeElement(ws, n.name, m.dc)))] : []),
    ...(shown.has('resources') ? [el('resources', {}, topResources(ws).filter((r) => view.show.inactive || primitives(r).some((p) => p.active.size)).flatMap((r) => resourceElements(ws, r)))] : []),
    ...(shown.has('attributes') && attributes.length ? [el('node_attributes', {}, attributes.map((n) => el('node', { name: n.name }, nodeAttributeNames(n).map((k) => el('attribute', { name: k, value: n.attrs[k]! })))))] : []),
    ...(shown.has('operations') || shown.has('failcounts') ? [nodeHistory(ws, m.cib, shown.has('operations'))] : []),
    ...(shown.has('failures') ? failures(ws) : []),
    ...fenceHistory(m, shown),
    ...(shown.has('tickets') && ws.tickets.size ? [el('tickets', {}, [...ws.tickets].sort(([a], [b]) => a.localeCompare(b)).map(([id, t]) => el('ticket', { id, status: t.granted ? 'granted' : 'revoked', standby: bool(t.standby) })))] : []),
    ...(shown.has('bans') && banned.length ? [el('bans', {}, banned.map((b) => el('ban', { id: b.id, resource: b.rsc, node: b.node, weight: String(b.weight), 'promoted-only': bool(b.promotedOnly), master_only: bool(b.promotedOnly) })))] : []),
    el('status', { code: '0', message: 'OK' }),
  ]);
}

/** Elements that occur once where they occur (objects in the JSON); every other element is one of a list (arrays). */
const SINGLE = new Set(['summary', 'stack', 'current_dc', 'last_update', 'last_change', 'nodes_configured', 'resources_configured', 'cluster_options', 'nodes', 'resources', 'node_attributes', 'node_history', 'failures', 'fence_history', 'tickets', 'bans']);

/**
 * crm_mon's JSON (shape version 1): the XML's data. Each element is an object of its attributes
 * ("true"/"false" as booleans, whole numbers as numbers); its child elements are under their
 * element name — an object for the sections and the summary's parts (SINGLE), else an array in
 * document order (`nodes.node[]`, `resources.resource[]`, `resources.group[].resource[]`,
 * `node_history.node[].resource_history[].operation_history[]`, ...).
 */
export function monitorJsonData(xml: XmlElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of elements(xml)) {
    if (c.name === 'status') continue;
    if (SINGLE.has(c.name)) out[c.name] = jsonOf(c);
    else ((out[c.name] ??= []) as unknown[]).push(jsonOf(c));
  }
  return out;
}

function jsonOf(e: XmlElement): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e.attrs)) o[k] = v === 'true' ? true : v === 'false' ? false : /^-?\d{1,15}$/.test(v) ? Number(v) : v;
  for (const c of elements(e)) {
    if (SINGLE.has(c.name)) o[c.name] = jsonOf(c);
    else ((o[c.name] ??= []) as unknown[]).push(jsonOf(c));
  }
  return o;
}

function summary(ws: WorkingSet, m: MonitorInput, shown: Set<string>): XmlElement {
  const root = m.cib.root.attrs;
  const dcNode = m.dc ? ws.node.get(m.dc) : undefined;
  const prims = topResources(ws).flatMap((r) => primitives(r));
  const prop = (name: string, dflt: string) => ws.cib.property(name) ?? dflt;
  const durationMs = (v: string) => parseCrmDurationMs(v) ?? 0;
  return el('summary', {}, [
    ...(shown.has('stack') ? [el('stack', { type: 'heartbeat' })] : []),
    ...(shown.has('dc') ? [el('current_dc', m.dc ? { present: 'true', version: m.version, name: m.dc, id: dcNode?.id ?? m.dc, with_quorum: bool(ws.options.haveQuorum), mixed_version: 'false' } : { present: 'false' })] : []),
    ...(shown.has('times') ? [el('last_update', { time: ctime(m.now) }), el('last_change', { time: root['cib-last-written'] ?? '', user: root['update-user'] ?? '', client: root['update-client'] ?? '', origin: root['update-origin'] ?? '' })] : []),
    ...(shown.has('counts') ? [el('nodes_configured', { number: String(ws.nodes.filter((n) => !n.remote?.container).length) }), el('resources_configured', { number: String(prims.length), disabled: String(prims.filter((p) => disabled(p) || (p.parent && disabled(p.parent))).length), blocked: String(prims.filter((p) => p.blocked).length) })] : []),
    ...(!shown.has('options') ? [] : [el('cluster_options', {
      'stonith-enabled': bool(ws.options.stonithEnabled),
      'symmetric-cluster': bool(ws.options.symmetric),
      'no-quorum-policy': ws.options.noQuorumPolicy,
      'maintenance-mode': bool(ws.options.maintenanceMode),
      'stop-all-resources': bool(isTrue(prop('stop-all-resources', 'false'))),
      'stonith-timeout-ms': String(durationMs(prop('stonith-timeout', '60s'))),
      'priority-fencing-delay-ms': String(durationMs(prop('priority-fencing-delay', '0'))),
    })]),
  ]);
}

function nodeElement(ws: WorkingSet, name: string, dc: string | null): XmlElement {
  const n = ws.node.get(name)!;
  const state = kids(ws.cib.section('status'), 'node_state').find((s) => s.attrs.uname === name);
  const running = [...ws.byId.values()].filter((r) => r.kind === 'primitive' && r.active.has(name)).length;
  const health = Object.entries(n.attrs).filter(([k]) => k.startsWith('#health')).map(([, v]) => v.toLowerCase());
  return el('node', {
    name,
    id: n.id,
    online: bool(n.online),
    standby: bool(n.standby),
    standby_onfail: 'false',
    maintenance: bool(n.maintenance),
    pending: bool(!!n.pending),
    unclean: bool(n.unclean),
    health: health.includes('red') ? 'red' : health.includes('yellow') ? 'yellow' : 'green',
    ...(n.online ? { feature_set: ws.cib.root.attrs.crm_feature_set ?? '3.16.1' } : {}),
    shutdown: bool(n.shutdown),
    expected_up: bool(state?.attrs.expected === 'member'),
    is_dc: bool(name === dc),
    resources_running: String(running),
    type: n.remote ? 'remote' : 'member',
  });
}

function topResources(ws: WorkingSet): Rsc[] {
  const priority = (r: Rsc) => Number.parseInt(r.meta.priority ?? '0', 10) || 0;
  return [...ws.resources.filter((r) => !r.implicit).sort((a, b) => priority(b) - priority(a)), ...ws.orphans.filter((o) => !o.owner && o.rsc.active.size).map((o) => o.rsc)];
}

function resourceElements(ws: WorkingSet, r: Rsc, anonymous = false): XmlElement[] {
  if (r.kind === 'primitive') return [primitiveElement(ws, r, anonymous)];
  if (r.kind === 'group') {
    return [el('group', { id: r.id, number_resources: String(r.children.length), managed: bool(managed(ws, r)), disabled: bool(disabled(r)) }, r.children.flatMap((c) => resourceElements(ws, c, anonymous)))];
  }
  const cl = r.clone!;
  const prims = primitives(r);
  const instances = [...r.children, ...ws.orphans.filter((o) => o.owner === r && primitives(o.rsc).some((p) => p.active.size)).map((o) => o.rsc)];
  return [
    el('clone', {
      id: r.id,
      multi_state: bool(cl.promotable),
      unique: bool(cl.unique),
      managed: bool(managed(ws, r)),
      disabled: bool(disabled(r)),
      failed: bool(prims.some((p) => p.failed.size > 0)),
      failure_ignored: bool(prims.some((p) => !!p.failureIgnored)),
      ...(r.meta['target-role'] ? { target_role: r.meta['target-role'] } : {}),
    }, instances.flatMap((i) => resourceElements(ws, i, !cl.unique))),
  ];
}

function primitiveElement(ws: WorkingSet, p: Rsc, anonymous: boolean): XmlElement {
  const on = [...p.active.entries()];
  const role = on[0]?.[1] ?? 'Stopped';
  return el('resource', {
    // (Anonymous clone instances are shown by the primitive's id, as Pacemaker does.)
    id: anonymous ? p.id.replace(/:\d+$/, '') : p.id,
    resource_agent: p.agent ?? '',
    role,
    ...(p.meta['target-role'] ? { target_role: p.meta['target-role'] } : {}),
    active: bool(on.length > 0),
    orphaned: bool(!!p.orphan),
    blocked: bool(p.blocked),
    managed: bool(managed(ws, p)),
    failed: bool(p.failed.size > 0),
    failure_ignored: bool(!!p.failureIgnored),
    nodes_running_on: String(on.length),
    ...(p.pendingTask && p.pendingTask !== 'probe' ? { pending: p.pendingTask } : {}),
    ...(p.lockedTo ? { locked_to: p.lockedTo } : {}),
  }, on.map(([node]) => el('node', { name: node, id: ws.node.get(node)?.id ?? node, cached: 'true' })));
}

/** Each node's operations per resource (or, without operations, the resources with failures), as Pacemaker lists them: by call id, without notifications and probes that found nothing. */
function nodeHistory(ws: WorkingSet, cib: Cib, operations: boolean): XmlElement {
  const out: XmlElement[] = [];
  for (const state of kids(cib.section('status'), 'node_state')) {
    const node = state.attrs.uname ?? '';
    const n = ws.node.get(node);
    if (!n?.online) continue;
    const resources: XmlElement[] = [];
    for (const lrmRsc of kids(kids(kids(state, 'lrm')[0], 'lrm_resources')[0], 'lrm_resource')) {
      const id = lrmRsc.attrs.id ?? '';
      const ops = shownOperations(kids(lrmRsc, 'lrm_rsc_op'));
      if (!ops.length && operations) continue;
      const rsc = ws.byId.get(id) ?? [...ws.byId.values()].find((r) => r.id.replace(/:\d+$/, '') === id);
      const threshold = rsc?.meta['migration-threshold'];
      const failCount = Object.entries(n.attrs).filter(([k]) => k.startsWith(`fail-count-${id}#`)).reduce((a, [, v]) => a + (/^(\+)?INFINITY$/i.test(v) ? 1_000_000 : Number(v) || 0), 0);
      const lastFailure = Math.max(0, ...Object.entries(n.attrs).filter(([k]) => k.startsWith(`last-failure-${id}#`)).map(([, v]) => Number(v) || 0));
      if (!operations && failCount <= 0) continue;
      resources.push(el('resource_history', {
        id,
        orphan: bool(!rsc),
        ...(rsc ? { 'migration-threshold': threshold === undefined || /INFINITY/i.test(threshold) ? '1000000' : threshold } : {}),
        ...(failCount > 0 ? { 'fail-count': String(Math.min(failCount, 1_000_000)) } : {}),
        ...(lastFailure > 0 ? { 'last-failure': ctime(new Date(lastFailure * 1000)) } : {}),
      }, (operations ? ops : []).map((o) => {
        const rc = Number(o.attrs['rc-code'] ?? 0);
        const interval = Number(o.attrs.interval ?? 0);
        const task = o.attrs.operation === 'monitor' && interval === 0 ? 'probe' : (o.attrs.operation ?? '');
        const changed = Number(o.attrs['last-rc-change'] ?? 0);
        return el('operation_history', {
          call: o.attrs['call-id'] ?? '',
          task,
          rc: String(rc),
          rc_text: rcText(rc),
          ...(interval > 0 ? { interval: `${interval}ms` } : {}),
          ...(changed > 0 ? { 'last-rc-change': ctime(new Date(changed * 1000)) } : {}),
          'exec-time': ms(o.attrs['exec-time']),
          'queue-time': ms(o.attrs['queue-time']),
        });
      })));
    }
    if (resources.length) out.push(el('node', { name: node }, resources));
  }
  return el('node_history', {}, out);
}

/** The failed actions, as Pacemaker's "failures" list. */
function failures(ws: WorkingSet): XmlElement[] {
  const out = failedActions(ws).map(({ key, node, op: o }) => {
    const rc = Number(o.rc);
    const changed = Number(o.attrs['last-rc-change'] ?? 0);
    return el('failure', {
      op_key: key,
      node,
      exitstatus: rcText(rc),
      exitreason: o.attrs['exit-reason'] ?? '',
      exitcode: String(rc),
      call: o.callId || '-1',
      status: execStatusText(o.status),
      ...(changed > 0 ? { 'last-rc-change': isoZ(changed), queued: String(Number(o.attrs['queue-time'] ?? 0) || 0), exec: String(Number(o.attrs['exec-time'] ?? 0) || 0), interval: String(Number(o.interval) || 0), task: o.operation } : {}),
    });
  });
  return out.length ? [el('failures', {}, out)] : [];
}
