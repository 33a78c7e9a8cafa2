/**
 * crm_mon's text (Pacemaker 2.1's format): the "Cluster Summary" — stack, current DC and
 * quorum, times, counts — then the "Node List" and "Full List of Resources" as the policy
 * engine's status printer has them. Pure: a parsed CIB and what the controller says in, text out.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { type FenceEvent, fenceEventText, type PendingFence, pendingFenceText } from '@heartbeat-ts/fencer/client';
import { buildWorkingSet, nodeListLines, nodeStatusText, primitiveLine, primitives, resourceListLines, type WorkingSet } from '@heartbeat-ts/pengine';
import { banLines, byNodeLines, printableId, defaultSections, failedActionLines, nodeAttributeLines, nodeSummaryLines, type Section, type ShowOptions, ticketLines } from './crm-mon-sections.js';

export interface MonitorInput {
  cib: Cib;
  /** The DC as the local controller knows it (null: none elected). */
  dc: string | null;
  /** The time of the report. */
  now: Date;
  /** The version string shown after the DC. */
  version: string;
  /** Fencing actions this node's fencer knows of (the view's fencing sections say which are shown). */
  fencing?: { events: FenceEvent[]; pending?: PendingFence[] };
  /** What to show (default: crm_mon -1's text defaults). */
  view?: MonitorView;
}

/** The sections shown and how (see crm-mon-sections.ts). */
export interface MonitorView {
  sections: Set<Section>;
  show: ShowOptions;
  /** -L PREFIX / --include=bans:PREFIX: only bans whose id starts so. */
  banPrefix?: string;
}

