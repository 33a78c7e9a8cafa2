/**
 * What crm_mon shows, as Pacemaker 2.1 decides it: the sections (`--include`/`--exclude`, and the
 * options that add one: -A attributes, -f failcounts, -o operations, -L bans, -c tickets, -m
 * fencing) and how resources are shown (-r inactive ones too, -n grouped by node, -R failed
 * actions in detail, -t timing of operations). Then the text of the sections Pacemaker's text
 * output has beyond the summary, nodes and resources: "Node Attributes", "Migration Summary" /
 * "Operations", "Failed Resource Actions", "Tickets", "Negative Location Constraints", the nodes
 * with their resources (-n), and `-s`'s one line. Pure: a working set in, lines out.
 */
import { type NodeInfo, parseScore, type Rsc, type WorkingSet, compareNodeNames, primitives } from '@heartbeat-ts/pengine';
import { parseCrmDurationMs } from '@heartbeat-ts/cluster-glue/client';
import { ctime } from './cluster-status.js';
import { locationTargets } from './resource-constraints.js';

export const SECTIONS = ['attributes', 'bans', 'counts', 'dc', 'failcounts', 'failures', 'fencing-failed', 'fencing-pending', 'fencing-succeeded', 'maint-mode', 'nodes', 'operations', 'options', 'resources', 'stack', 'tickets', 'times'] as const;
export type Section = (typeof SECTIONS)[number];
const SUMMARY: Section[] = ['stack', 'dc', 'times', 'counts', 'maint-mode'];
const FENCING: Section[] = ['fencing-failed', 'fencing-pending', 'fencing-succeeded'];

/** The sections a format shows by default: text the summary, nodes, resources and failures; XML everything. */
export function defaultSections(format: 'text' | 'xml' | 'json'): Set<Section> {
  return format === 'text' ? new Set<Section>([...SUMMARY, 'nodes', 'resources', 'failures']) : new Set(SECTIONS);
}

/** Every section the format can show (text: all but options). */
function allSections(format: 'text' | 'xml' | 'json'): Section[] {
  return format === 'text' ? SECTIONS.filter((s) => s !== 'options') : [...SECTIONS];
}

/** The sections a name stands for (summary and fencing are groups); undefined if it is none. */
function sectionsNamed(name: string): Section[] | undefined {
  if (name === 'summary') return SUMMARY;
  if (name === 'fencing') return FENCING;
  return (SECTIONS as readonly string[]).includes(name) ? [name as Section] : undefined;
}

export const SECTION_HELP = 'all, attributes, bans, counts, dc, failcounts, failures, fencing, fencing-failed, fencing-pending, fencing-succeeded, maint-mode, nodes, none, operations, options, resources, stack, summary, tickets, times';

/**
 * Applies one `--include` or `--exclude` list (comma-separated) as Pacemaker does: `all`,
 * `none`, `default` (include), `bans:PREFIX` (include: only constraints whose id starts so).
 * Returns an error message for an unknown section.
 */
export function applySections(shown: Set<Section>, how: 'include' | 'exclude', list: string, format: 'text' | 'xml' | 'json', banPrefix: { value?: string }): string | undefined {
  for (const name of list.split(',')) {
    if (name === 'all') {
      shown.clear();
      if (how === 'include') for (const s of allSections(format)) shown.add(s);
    } else if (name === 'none') {
      shown.clear();
      if (how === 'exclude') for (const s of allSections(format)) shown.add(s);
    } else if (how === 'include' && (name === 'default' || name === 'defaults')) {
      for (const s of defaultSections(format)) shown.add(s);
    } else if (how === 'include' && name.startsWith('bans')) {
      shown.add('bans');
      banPrefix.value = name.length > 4 && name[4] === ':' ? name.slice(5) : undefined;
    } else {
      const named = sectionsNamed(name.toLowerCase());
      if (!named) return `--${how} options: ${SECTION_HELP}`;
      for (const s of named) if (how === 'include') shown.add(s); else shown.delete(s);
    }
  }
  return undefined;
}

/** How resources and actions are shown. */
export interface ShowOptions {
  /** -r: inactive resources too. */
  inactive: boolean;
  /** -n: the resources under the node they run on. */
  byNode: boolean;
  /** -R: failed actions with their technical details. */
  failedDetail: boolean;
  /** -t: operations with their times. */
  timing: boolean;
}

