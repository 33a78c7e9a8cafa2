/**
 * `crm_resource --why`: why a resource runs where it runs, or why it is stopped — per node, its
 * score as our scheduler computed it and what contributed: location constraints (and rules),
 * stickiness where it runs, fail counts against migration-threshold, colocations with resources
 * already placed, node state (offline, standby, maintenance, unclean, health), utilization, and
 * what keeps it stopped (target-role, unmanaged, blocked, a misconfiguration, an ordering).
 * Pacemaker prints the raw allocation scores; this is the answer behind them. Pure: a CIB in, an
 * explanation out (the JSON of `crm_resource --why --output-as json`, shape version 1).
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { buildWorkingSet, locationScoresOf, nodeHealth, parseScore, primitives, type Rsc, schedule } from '@heartbeat-ts/pengine';
import { migrationThreshold } from './crm-mon-sections.js';

const INF = 1_000_000;

export interface Contribution {
  /** location | rule | stickiness | failcount | colocation | node | utilization | role */
  source: string;
  /** The constraint or attribute that says so. */
  id?: string;
  /** Its score on this node (INFINITY as ±1000000); absent for what forbids the node outright. */
  score?: number;
  detail: string;
}

export interface NodeExplanation {
  node: string;
  /** The score our scheduler gave the resource on this node (-1000000: it may not run there). */
  score: number;
  /** Whether the resource may run there at all. */
  allowed: boolean;
  runs: boolean;
  contributions: Contribution[];
}

export interface WhyExplanation {
  resource: string;
  kind: string;
  /** Where it runs now. */
  running: string[];
  /** Where the scheduler places it (null: stopped), and the summary line for it if it changes. */
  placed: string | null;
  change?: string;
  /** Why it is where it is (or stopped), in words. */
  reasons: string[];
  nodes: NodeExplanation[];
}

const scoreText = (n: number) => (n >= INF ? 'INFINITY' : n <= -INF ? '-INFINITY' : String(n));

