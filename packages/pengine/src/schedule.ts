/**
 * Placement and actions, as Pacemaker's scheduler decides them: node scores from location
 * constraints (with rules), stickiness, fail counts against migration-threshold, node
 * availability, colocation with resources placed before; the best node wins (ties: the
 * current node, then the node with fewer resources). Groups are placed as one unit and stop
 * from the first member that cannot run. Then each primitive's change becomes a transition
 * summary entry (Start, Stop, Move, Migrate, Recover) and unclean nodes are fenced. Pure.
 *
 * Not yet decided here (reported by `unsupported`): clones and promotable clones, bundles,
 * ordering-driven restarts, remote and guest nodes, tickets, utilization.
 */
import type { XmlElement } from '@heartbeat-ts/cluster-glue';
import type { Constraint } from '@heartbeat-ts/cib';
import { ruleHolds } from './rules.js';
import { addScores, INFINITY, parseScore } from './scores.js';
import { primitives, type Rsc, type WorkingSet } from './working-set.js';

export interface SummaryEntry {
  /** The line as crm_simulate prints it (without the leading "  * "). */
  text: string;
  rsc?: string;
}

export interface Schedule {
  summary: SummaryEntry[];
  /** What this engine does not decide yet and the input uses. */
  unsupported: string[];
}

const isTrue = (v: string | undefined) => /^(true|yes|on|1|y)$/i.test((v ?? '').trim());

function unsupportedFeatures(ws: WorkingSet): string[] {
  const out = new Set<string>();
  for (const r of ws.byId.values()) if (r.kind === 'clone') out.add(r.clone?.promotable ? 'promotable clones' : 'clones');
  if (ws.cib.resources.some((r) => r.kind === 'bundle')) out.add('bundles');
  for (const c of ws.cib.constraints) {
    if (c.kind === 'rsc_ticket') out.add('tickets');
    if (c.sets.length) out.add('resource sets');
  }
  for (const r of ws.byId.values()) if (r.agent === 'ocf:pacemaker:remote' || r.meta['remote-node'] !== undefined) out.add('remote and guest nodes');
  if (ws.options.placementStrategy !== 'default') out.add(`placement-strategy ${ws.options.placementStrategy}`);
  return [...out];
}

/** The resource a constraint names, as the unit placement works on (a group member → its group). */
function unitOf(ws: WorkingSet, id: string | undefined): Rsc | undefined {
  if (id === undefined) return undefined;
  const r = ws.byId.get(id);
  return r;
}

class Placement {
  private readonly done = new Set<Rsc>();
  private readonly inProgress = new Set<Rsc>();
  private readonly locations: Constraint[];
  private readonly colocations: Constraint[];

  constructor(private readonly ws: WorkingSet) {
    this.locations = ws.cib.constraints.filter((c) => c.kind === 'rsc_location' && !c.sets.length);
    this.colocations = ws.cib.constraints.filter((c) => c.kind === 'rsc_colocation' && !c.sets.length);
  }

  private available(node: string): boolean {
    const n = this.ws.node.get(node)!;
    return n.online && !n.unclean && !n.standby && !(n.shutdown);
  }

  /** Location constraint scores of one resource (its own constraints only). */
  locationScores(r: Rsc): Map<string, number> {
    const scores = new Map<string, number>();
    for (const n of this.ws.nodes) scores.set(n.name, this.ws.options.symmetric ? 0 : -INFINITY);
    for (const c of this.locations) {
      const a = c.attrs;
      const matches = a.rsc === r.id || (a['rsc-pattern'] !== undefined && new RegExp(`^(?:${a['rsc-pattern']})$`).test(r.id));
      if (!matches) continue;
      if (a.role && !/^started$/i.test(a.role)) continue;
      if (a.node !== undefined) {
        if (scores.has(a.node)) scores.set(a.node, addScores(scores.get(a.node)!, parseScore(a.score)));
        continue;
      }
      for (const rule of c.rules) this.applyRule(rule, scores);
    }
    return scores;
  }

  private applyRule(rule: XmlElement, scores: Map<string, number>): void {
    if (rule.attrs.role && !/^started$/i.test(rule.attrs.role)) return;
    for (const n of this.ws.nodes) {
      if (!ruleHolds(rule, { attrs: n.attrs, now: this.ws.now })) continue;
      let s: number;
      if (rule.attrs['score-attribute'] !== undefined) s = parseScore(n.attrs[rule.attrs['score-attribute']], 0);
      else s = parseScore(rule.attrs.score, 0);
      scores.set(n.name, addScores(scores.get(n.name)!, s));
    }
  }

