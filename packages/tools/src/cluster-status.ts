/**
 * crm_mon's text (Pacemaker 2.1's format): the "Cluster Summary" — stack, current DC and
 * quorum, times, counts — then the "Node List" and "Full List of Resources" as the policy
 * engine's status printer has them. Pure: a parsed CIB and what the controller says in, text out.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { type FenceEvent, fenceEventText, type PendingFence, pendingFenceText } from '@heartbeat-ts/fencer/client';
import { buildWorkingSet, nodeListLines, primitives, resourceListLines } from '@heartbeat-ts/pengine';

export interface MonitorInput {
  cib: Cib;
  /** The DC as the local controller knows it (null: none elected). */
  dc: string | null;
  /** The time of the report. */
  now: Date;
  /** The version string shown after the DC. */
  version: string;
  /**
   * Fencing actions this node's fencer knows of, and how much of them to show (crm_mon -m):
   * 0 none, 1 the failed ones, 2 and 3 all of them.
   */
  fencing?: { events: FenceEvent[]; level: number; pending?: PendingFence[] };
}

/** The fencing events crm_mon shows at this level, newest first. */
export function shownFencing(m: MonitorInput): FenceEvent[] {
  const f = m.fencing;
  if (!f || f.level <= 0) return [];
  return f.events.filter((e) => f.level >= 2 || e.status === 'failed').sort((a, b) => b.completed - a.completed);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** ctime()-style, as Pacemaker prints times ("Thu Nov 26 16:25:30 2026"), in UTC. */
export function ctime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The "Cluster Summary:" lines. */
export function clusterSummaryLines(m: MonitorInput, ws = buildWorkingSet(m.cib, { now: Math.floor(m.now.getTime() / 1000) })): string[] {
  const root = m.cib.root.attrs;
  const quorum = root['have-quorum'] === '1' || root['have-quorum'] === 'true';
  const out = ['Cluster Summary:', '  * Stack: heartbeat'];
  out.push(m.dc ? `  * Current DC: ${m.dc} (version ${m.version}) - partition ${quorum ? 'with' : 'WITHOUT'} quorum` : '  * Current DC: NONE');
  out.push(`  * Last updated: ${ctime(m.now)}`);
  if (root['cib-last-written']) {
    const by = [root['update-user'] ? `by ${root['update-user']}` : '', root['update-client'] ? `via ${root['update-client']}` : '', root['update-origin'] ? `on ${root['update-origin']}` : ''].filter(Boolean).join(' ');
    out.push(`  * Last change:  ${root['cib-last-written']}${by ? ` ${by}` : ''}`);
  }
  const nodes = ws.nodes.filter((n) => !n.remote || n.remote.container === undefined).length;
  out.push(`  * ${nodes} node${nodes === 1 ? '' : 's'} configured`);
  const instances = ws.resources.filter((r) => !r.implicit).flatMap((r) => primitives(r)).length;
  const disabled = ws.resources.filter((r) => !r.implicit).flatMap((r) => primitives(r)).filter((p) => /^stopped$/i.test(p.meta['target-role'] ?? '')).length;
  out.push(`  * ${instances} resource instance${instances === 1 ? '' : 's'} configured${disabled ? ` (${disabled} DISABLED)` : ''}`);
  return out;
}

/** crm_mon -1's text: the summary, the nodes, the resources. */
export function monitorText(m: MonitorInput): string {
  const ws = buildWorkingSet(m.cib, { now: Math.floor(m.now.getTime() / 1000) });
  // (crm_simulate indents its sections under a heading; crm_mon starts them at the margin.)
  const outdent = (lines: string[]) => lines.map((l, i) => (i === 0 ? l.replace(/^ {2}\* /, '') : l.replace(/^ {2}/, '')));
  const fencing = shownFencing(m);
  // (Level 1: the failed actions, and at the end the pending ones; 2 and 3: the whole history, pending first.)
  const level = m.fencing?.level ?? 0;
  const pending = level > 0 ? (m.fencing?.pending ?? []).map((p) => `  * ${pendingFenceText(p)}`) : [];
  const history = fencing.map((e) => `  * ${fenceEventText(e)}`);
  const fenceLines =
    level >= 2
      ? pending.length + history.length ? ['', 'Fencing History:', ...pending, ...history] : []
      : [...(history.length ? ['', 'Failed Fencing Actions:', ...history] : []), ...(pending.length ? ['', 'Pending Fencing Actions:', ...pending] : [])];
  return `${[...clusterSummaryLines(m, ws), '', ...outdent(nodeListLines(ws)), '', ...outdent(resourceListLines(ws)), ...fenceLines].join('\n')}\n`;
}
