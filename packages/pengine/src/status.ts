/**
 * The cluster status as crm_simulate (and crm_mon) print it: the "Node List" and the "Full List
 * of Resources", in Pacemaker 2.1's text format. Pure: a working set in, lines out.
 *
 * - Nodes: members online or offline are summarized ("Online: [ a b ]", "OFFLINE: [ c ]",
 *   "RemoteOnline", "RemoteOFFLINE", "GuestOnline"); one that is unclean, pending, in standby or
 *   maintenance gets a line of its own ("Node c: UNCLEAN (offline)").
 * - Resources, in configuration order: a primitive as "id\t(class:provider:type):\t Started node"
 *   with FAILED / ORPHANED and flags (UNCLEAN, LOCKED, disabled, blocked, unmanaged, failure
 *   ignored); a group as its members; a clone lists what it cannot summarize instance by instance,
 *   then "Promoted: [ ... ]", "Unpromoted: [ ... ]" or "Started: [ ... ]", and "Stopped: [ ... ]".
 * Bundles are not rendered yet (they are listed by id only).
 */
import type { Resource as CibResource } from '@heartbeat-ts/cib/client';
import { activeOnNode, isTrue, primitives, type NodeInfo, type Rsc, type WorkingSet } from './working-set.js';

/** Node names in Pacemaker's order: case-insensitive, runs of digits compared as numbers. */
export function compareNodeNames(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.toLowerCase().match(re) ?? [];
  const pb = b.toLowerCase().match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** The "Node List" section's lines (each ends without a newline). */
export function nodeListLines(ws: WorkingSet): string[] {
  const out: string[] = ['  * Node List:'];
  const online: string[] = [];
  const offline: string[] = [];
  const remoteOnline: string[] = [];
  const remoteOffline: string[] = [];
  const guestOnline: string[] = [];
  for (const n of [...ws.nodes].sort((a, b) => compareNodeNames(a.name, b.name))) {
    const guest = n.remote?.container !== undefined;
    const remote = n.remote !== undefined && !guest;
    // (A guest's uncleanness is the scheduler's conclusion, not part of its state; the standby
    // of a node the status section does not list is not shown: Pacemaker reads it with its state.)
    const unclean = n.unclean && !guest;
    const standby = n.standby && (n.online || statusIndex(ws).has(n.name));
    if (unclean || n.pending || standby || n.maintenance || nodeHealth(ws, n) <= 0) {
      out.push(`    * ${guest ? 'GuestNode' : remote ? 'RemoteNode' : 'Node'} ${n.name}: ${nodeStatusText(ws, n)}`);
    } else if (remote ? connectionUp(ws, n) : n.online) (guest ? guestOnline : remote ? remoteOnline : online).push(n.name);
    else if (remote) remoteOffline.push(n.name);
    else if (!guest) offline.push(n.name);
  }
  const list = (label: string, names: string[]) => {
    if (names.length) out.push(`    * ${label}: [ ${names.join(' ')} ]`);
  };
  list('Online', online);
  list('OFFLINE', offline);
  list('RemoteOnline', remoteOnline);
  list('RemoteOFFLINE', remoteOffline);
  list('GuestOnline', guestOnline);
  return out;
}

/**
 * A node's health as Pacemaker shows it: -1 red, 0 yellow, 1 green — from its #health*
 * attributes under the cluster's node-health-strategy (none: always green).
 */
export function nodeHealth(ws: WorkingSet, n: NodeInfo): number {
  const strategy = ws.cib.property('node-health-strategy') ?? 'none';
  if (strategy === 'none') return 1;
  const score = (v: string) => (/^-INFINITY$/i.test(v) ? -1_000_000 : /^\+?INFINITY$/i.test(v) ? 1_000_000 : Number.parseInt(v, 10) || 0);
  const red = strategy === 'migrate-on-red' || strategy === 'only-green' ? -1_000_000 : score(ws.cib.property('node-health-red') ?? '-INFINITY');
  const yellow = strategy === 'migrate-on-red' ? 0 : strategy === 'only-green' ? -1_000_000 : score(ws.cib.property('node-health-yellow') ?? '0');
  const green = strategy === 'migrate-on-red' || strategy === 'only-green' ? 0 : score(ws.cib.property('node-health-green') ?? '0');
  let health = 1;
  for (const [k, v] of Object.entries(n.attrs)) {
    if (!k.startsWith('#health')) continue;
    if (/^red$/i.test(v)) return -1;
    if (/^yellow$/i.test(v)) {
      health = 0;
      continue;
    }
    const s = score(v);
    if (s <= red) return -1;
    if (s <= yellow && yellow !== green) health = 0;
  }
  return health;
}

/** A remote node is up as far as its history goes when its connection is active and did not fail. */
function connectionUp(ws: WorkingSet, n: NodeInfo): boolean {
  const conn = ws.byId.get(n.remote!.connection);
  return conn ? conn.active.size > 0 && conn.failed.size === 0 : n.online;
}

/** A node's state as crm_mon writes it ("online", "OFFLINE", "UNCLEAN (offline)", "standby", ... and its health when not green). */
export function nodeStatusText(ws: WorkingSet, n: NodeInfo): string {
  const guest = n.remote?.container !== undefined;
  const health = nodeHealth(ws, n);
  const standby = n.standby && (n.online || statusIndex(ws).has(n.name));
  return `${nodeState({ ...n, unclean: n.unclean && !guest, standby }, activeOnNode(ws, n.name))}${health < 0 ? ' (health is RED)' : health === 0 ? ' (health is YELLOW)' : ''}`;
}

function nodeState(n: NodeInfo, hasResources: boolean): string {
  // (An unclean member still in the membership counts as online, as Pacemaker has it.)
  if (n.unclean) return n.online || n.inMembership ? 'UNCLEAN (online)' : n.pending ? 'UNCLEAN (pending)' : 'UNCLEAN (offline)';
  if (n.pending) return 'pending';
  if (n.standby) return n.online ? (hasResources ? 'standby (with active resources)' : 'standby') : 'OFFLINE (standby)';
  if (n.maintenance) return n.online ? 'maintenance' : 'OFFLINE (maintenance)';
  return n.online ? 'online' : 'OFFLINE';
}

/** How much of the resources to show: crm_mon shows only active ones unless -r (inactive); crm_simulate shows all. */
export interface ResourceListOptions {
  /** Inactive resources too ("Full List of Resources"; default) or only active ones ("Active Resources"). */
  inactive?: boolean;
  /** Only the inactive ones ("Inactive Resources": crm_mon -n -r, the active ones listed by node). */
  onlyInactive?: boolean;
  /** Primitives without the node they run on (crm_resource --list). */
  rscOnly?: boolean;
}

/** The "Full List of Resources" (or "Active Resources") section's lines. */
export function resourceListLines(ws: WorkingSet, opts: ResourceListOptions = {}): string[] {
  const inactive = opts.inactive ?? true;
  const out: string[] = [opts.onlyInactive ? '  * Inactive Resources:' : inactive ? '  * Full List of Resources:' : '  * Active Resources:'];
  const bundled = new Set<Rsc>();
  for (const b of ws.bundles ?? []) {
    for (const m of b.members) bundled.add(m);
    if (b.clone) bundled.add(b.clone);
  }
  // (Orphans are shown only while active.)
  // (Listed as Pacemaker keeps them: by priority, then in configuration order.)
  const priority = (r: Rsc) => Number.parseInt(r.meta.priority ?? '0', 10) || 0;
  const tops = [...ws.resources.filter((r) => !bundled.has(r) && !r.implicit).sort((a, b) => priority(b) - priority(a)), ...ws.orphans.filter((o) => !o.owner && o.rsc.active.size).map((o) => o.rsc)]
    .filter((r) => (opts.onlyInactive ? !isPartlyActive(r) : inactive || isPartlyActive(r)));
  if (!tops.length && (!inactive || opts.onlyInactive || !(ws.bundles ?? []).length)) return [...out, opts.onlyInactive ? '    * No inactive resources' : inactive ? '    * No resources' : '    * No active resources'];
  for (const r of tops) resourceLines(ws, r, 4, out, inactive, opts.rscOnly ?? false);
  return out;
}

/** Whether any of its primitives is active somewhere. */
export function isPartlyActive(r: Rsc): boolean {
  return primitives(r).some((p) => p.active.size > 0);
}

function resourceLines(ws: WorkingSet, r: Rsc, indent: number, out: string[], inactive: boolean, rscOnly: boolean): void {
  const pad = ' '.repeat(indent);
  if (r.kind === 'primitive') {
    out.push(`${pad}* ${primitiveLine(ws, r, r.id, rscOnly)}`);
    return;
  }
  if (r.kind === 'group') {
    const idle = inactive ? 0 : r.children.filter((m) => m.active.size === 0).length;
    const flags = [...(idle ? [`${idle} member${idle === 1 ? '' : 's'} inactive`] : []), ...(managed(ws, r) ? [] : ['unmanaged']), ...(disabled(r) ? ['disabled'] : [])];
    out.push(`${pad}* Resource Group: ${r.id}${flags.length ? ` (${flags.join(', ')})` : ''}:`);
    for (const m of r.children) if (inactive || m.active.size > 0) out.push(`${pad}  * ${primitiveLine(ws, m, m.id, rscOnly)}`);
    return;
  }
  cloneLines(ws, r, indent, out, inactive);
}

function cloneLines(ws: WorkingSet, c: Rsc, indent: number, out: string[], inactive: boolean): void {
  const pad = ' '.repeat(indent);
  const cl = c.clone!;
  const attrs = [...(cl.promotable ? ['promotable'] : []), ...(cl.unique ? ['unique'] : []), ...(managed(ws, c) ? [] : ['unmanaged']), ...(disabled(c) ? ['disabled'] : [])];
  const childId = configuredResources(ws).get(c.id)?.el.children.find((e): e is { name: string; attrs: Record<string, string>; children: [] } => 'name' in e && ['primitive', 'group'].includes(e.name))?.attrs.id ?? cl.template;
  out.push(`${pad}* Clone Set: ${c.id} [${childId}]${attrs.length ? ` (${attrs.join(', ')})` : ''}:`);
  const orphans = ws.orphans.filter((o) => o.owner === c && primitives(o.rsc).some((p) => p.active.size)).map((o) => o.rsc);
  const instances = [...c.children, ...orphans];
  const promotedOn: string[] = [];
  const startedOn: string[] = [];
  const inner = indent + 2;
  for (const inst of instances) {
    const prims = primitives(inst);
    const activeNodes = new Set(prims.flatMap((p) => [...p.active.keys()]));
    const partially = activeNodes.size > 0;
    let full = false;
    if (cl.unique) full = partially || !inst.orphan;
    else if (prims.some((p) => p.pendingTask && p.pendingTask !== 'probe')) full = true;
    else if (!partially) continue;
    else if (prims.some((p) => p.orphan || !managed(ws, p) || p.failed.size > 0)) full = true;
    else if (prims.every((p) => p.active.size > 0) && activeNodes.size === 1) {
      const node = [...activeNodes][0]!;
      const n = ws.node.get(node);
      if (n && !n.online && n.unclean) full = true;
      else if (prims.some((p) => p.active.get(node) === 'Promoted')) promotedOn.push(node);
      else startedOn.push(node);
    } else full = true;
    if (!full) continue;
    if (inst.kind === 'group') {
      const idle = inactive ? 0 : inst.children.filter((m) => m.active.size === 0).length;
      out.push(`${' '.repeat(inner)}* Resource Group: ${inst.id}${idle ? ` (${idle} member${idle === 1 ? '' : 's'} inactive)` : ''}:`);
      for (const m of inst.children) if (inactive || m.active.size > 0) out.push(`${' '.repeat(inner + 2)}* ${primitiveLine(ws, m, cl.unique ? m.id : m.id.replace(/:\d+$/, ''))}`);
    } else out.push(`${' '.repeat(inner)}* ${primitiveLine(ws, inst, cl.unique ? inst.id : inst.id.replace(/:\d+$/, ''))}`);
  }
  const ipad = ' '.repeat(inner);
  if (promotedOn.length) out.push(`${ipad}* Promoted: [ ${promotedOn.sort(compareNodeNames).join(' ')} ]`);
  if (startedOn.length) {
    const targetUnpromoted = /^(unpromoted|slave)$/i.test(c.meta['target-role'] ?? '');
    out.push(`${ipad}* ${cl.promotable ? `Unpromoted${targetUnpromoted ? ' (target-role)' : ''}` : 'Started'}: [ ${startedOn.sort(compareNodeNames).join(' ')} ]`);
  }
  const active = promotedOn.length + startedOn.length;
  if (inactive && !cl.unique && cl.max > active) {
    const running = new Set(instances.flatMap((i) => primitives(i).flatMap((p) => [...p.active.keys()])));
    const allowed = allowedNodes(ws, c);
    const stopped = allowed.filter((n) => !running.has(n)).sort(compareNodeNames);
    if (stopped.length) out.push(`${ipad}* ${disabled(c) ? 'Stopped (disabled)' : 'Stopped'}: [ ${stopped.join(' ')} ]`);
  }
}

/** Nodes a clone may run on, as Pacemaker lists its stopped copies: every node of a symmetric cluster, else those a location constraint names. */
function allowedNodes(ws: WorkingSet, c: Rsc): string[] {
  const cluster = ws.nodes.map((n) => n.name);
  if (ws.options.symmetric) return cluster;
  const ids = new Set([c.id, ...primitives(c).map((p) => p.id.replace(/:\d+$/, ''))]);
  const named = new Set<string>();
  for (const k of ws.constraints) {
    if (k.kind !== 'rsc_location' || !ids.has(k.attrs.rsc ?? '')) continue;
    if (k.attrs.node) named.add(k.attrs.node);
    else if (k.rules.length) for (const n of cluster) named.add(n);
  }
  for (const p of primitives(c)) for (const n of p.known) named.add(n);
  return cluster.filter((n) => named.has(n));
}

/** Whether the cluster manages the resource (is-managed, maintenance of it or of the cluster). */
export function managed(ws: WorkingSet, r: Rsc): boolean {
  return isTrue(r.meta['is-managed'] ?? 'true') && !isTrue(r.meta.maintenance ?? 'false') && !ws.options.maintenanceMode;
}

/** target-role=Stopped. */
export function disabled(r: Rsc): boolean {
  return /^stopped$/i.test(r.meta['target-role'] ?? '');
}

function promotableChild(r: Rsc): boolean {
  for (let p = r.parent; p; p = p.parent) if (p.kind === 'clone') return p.clone?.promotable === true;
  return false;
}

const PENDING: Record<string, string> = { start: 'Starting', stop: 'Stopping', promote: 'Promoting', demote: 'Demoting', migrate_to: 'Migrating', migrate_from: 'Migrating' };

/** The configuration's top-level resources by id, and the nodes' order in the status section, worked out once per working set. */
const resourceIndex = new WeakMap<WorkingSet, Map<string, CibResource>>();
function configuredResources(ws: WorkingSet): Map<string, CibResource> {
  let m = resourceIndex.get(ws);
  if (!m) resourceIndex.set(ws, (m = new Map(ws.cib.resources.map((r) => [r.id, r]))));
  return m;
}
const statusIndexes = new WeakMap<WorkingSet, Map<string, number>>();
function statusIndex(ws: WorkingSet): Map<string, number> {
  let m = statusIndexes.get(ws);
  if (!m) {
    m = new Map();
    ws.cib.status.forEach((st, i) => {
      const k = st.attrs.uname ?? st.id;
      if (!m!.has(k)) m!.set(k, i);
    });
    statusIndexes.set(ws, m);
  }
  return m;
}

/** One primitive's line (without the leading "* "); `rscOnly`: without the node (crm_mon -n lists it under its node). */
export function primitiveLine(ws: WorkingSet, p: Rsc, name: string, rscOnly = false): string {
  const agent = p.agent ?? 'unknown:unknown';
  const nodes = [...p.active.keys()];
  const multiple = nodes.length > 1;
  const node = multiple ? undefined : nodes[0] ?? p.pendingNode ?? p.lockedTo;
  const role = nodes.length ? p.active.get(nodes[0]!)! : 'Stopped';
  const shownRole = role === 'Started' && promotableChild(p) ? 'Unpromoted' : role;
  const failed = nodes.some((n) => p.failed.has(n));
  let s = `${name}\t(${agent}):\t`;
  if (p.orphan) s += ' ORPHANED';
  if (failed) s += ` FAILED${role === 'Promoted' ? ' Promoted' : ''}`;
  else s += ` ${p.pendingTask && PENDING[p.pendingTask] && (nodes.length || p.pendingNode) ? PENDING[p.pendingTask] : shownRole}`;
  if (node && !rscOnly) s += ` ${node}`;
  const flags: string[] = [];
  const n = node ? ws.node.get(node) : undefined;
  if (n && !n.online && n.unclean && !rscOnly) flags.push('UNCLEAN');
  if (node && node === p.lockedTo) flags.push('LOCKED');
  if (p.pendingTask === 'monitor') flags.push('Monitoring');
  const target = p.meta['target-role'];
  if (target && /^stopped$/i.test(target)) flags.push('disabled');
  else if (target && promotableChild(p) && /^(unpromoted|slave)$/i.test(target)) flags.push(`target-role:${target}`);
  if (p.blocked) flags.push('blocked');
  else if (!managed(ws, p)) flags.push('unmanaged');
  if (p.failureIgnored) flags.push('failure ignored');
  if (flags.length) s += ` (${flags.join(', ')})`;
  // (In the order the status section lists the nodes.)
  const statusOrder = (x: string) => statusIndex(ws).get(x) ?? -1;
  if (multiple && !rscOnly) s += ` [ ${nodes.sort((a, b) => statusOrder(a) - statusOrder(b)).join(' ')} ]`;
  return s;
}

/** Both sections, as crm_simulate prints them under "Current cluster status:". */
export function clusterStatusText(ws: WorkingSet): string {
  return `${[...nodeListLines(ws), '', ...resourceListLines(ws)].join('\n')}\n`;
}

/**
 * The "Revised Cluster Status" crm_simulate prints after carrying a transition out (see
 * runTransition()): as the current status, but without operations in progress. Give it the
 * working set read back from the resulting CIB (its pending operations are forgotten).
 */
export function revisedStatusText(ws: WorkingSet): string {
  for (const r of ws.byId.values()) {
    delete r.pendingTask;
    delete r.pendingNode;
  }
  return clusterStatusText(ws);
}