  /** Scores of a placement unit: a primitive, or a group as the sum over its members. */
  private baseScores(unit: Rsc): Map<string, number> {
    const members = unit.kind === 'group' ? unit.children : [unit];
    const total = new Map<string, number>();
    for (const n of this.ws.nodes) total.set(n.name, 0);
    const own = unit.kind === 'group' ? this.locationScores(unit) : undefined;
    members.forEach((m, i) => {
      const loc = this.locationScores(m);
      for (const n of this.ws.nodes) {
        let s = loc.get(n.name)!;
        // Only the first member carries the "not symmetric" -INFINITY once; others add their preferences.
        if (i > 0 && s === -INFINITY && !this.ws.options.symmetric && !this.hasOwnLocation(m, n.name)) s = 0;
        total.set(n.name, addScores(total.get(n.name)!, s));
      }
    });
    if (own) for (const n of this.ws.nodes) total.set(n.name, addScores(total.get(n.name)!, own.get(n.name)! === -INFINITY && !this.ws.options.symmetric && !this.hasOwnLocation(unit, n.name) ? 0 : own.get(n.name)!));
    // Stickiness where active (and not failed).
    for (const m of members) {
      const stick = parseScore(m.meta['resource-stickiness'] ?? unit.meta['resource-stickiness'], 0);
      for (const node of m.active.keys()) if (!m.failed.has(node) && total.has(node)) total.set(node, addScores(total.get(node)!, stick));
    }
    return total;
  }

  private hasOwnLocation(r: Rsc, node: string): boolean {
    return this.locations.some((c) => c.attrs.rsc === r.id && (c.attrs.node === node || c.rules.length > 0));
  }

  /** Places a unit (and, first, what it is colocated with). */
  place(unit: Rsc): void {
    if (this.done.has(unit) || this.inProgress.has(unit)) return;
    this.inProgress.add(unit);
    const ws = this.ws;
    const members = unit.kind === 'group' ? unit.children : [unit];
    const ids = new Set([unit.id, ...members.map((m) => m.id)]);
    const scores = this.baseScores(unit);
    // Colocation with units placed first.
    for (const c of this.colocations) {
      if (!ids.has(c.attrs.rsc ?? '')) continue;
      const primary = unitOf(ws, c.attrs['with-rsc']);
      if (!primary || ids.has(primary.id)) continue;
      const pu = primary.parent?.kind === 'group' ? primary.parent : primary;
      this.place(pu);
      const s = parseScore(c.attrs.score, 0);
      const where = primary.next ?? pu.next;
      for (const n of ws.nodes) {
        if (s >= INFINITY) {
          if (n.name !== where) scores.set(n.name, -INFINITY);
        } else if (s <= -INFINITY) {
          if (n.name === where) scores.set(n.name, -INFINITY);
        } else if (n.name === where) scores.set(n.name, addScores(scores.get(n.name)!, s));
      }
    }
    // Dependents' preferences pull the primary (Pacemaker merges them by the colocation's weight).
    for (const c of this.colocations) {
      if (!ids.has(c.attrs['with-rsc'] ?? '')) continue;
      const dep = unitOf(ws, c.attrs.rsc);
      if (!dep || ids.has(dep.id) || this.done.has(dep)) continue;
      const s = parseScore(c.attrs.score, 0);
      if (s <= 0) continue;
      const loc = this.baseScores(dep.parent?.kind === 'group' ? dep.parent : dep);
      for (const n of ws.nodes) {
        const d = loc.get(n.name)!;
        if (d <= -INFINITY || d >= INFINITY) continue;
        scores.set(n.name, addScores(scores.get(n.name)!, Math.round((d * s) / INFINITY)));
      }
    }
    // Availability, failures, roles.
    for (const n of ws.nodes) {
      if (!this.available(n.name)) scores.set(n.name, -INFINITY);
      for (const m of members) {
        const threshold = parseScore(m.meta['migration-threshold'], INFINITY);
        const fc = m.failCount.get(n.name) ?? 0;
        if (threshold > 0 && fc >= threshold && m === members[0]) scores.set(n.name, -INFINITY);
        if (m.stopFailed.has(n.name) && m === members[0]) scores.set(n.name, -INFINITY);
      }
    }
    unit.scores = scores;
    let chosen: string | null = null;
    const stopped = /^stopped$/i.test(unit.meta['target-role'] ?? '');
    const quorumStop = !ws.options.haveQuorum && ws.options.noQuorumPolicy === 'stop';
    if (!stopped && !quorumStop) {
      const current = new Set(members[0]!.active.keys());
      let best = -INFINITY;
      for (const n of ws.nodes) {
        const s = scores.get(n.name)!;
        if (s < 0 || s <= -INFINITY) continue;
        if (chosen === null || s > best) {
          chosen = n.name;
          best = s;
          continue;
        }
        if (s === best) {
          const cur = ws.node.get(chosen)!;
          if (current.has(n.name) && !current.has(chosen)) chosen = n.name;
          else if (!current.has(chosen) && n.assigned < cur.assigned) chosen = n.name;
        }
      }
      if (chosen && ws.options.noQuorumPolicy === 'freeze' && !ws.options.haveQuorum && !members[0]!.active.has(chosen)) chosen = null;
    }
    unit.next = chosen;
    if (chosen) ws.node.get(chosen)!.assigned++;
    if (unit.kind === 'group') {
      let blocked = false;
      for (const m of unit.children) {
        const threshold = parseScore(m.meta['migration-threshold'], INFINITY);
        const bad = chosen === null || blocked || /^stopped$/i.test(m.meta['target-role'] ?? '') || (threshold > 0 && (m.failCount.get(chosen) ?? 0) >= threshold) || this.locationScores(m).get(chosen) === -INFINITY;
        if (bad) blocked = true;
        m.next = blocked ? null : chosen;
      }
    }
    this.inProgress.delete(unit);
    this.done.add(unit);
  }
}