/** Pacemaker's names of OCF exit codes. */
const RC_TEXT: Record<number, string> = { 0: 'ok', 1: 'error', 2: 'invalid parameter', 3: 'unimplemented feature', 4: 'insufficient privileges', 5: 'not installed', 6: 'not configured', 7: 'not running', 8: 'promoted', 9: 'promoted (failed)', 190: 'OCF_DEGRADED', 191: 'promoted (degraded)' };
export const rcText = (rc: number) => RC_TEXT[rc] ?? 'unknown';
/** Pacemaker's names of execution statuses. */
const EXEC_STATUS: Record<string, string> = { '-1': 'pending', 0: 'complete', 1: 'Cancelled', 2: 'Timed Out', 3: 'NOT SUPPORTED', 4: 'Error', 5: 'Hard error', 6: 'Fatal error', 7: 'Not installed', 8: 'Internal communication failure', 9: 'Cannot execute now', 10: 'No fence device', 11: 'CIB secrets unavailable' };
export const execStatusText = (status: string) => EXEC_STATUS[status] ?? 'UNKNOWN!';

/** An interval as Pacemaker writes it for people: "10s", "1m 30s" without spaces ("1m30s"), "500ms", "1.500s". */
export function readableInterval(ms: number): string {
  const D = 86_400_000;
  const H = 3_600_000;
  const M = 60_000;
  let s = '';
  // (Pacemaker compares with ">": exactly one unit is written in the next smaller one.)
  if (ms > D) { s += `${Math.floor(ms / D)}d`; ms %= D; }
  if (ms > H) { s += `${Math.floor(ms / H)}h`; ms %= H; }
  if (ms > M) { s += `${Math.floor(ms / M)}m`; ms %= M; }
  if (ms > 1000) {
    s += String(Math.floor(ms / 1000));
    ms %= 1000;
    if (ms > 0) s += `.${String(ms).padStart(3, '0')}`;
    s += 's';
  } else if (ms > 0) s += `${ms}ms`;
  else if (!s) s = '0s';
  return s;
}

/** Attributes Pacemaker does not list under "Node Attributes" (set by the cluster itself). */
const AUTOMATIC = ['fail-count-', 'last-failure-', 'shutdown', 'terminate', 'standby', '#'];

/** A node's attributes crm_mon lists (not those the cluster sets itself), sorted by name. */
export function nodeAttributeNames(n: NodeInfo): string[] {
  return Object.keys(n.attrs).filter((k) => !AUTOMATIC.some((p) => k.startsWith(p))).sort();
}

/** "Node Attributes": each online node's own attributes, sorted by name. */
export function nodeAttributeLines(ws: WorkingSet): string[] {
  const out: string[] = [];
  for (const n of [...ws.nodes].sort((a, b) => compareNodeNames(a.name, b.name))) {
    if (!n.online) continue;
    const names = nodeAttributeNames(n);
    if (!names.length) continue;
    if (!out.length) out.push('Node Attributes:');
    out.push(`  * Node: ${n.name}:`);
    for (const k of names) out.push(`    * ${pad(k, 32)}\t: ${pad(n.attrs[k]!, 10)}`);
  }
  return out;
}

const pad = (s: string, w: number) => (s.length >= w ? s : s + ' '.repeat(w - s.length));

/** The resource a history entry belongs to (clone instances by their base id). */
function historyResource(ws: WorkingSet, id: string): Rsc | undefined {
  return ws.byId.get(id) ?? [...ws.byId.values()].find((r) => r.kind === 'primitive' && r.id.replace(/:\d+$/, '') === id);
}

/** A resource's fail count on a node (its own record, summed over operations) and its last failure (epoch s). */
export function failureOf(ws: WorkingSet, rsc: Rsc | undefined, id: string, node: string): { count: number; last: number } {
  const n = ws.node.get(node);
  if (!n) return { count: 0, last: 0 };
  const base = id.replace(/:\d+$/, '');
  const matches = (k: string, prefix: string) => k.startsWith(prefix) && new RegExp(`^${prefix}${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)?(#.*)?$`).test(k);
  const counted = rsc ? primitives(rsc).reduce((a, p) => a + (p.failCount.get(node) ?? 0), 0) : 0;
  let last = 0;
  for (const [k, v] of Object.entries(n.attrs)) if (matches(k, 'last-failure-')) last = Math.max(last, Number(v) || 0);
  return { count: Math.min(counted, 1_000_000), last };
}

function isAnonymousInstance(rsc: Rsc): boolean {
  for (let p = rsc.parent; p; p = p.parent) if (p.kind === 'clone' && !p.clone?.unique) return true;
  return false;
}

/** A resource's migration-threshold (INFINITY, the default, as 1000000). */
export function migrationThreshold(rsc: Rsc | undefined): number {
  const t = rsc?.meta['migration-threshold'];
  if (t === undefined || /^\+?INFINITY$/i.test(t)) return 1_000_000;
  return Number.parseInt(t, 10) || 0;
}