/** The explanation of one resource's placement (undefined if the CIB has no such resource). */
export function explainPlacement(cib: Cib, rscId: string, now?: number): WhyExplanation | undefined {
  const ws = buildWorkingSet(cib, now === undefined ? {} : { now });
  if (!ws.byId.has(rscId)) return undefined;
  // (Where it runs is the status as unpacked; scheduling adds scores and placement, not that.)
  const running = [...new Set(primitives(ws.byId.get(rscId)!).flatMap((p) => [...p.active.keys()]))].sort();
  const sched = schedule(ws);
  const rsc = ws.byId.get(rscId)!;
  const top = topOf(rsc);
  const placedPrims = primitives(rsc).map((p) => p.next).filter((n): n is string => typeof n === 'string');
  const placed = placedPrims[0] ?? (rsc.next ?? null);
  const location = locationScoresOf(ws, top.id) ?? new Map<string, number>();
  const prims = primitives(rsc);
  const reasons: string[] = [];
  const nodes: NodeExplanation[] = [];
  for (const n of ws.nodes) {
    const c: Contribution[] = [];
    let allowed = true;
    const forbid = (source: string, detail: string, id?: string) => {
      allowed = false;
      c.push({ source, ...(id ? { id } : {}), detail });
    };
    if (!n.online) forbid('node', `${n.name} is offline`);
    else if (n.unclean) forbid('node', `${n.name} is unclean (waiting to be fenced)`);
    if (n.online && n.standby) forbid('node', `${n.name} is in standby`);
    if (n.online && n.maintenance) forbid('node', `${n.name} is in maintenance: nothing is started or stopped there`);
    const health = nodeHealth(ws, n);
    if (health < 0) c.push({ source: 'node', detail: `${n.name}'s health is red`, score: -INF });
    // Location constraints naming the node, and the total the rules give.
    let named = 0;
    for (const k of ws.constraints) {
      if (k.kind !== 'rsc_location' || !idsOf(rsc).includes(k.attrs.rsc ?? '')) continue;
      if (k.attrs.node === n.name) {
        const s = parseScore(k.attrs.score, 0);
        named += s;
        c.push({ source: 'location', id: k.id, score: s, detail: `${k.id}: ${scoreText(s)} for ${k.attrs.rsc} on ${n.name}` });
      }
    }
    const loc = location.get(n.name) ?? 0;
    if (loc !== named) c.push({ source: 'rule', score: loc - named, detail: `location rules: ${scoreText(loc - named)} on ${n.name}` });
    if (!ws.options.symmetric && !location.has(n.name)) forbid('location', 'the cluster is asymmetric (symmetric-cluster=false) and no location constraint allows this node');
    // Stickiness where it runs.
    const sticky = prims.filter((p) => p.active.has(n.name)).reduce((sum, p) => sum + parseScore(p.meta['resource-stickiness'], 0), 0);
    if (sticky) c.push({ source: 'stickiness', score: sticky, detail: `it runs on ${n.name}: resource-stickiness ${scoreText(sticky)}` });
    // Failures.
    for (const p of prims) {
      const fails = p.failCount.get(n.name) ?? 0;
      if (!fails) continue;
      const threshold = migrationThreshold(p);
      if (fails >= threshold) c.push({ source: 'failcount', id: p.id, score: -INF, detail: `${p.id} failed ${fails} time${fails === 1 ? '' : 's'} on ${n.name} (migration-threshold ${threshold}): banned until cleaned up${p.meta['failure-timeout'] ? ` or failure-timeout ${p.meta['failure-timeout']} passes` : ''}` });
      else c.push({ source: 'failcount', id: p.id, score: 0, detail: `${p.id} failed ${fails} time${fails === 1 ? '' : 's'} on ${n.name} (migration-threshold ${threshold >= INF ? 'INFINITY' : threshold})` });
      if (p.hardBanned.has(n.name)) forbid('failcount', `${p.id} hit a hard error on ${n.name} (not installed, invalid argument or no permission)`, p.id);
    }
    // Colocations with resources already placed.
    for (const k of ws.constraints) {
      if (k.kind !== 'rsc_colocation' || !idsOf(rsc).includes(k.attrs.rsc ?? '')) continue;
      const withRsc = ws.byId.get(k.attrs['with-rsc'] ?? '');
      if (!withRsc) continue;
      const where = new Set(primitives(withRsc).flatMap((p) => (typeof p.next === 'string' ? [p.next] : [...p.active.keys()])));
      const s = parseScore(k.attrs.score, 0);
      if (where.has(n.name)) c.push({ source: 'colocation', id: k.id, score: s, detail: `${k.id}: with ${withRsc.id}, which runs on ${n.name} (${scoreText(s)})` });
      else if (s >= INF) forbid('colocation', `${k.id}: must run with ${withRsc.id}, which ${where.size ? `runs on ${[...where].join(', ')}` : 'runs nowhere'}`, k.id);
    }
    // Utilization.
    if (ws.options.placementStrategy !== 'default') {
      const need = prims.reduce<Record<string, number>>((acc, p) => {
        for (const [k, v] of Object.entries(p.utilization)) acc[k] = (acc[k] ?? 0) + v;
        return acc;
      }, {});
      const short = Object.entries(need).filter(([k, v]) => (n.capacity[k] ?? 0) < v && !prims.some((p) => p.active.has(n.name)));
      if (short.length) c.push({ source: 'utilization', detail: `${n.name} lacks capacity: ${short.map(([k, v]) => `${k} needs ${v}, ${n.capacity[k] ?? 0} left`).join(', ')}` });
    }
    const score = rsc.scores?.get(n.name) ?? top.scores?.get(n.name) ?? (allowed ? loc : -INF);
    if (score <= -INF) allowed = false;
    nodes.push({ node: n.name, score, allowed, runs: running.includes(n.name), contributions: c });
  }
  // Why it is stopped (or where it is).
  const role = (rsc.meta['target-role'] ?? top.meta['target-role'] ?? '').toLowerCase();
  if (role === 'stopped') reasons.push(`target-role=Stopped on ${rsc.meta['target-role'] ? rsc.id : top.id}: the cluster keeps it stopped`);
  if (!/^(true|yes|on|1)$/i.test(rsc.meta['is-managed'] ?? top.meta['is-managed'] ?? 'true') || ws.options.maintenanceMode) reasons.push('it is unmanaged (is-managed=false or maintenance-mode): the cluster neither starts nor stops it');
  if (prims.some((p) => p.blocked)) reasons.push('a failure blocked it (on-fail=block, or a stop that failed without fencing): clean it up');
  if (prims.some((p) => p.misconfigured)) reasons.push('its agent said it is not configured (OCF_ERR_CONFIGURED): fix its parameters, then clean it up');
  if (rsc.heldByOrder || prims.some((p) => p.heldByOrder)) reasons.push(`an ordering keeps it from starting${prims.find((p) => p.blockedBy)?.blockedBy ? ` (${prims.find((p) => p.blockedBy)!.blockedBy})` : ''}`);
  if (!ws.options.haveQuorum && ws.options.noQuorumPolicy !== 'ignore') reasons.push(`the partition has no quorum (no-quorum-policy=${ws.options.noQuorumPolicy})`);
  const ok = nodes.filter((x) => x.allowed && x.score > -INF).sort((a, b) => b.score - a.score);
  if (placed) reasons.push(`it ${running.includes(placed) ? 'stays' : 'goes'} on ${placed}: score ${scoreText(nodes.find((x) => x.node === placed)?.score ?? 0)}${ok.length > 1 ? `, the next best ${ok.find((x) => x.node !== placed)!.node} (${scoreText(ok.find((x) => x.node !== placed)!.score)})` : ''}`);
  else if (!reasons.length) reasons.push(ok.length ? 'it cannot run anywhere it is allowed (see the nodes)' : 'no node may run it (see the nodes)');
  const change = sched.summary.map((e) => e.text).find((t) => new RegExp(`^\\s*\\*\\s+\\w+\\s+${rsc.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`).test(t));
  return { resource: rsc.id, kind: rsc.kind, running, placed, ...(change ? { change: change.trim() } : {}), reasons, nodes };
}

function topOf(r: Rsc): Rsc {
  let t = r;
  while (t.parent) t = t.parent;
  return t;
}

/** The ids whose constraints apply to it: its own and its parents'. */
function idsOf(r: Rsc): string[] {
  const out: string[] = [];
  for (let t: Rsc | undefined = r; t; t = t.parent) out.push(t.id, t.id.replace(/:\d+$/, ''));
  return out;
}


/** The explanation as text. */
export function whyText(x: WhyExplanation): string {
  const lines = [`Resource ${x.resource} is ${x.running.length ? `running on ${x.running.join(', ')}` : 'not running'}`, ...x.reasons.map((r) => `  ${r}`)];
  for (const n of x.nodes) {
    lines.push(`  ${n.node}: score ${scoreText(n.score)}${n.allowed ? '' : ' (not allowed)'}${n.runs ? ' [runs here]' : ''}`);
    for (const c of n.contributions) lines.push(`    - ${c.detail}`);
  }
  return `${lines.join('\n')}\n`;
}