function summaryFor(ws: WorkingSet, r: Rsc, out: SummaryEntry[]): void {
  const managed = isTrue(r.meta['is-managed'] ?? 'true') && !ws.options.maintenanceMode;
  if (!managed) return;
  const fenced = (n: string) => ws.node.get(n)?.unclean === true;
  const active = [...r.active.keys()];
  const next = r.next ?? null;
  const failed = active.some((n) => r.failed.has(n));
  const entry = (text: string) => out.push({ text, rsc: r.id });
  if (active.length === 0) {
    if (next) entry(`Start      ${r.id} ( ${next} )`);
    else if (!ws.options.haveQuorum && ws.options.noQuorumPolicy !== 'ignore' && !/^stopped$/i.test(r.meta['target-role'] ?? '')) {
      // A start that would happen with quorum.
    }
    return;
  }
  if (active.length > 1) {
    if (next) entry(`Recover    ${r.id} ( ${next} )`);
    else for (const n of active) entry(`Stop       ${r.id} ( ${n} )`);
    return;
  }
  const cur = active[0]!;
  if (next === cur) {
    if (failed) entry(`Recover    ${r.id} ( ${cur} )`);
    return;
  }
  if (next) {
    if (failed && !fenced(cur)) entry(`Recover    ${r.id} ( ${cur} -> ${next} )`);
    else if (isTrue(r.meta['allow-migrate']) && !failed && !fenced(cur) && r.kind === 'primitive' && !r.parent) entry(`Migrate    ${r.id} ( ${cur} -> ${next} )`);
    else entry(`Move       ${r.id} ( ${cur} -> ${next} )`);
    return;
  }
  const why = /^stopped$/i.test(r.meta['target-role'] ?? '') ? '' : !ws.options.haveQuorum && ws.options.noQuorumPolicy === 'stop' ? '  due to no quorum' : '  due to node availability';
  entry(`Stop       ${r.id} ( ${cur} )${why}`);
}

export function schedule(ws: WorkingSet): Schedule {
  const unsupported = unsupportedFeatures(ws);
  const summary: SummaryEntry[] = [];
  if (ws.options.stonithEnabled) for (const n of ws.nodes) if (n.unclean) summary.push({ text: `Fence (reboot) ${n.name} '${n.uncleanReason ?? 'node is unclean'}'` });
  const placement = new Placement(ws);
  const units = ws.resources.filter((r) => r.kind !== 'clone');
  const priority = (r: Rsc) => parseScore(r.meta.priority, 0);
  for (const r of [...units].sort((a, b) => priority(b) - priority(a))) placement.place(r);
  for (const r of ws.resources) for (const p of r.kind === 'clone' ? [] : primitives(r)) summaryFor(ws, p, summary);
  return { summary, unsupported };
}