/** An operation record's fields as the sections use them. */
function op(o: { attrs: Record<string, string> }) {
  const a = o.attrs;
  return { id: a.id ?? '', operation: a.operation ?? '', interval: a.interval ?? '0', rc: a['rc-code'] ?? '0', status: a['op-status'] ?? '0', callId: a['call-id'] ?? '', attrs: a };
}

/** A node's operations on one resource, as Pacemaker lists them: by call id, no notifications, no probes that found it stopped. */
export function shownOperations(ops: { attrs: Record<string, string> }[]): ReturnType<typeof op>[] {
  const call = (o: ReturnType<typeof op>) => Number(o.callId);
  return ops
    .map(op)
    .filter((o) => o.operation !== 'notify' && !(o.operation === 'monitor' && o.interval === '0' && o.rc === '7'))
    .sort((x, y) => call(x) - call(y));
}

/** "Migration Summary" (fail counts) or, with operations, "Operations": per online node in the status section's order. */
export function nodeSummaryLines(ws: WorkingSet, operations: boolean, show: ShowOptions): string[] {
  const out: string[] = [];
  for (const state of ws.cib.status) {
    const node = state.uname ?? '';
    if (!ws.node.get(node)?.online) continue;
    if (!out.length) out.push(operations ? 'Operations:' : 'Migration Summary:');
    const lines: string[] = [];
    for (const lrmRsc of state.lrm) {
      const id = lrmRsc.id;
      const rsc = historyResource(ws, id);
      const { count, last } = failureOf(ws, rsc, id, node);
      const history = (all: boolean) => {
        if (!rsc) return `${id}: orphan`;
        if (!all && !count && !last) return `${id}:`;
        return `${id}: migration-threshold=${migrationThreshold(rsc)}${count > 0 ? ` fail-count=${count}` : ''}${last > 0 ? ` last-failure='${ctime(new Date(last * 1000))}'` : ''}`;
      };
      if (!operations) {
        if (count > 0) lines.push(`    * ${history(false)}`);
        continue;
      }
      const ops = shownOperations(lrmRsc.ops);
      if (!ops.length) continue;
      // (An anonymous clone's instance by the clone's name for its member.)
      lines.push(`    * ${history(true).replace(/^[^:]+(:\d+)?(?=:)/, (x) => (rsc && isAnonymousInstance(rsc) ? x.replace(/:\d+$/, '') : x))}:`);
      for (const o of ops) {
        const task = o.operation === 'monitor' && o.interval === '0' ? 'probe' : o.operation;
        const interval = o.interval !== '0' ? ` interval="${o.interval}ms"` : '';
        if (show.timing) {
          const changed = Number(o.attrs['last-rc-change'] ?? 0);
          const times = [changed > 0 ? ` last-rc-change='${ctime(new Date(changed * 1000))}'` : '', o.attrs['exec-time'] !== undefined ? ` exec-time="${o.attrs['exec-time']}ms"` : '', o.attrs['queue-time'] !== undefined ? ` queue-time="${o.attrs['queue-time']}ms"` : ''].join('');
          lines.push(`      * (${o.callId}) ${task}:${interval}${times} rc=${o.rc} (${rcText(Number(o.rc))})`);
        } else lines.push(`      * (${o.callId}) ${task}${interval ? `:${interval}` : ''}`);
      }
    }
    if (lines.length) out.push(`  * Node: ${node}:`, ...lines);
  }
  return out;
}

/**
 * Whether an operation record is a failure, as Pacemaker judges it: an executor status other than
 * done/error is final (timed out, not installed, ... — cancelled, unsupported and pending ones are
 * none); for done/error the result is compared with the one expected (the transition key's): a
 * probe that found the resource running, stopped or promoted is fine.
 */
export function isFailedOperation(o: { operation: string; interval: string; rc: string; status: string; attrs: Record<string, string> }): boolean {
  if (o.status === '-1' || o.status === '1' || o.status === '3') return false;
  if (o.status !== '0' && o.status !== '4') return true;
  const rc = Number(o.rc);
  const probe = o.operation === 'monitor' && o.interval === '0';
  if (probe) return ![0, 7, 8].includes(rc);
  const target = Number((o.attrs['transition-key'] ?? '').split(':')[2] ?? 0);
  return rc !== (Number.isInteger(target) ? target : 0);
}