export function defaultView(format: 'text' | 'xml' | 'json' = 'text'): MonitorView {
  const sections = defaultSections(format);
  // (crm_mon asks the fencer for failed and pending actions unless told otherwise: -m 1.)
  sections.add('fencing-failed').add('fencing-pending');
  return { sections, show: { inactive: format !== 'text', byNode: false, failedDetail: false, timing: format !== 'text' } };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** ctime()-style, as Pacemaker prints times ("Thu Nov 26 16:25:30 2026"), in UTC. */
export function ctime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The "Cluster Summary:" lines (those of the summary's sections shown). */
export function clusterSummaryLines(m: MonitorInput, ws = buildWorkingSet(m.cib, { now: Math.floor(m.now.getTime() / 1000) }), shown: Set<Section> = defaultSections('text')): string[] {
  const root = m.cib.root.attrs;
  const quorum = root['have-quorum'] === '1' || root['have-quorum'] === 'true';
  const out: string[] = [];
  if (shown.has('stack')) out.push('  * Stack: heartbeat');
  // (Without a DC Pacemaker says so whatever the sections.)
  if (shown.has('dc') || !m.dc) out.push(m.dc ? `  * Current DC: ${m.dc} (version ${m.version}) - partition ${quorum ? 'with' : 'WITHOUT'} quorum` : '  * Current DC: NONE');
  if (shown.has('times')) {
    out.push(`  * Last updated: ${ctime(m.now)}`);
    const by = [root['update-user'] ? ` by ${root['update-user']}` : '', root['update-client'] ? ` via ${root['update-client']}` : '', root['update-origin'] ? ` on ${root['update-origin']}` : ''].join('');
    out.push(`  * Last change:  ${root['cib-last-written'] ?? ''}${by}`);
  }
  if (shown.has('counts')) {
    const nodes = ws.nodes.filter((n) => !n.remote || n.remote.container === undefined).length;
    out.push(`  * ${nodes} node${nodes === 1 ? '' : 's'} configured`);
    const prims = ws.resources.filter((r) => !r.implicit).flatMap((r) => primitives(r));
    const disabled = prims.filter((p) => /^stopped$/i.test(p.meta['target-role'] ?? '')).length;
    const blocked = prims.filter((p) => p.blocked).length;
    const notes = [disabled ? `${disabled} DISABLED` : '', blocked ? `${blocked} BLOCKED from further action due to failure` : ''].filter(Boolean).join(', ');
    out.push(`  * ${prims.length} resource instance${prims.length === 1 ? '' : 's'} configured${notes ? ` (${notes})` : ''}`);
  }
  if (shown.has('options')) {
    const o = ws.options;
    const policy: Record<string, string> = { freeze: 'Freeze resources', stop: 'Stop ALL resources', demote: 'Demote promotable resources and stop all other resources', ignore: 'Ignore', suicide: 'Suicide' };
    out.push(`  * STONITH of failed nodes ${o.stonithEnabled ? 'enabled' : 'disabled'}`, `  * Cluster is ${o.symmetric ? 'symmetric' : 'asymmetric'}`, `  * No quorum policy: ${policy[o.noQuorumPolicy] ?? o.noQuorumPolicy}`);
    out.push(o.maintenanceMode ? '  * Resource management: DISABLED (the cluster will not attempt to start, stop, or recover services)' : stopAll(ws) ? '  * Resource management: STOPPED (the cluster will keep all resources stopped)' : '  * Resource management: enabled');
  }
  return out.length ? ['Cluster Summary:', ...out] : [];
}

const stopAll = (ws: WorkingSet) => /^(true|yes|on|1|y)$/i.test(ws.cib.property('stop-all-resources') ?? 'false');

/** The maintenance-mode banner Pacemaker prints after the summary. */
function maintenanceLines(ws: WorkingSet): string[] {
  if (ws.options.maintenanceMode) return ['', '              *** Resource management is DISABLED ***', '  The cluster will not attempt to start, stop or recover services'];
  if (stopAll(ws)) return ['', '    *** Resource management is DISABLED ***', '  The cluster will keep all resources stopped'];
  return [];
}

/** crm_mon's text: the sections shown, in Pacemaker's order, a blank line between them. */
export function monitorText(m: MonitorInput): string {
  const ws = buildWorkingSet(m.cib, { now: Math.floor(m.now.getTime() / 1000) });
  const view = m.view ?? defaultView();
  const shown = view.sections;
  // (crm_simulate indents its sections under a heading; crm_mon starts them at the margin.)
  const outdent = (lines: string[]) => lines.map((l, i) => (i === 0 ? l.replace(/^ {2}\* /, '') : l.replace(/^ {2}/, '')));
  const blocks: string[][] = [];
  const summary = clusterSummaryLines(m, ws, shown);
  const maintenance = shown.has('maint-mode') ? maintenanceLines(ws) : [];
  if (summary.length || maintenance.length) blocks.push([...summary, ...maintenance]);
  if (shown.has('nodes')) {
    blocks.push(view.show.byNode ? byNodeLines(ws, (name) => `Node ${name}: ${nodeStatusText(ws, ws.node.get(name)!)}`, (p) => primitiveLine(ws, p, printableId(p), true)) : outdent(nodeListLines(ws)));
  }
  if (shown.has('resources') && !(view.show.byNode && !view.show.inactive)) {
    blocks.push(outdent(resourceListLines(ws, { inactive: view.show.inactive, onlyInactive: view.show.byNode })));
  }
  if (shown.has('attributes')) blocks.push(nodeAttributeLines(ws));
  if (shown.has('operations') || shown.has('failcounts')) blocks.push(nodeSummaryLines(ws, shown.has('operations'), view.show));
  if (shown.has('failures')) blocks.push(failedActionLines(ws, view.show.failedDetail));
  // Fencing: the whole history with fencing-succeeded; else the failed actions (and, last, the pending ones).
  const f = m.fencing;
  const pending = f && shown.has('fencing-pending') ? (f.pending ?? []).map((p) => `  * ${pendingFenceText(p)}`) : [];
  const events = f ? [...f.events].sort((a, b) => b.completed - a.completed) : [];
  if (!shown.has('fencing-succeeded') && shown.has('fencing-failed')) {
    const failed = events.filter((e) => e.status === 'failed').map((e) => `  * ${fenceEventText(e)}`);
    if (failed.length) blocks.push(['Failed Fencing Actions:', ...failed]);
  }
  if (shown.has('tickets')) blocks.push(ticketLines(ws));
  if (shown.has('bans')) blocks.push(banLines(ws, view.banPrefix));
  if (shown.has('fencing-succeeded')) {
    const all = [...pending, ...events.map((e) => `  * ${fenceEventText(e)}`)];
    if (all.length) blocks.push(['Fencing History:', ...all]);
  } else if (pending.length) blocks.push(['Pending Fencing Actions:', ...pending]);
  return `${blocks.filter((b) => b.length).map((b) => b.join('\n')).join('\n\n')}\n`;
}