/** An operation key ("rsc_migrate_to_0") as its resource, task and interval; undefined if it is none. */
export function parseOpKey(key: string): { rsc: string; task: string; intervalMs: number } | undefined {
  const m = /^(.+)_(\d+)$/.exec(key);
  if (!m) return undefined;
  const rest = m[1]!;
  // (Tasks with an underscore of their own first.)
  const special = /^(.+)_(migrate_to|migrate_from|(?:pre|post)_notify_[a-z_]+)$/.exec(rest);
  if (special) return { rsc: special[1]!, task: special[2]!, intervalMs: Number(m[2]) };
  const i = rest.lastIndexOf('_');
  if (i <= 0) return undefined;
  return { rsc: rest.slice(0, i), task: rest.slice(i + 1), intervalMs: Number(m[2]) };
}

/** A resource's failure-timeout in seconds (0: failures do not expire). */
function failureTimeoutS(rsc: Rsc | undefined): number {
  const t = rsc?.meta['failure-timeout'];
  return t ? Math.floor((parseCrmDurationMs(t) ?? 0) / 1000) : 0;
}

/** A failed operation as crm_mon lists it. */
export interface FailedAction {
  key: string;
  node: string;
  op: ReturnType<typeof op>;
}

/** Every failed operation of the history (once per operation key and node), in the status section's order. */
export function failedActions(ws: WorkingSet): FailedAction[] {
  const out: FailedAction[] = [];
  const seen = new Set<string>();
  for (const state of ws.cib.status) {
    for (const lrmRsc of state.lrm) {
      const ops = lrmRsc.ops.map(op).sort((x, y) => Number(x.callId) - Number(y.callId));
      // (Recurring operations from before the last start are history Pacemaker skips.)
      const lastStart = ops.reduce((at, o, i) => (o.operation === 'start' || o.operation === 'migrate_from' ? i : at), -1);
      const timeoutS = failureTimeoutS(historyResource(ws, lrmRsc.id));
      for (const [i, o] of ops.entries()) {
        if (o.interval !== '0' && i < lastStart) continue;
        if (!isFailedOperation(o)) continue;
        // (An expired failure — failure-timeout since it happened — is forgotten.)
        const at = Number(o.attrs['last-rc-change'] ?? o.attrs['last-run'] ?? 0);
        if (timeoutS > 0 && at > 0 && ws.now > at + timeoutS) continue;
        // (Pacemaker does not show a probe that found the agent not installed.)
        if (o.operation === 'monitor' && o.interval === '0' && (o.rc === '5' || o.status === '7')) continue;
        const node = state.uname ?? o.attrs.on_node ?? 'unknown node';
        const key = o.attrs.operation_key ?? o.id;
        if (seen.has(`${key}@${node}`)) continue;
        seen.add(`${key}@${node}`);
        out.push({ key, node, op: o });
      }
    }
  }
  return out;
}

/** "Failed Resource Actions": friendly, or (-R) technical. */
export function failedActionLines(ws: WorkingSet, detail: boolean): string[] {
  const out: string[] = [];
  for (const { key, node, op: o } of failedActions(ws)) {
    const rc = Number(o.rc);
    const changed = Number(o.attrs['last-rc-change'] ?? 0);
    const reason = o.attrs['exit-reason'] ?? '';
    if (!out.length) out.push('Failed Resource Actions:');
    if (detail) {
      let s = `${key} on ${node} '${rcText(rc)}' (${rc}): call=${o.callId || 'unknown'}, status='${execStatusText(o.status)}'`;
      if (reason) s += `, exitreason='${reason}'`;
      if (changed > 0) s += `, last-rc-change='${ctime(new Date(changed * 1000))}'`;
      if (o.attrs['queue-time']) s += `, queued=${o.attrs['queue-time']}ms`;
      if (o.attrs['exec-time']) s += `, exec=${o.attrs['exec-time']}ms`;
      out.push(`  * ${s}`);
      continue;
    }
    const parsed = parseOpKey(key);
    const rscId = parsed?.rsc ?? 'unknown resource';
    const intervalMs = parsed?.intervalMs ?? 0;
    const task = parsed ? (parsed.task === 'monitor' && intervalMs === 0 ? 'probe' : parsed.task) : 'unknown action';
    let s = `${rscId} ${intervalMs ? `${readableInterval(intervalMs)}-interval ` : ''}${task} on ${node}`;
    if (o.status === '0') s += ` returned '${rcText(rc)}'${reason ? ` (${reason})` : ''}`;
    else s += ` could not be executed (${execStatusText(o.status)}${reason ? `: ${reason}` : ''})`;
    if (changed > 0) s += ` at ${ctime(new Date(changed * 1000))}`;
    const exec = Number(o.attrs['exec-time'] ?? 0);
    if (exec > 0) s += ` after ${readableInterval(exec)}`;
    out.push(`  * ${s}`);
  }
  return out;
}

/** "Negative Location Constraints": every location constraint that keeps a resource off a node (-INFINITY or any negative score). */
export function banLines(ws: WorkingSet, prefix?: string): string[] {
  const out: string[] = [];
  for (const b of bans(ws, prefix)) {
    if (!out.length) out.push('Negative Location Constraints:');
    out.push(`  * ${b.id}\tprevents ${b.rsc} from running ${b.promotedOnly ? 'promoted ' : ''}on ${b.node}`);
  }
  return out;
}

/** The negative location preferences of the configuration (node-specific ones and rules on #uname). */
export function bans(ws: WorkingSet, prefix?: string): LocationEntry[] {
  return locations(ws, prefix).filter((l) => l.weight < 0);
}

export interface LocationEntry {
  id: string;
  rsc: string;
  node: string;
  weight: number;
  promotedOnly: boolean;
}

/** The location preferences of the configuration that name nodes (node-specific ones and rules on #uname). */
export function locations(ws: WorkingSet, prefix?: string): LocationEntry[] {
  return ws.constraints
    .filter((k) => k.kind === 'rsc_location' && (prefix === undefined || (k.attrs.id ?? '').startsWith(prefix)))
    .flatMap((k) => locationTargets(k.attrs, k.rules).filter((t) => ws.node.has(t.node)).map((t) => ({ id: k.attrs.id ?? '', rsc: k.attrs.rsc ?? '', node: t.node, weight: parseScore(t.score, 0), promotedOnly: /^(promoted|master)$/i.test(k.attrs.role ?? '') })));
}

/** "Tickets": each ticket the status section knows, and those constraints name. */
export function ticketLines(ws: WorkingSet): string[] {
  const out: string[] = [];
  for (const [id, t] of [...ws.tickets].sort(([a], [b]) => a.localeCompare(b))) {
    if (!out.length) out.push('Tickets:');
    out.push(`  * ${id}:\t${t.granted ? 'granted' : 'revoked'}${t.standby ? ' [standby]' : ''}`);
  }
  return out;
}

/** The name Pacemaker shows for a primitive: an anonymous clone's instance by its member's id, any other by its own. */
export function printableId(p: Rsc): string {
  return isAnonymousInstance(p) ? p.id.replace(/:\d+$/, '') : p.id;
}

/** -n: each node with the resources it runs (primitives, in the order its history lists them). */
export function byNodeLines(ws: WorkingSet, nodeLine: (name: string) => string, primitiveLine: (p: Rsc, node: string) => string): string[] {
  const out = ['Node List:'];
  const nodes = [...ws.nodes].sort((a, b) => compareNodeNames(a.name, b.name));
  for (const n of nodes) {
    out.push(`  * ${nodeLine(n.name)}:`, '    * Resources:');
    const order = new Map((ws.cib.status.find((s) => s.uname === n.name)?.lrm ?? []).map((r, i) => [r.id, i]));
    const running = [...ws.byId.values()].filter((r) => r.kind === 'primitive' && r.active.has(n.name));
    const pos = (p: Rsc) => order.get(p.historyNames?.get(n.name) ?? p.historyName ?? p.id) ?? order.get(printableId(p)) ?? Number.MAX_SAFE_INTEGER;
    running.sort((a, b) => pos(a) - pos(b));
    for (const p of running) out.push(`      * ${primitiveLine(p, n.name)}`);
  }
  return out;
}

/** crm_mon -s: Pacemaker's one line for monitoring systems, and whether it is a warning. */
export function simpleStatus(ws: WorkingSet, dc: string | null): { line: string; warning: boolean } {
  let online = 0;
  let standby = 0;
  let maintenance = 0;
  const offline: string[] = [];
  for (const n of ws.nodes) {
    if (n.standby && n.online) standby++;
    else if (n.maintenance && n.online) maintenance++;
    else if (n.online) online++;
    else offline.push(n.name);
  }
  const s = (k: number) => (k === 1 ? '' : 's');
  if (!dc || offline.length) {
    return { line: `CLUSTER WARN: ${!dc ? 'No DC' : ''}${!dc && offline.length ? ', ' : ''}${offline.map((n) => `offline node: ${n}`).join(' ')}`, warning: true };
  }
  const instances = ws.resources.filter((r) => !r.implicit).flatMap((r) => primitives(r)).length;
  return {
    line: `CLUSTER OK: ${online} node${s(online)} online${standby ? `, ${standby} standby node${s(standby)}` : ''}${maintenance ? `, ${maintenance} maintenance node${s(maintenance)}` : ''}, ${instances} resource instance${s(instances)} configured`,
    warning: false,
  };
}

