/**
 * Placement and actions, as Pacemaker's scheduler decides them: node scores from location
 * constraints (with rules), stickiness, fail counts against migration-threshold, node
 * availability and health, colocation (dependents' preferences pulling their primaries),
 * utilization; the best node wins (ties: the current node, then the node with fewer
 * resources). Groups are placed as one unit; clones instance by instance, promotable clones
 * promoted by promotion score; remote connections first, so that remote and guest nodes are
 * known up. Then orderings (unrunnable and required, interleaved, clone-min, restart-type),
 * quorum policies, tickets and fencing, and each primitive's change becomes a Transition
 * Summary entry as crm_simulate prints it. Pure.
 *
 * `unsupported` lists what an input uses that is not decided here; nothing in Pacemaker's
 * corpus is reported there today (what is decided differently is the corpus baseline's list).
 */
import { paramDigest, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import type { Constraint } from '@heartbeat-ts/cib/client';
import { probeWanted } from './graph.js';
import { ruleHolds } from './rules.js';
import { addScores, INFINITY, parseScore } from './scores.js';
import { actionParams, activeOnNode, canMigrate, isManaged, isTrue, type NodeInfo, nodesToUnfence, primitives, type Rsc, type WorkingSet } from './working-set.js';

export interface SummaryEntry {
  /** The line as crm_simulate prints it (without the leading "  * "). */
  text: string;
  rsc?: string;
}

export interface Schedule {
  summary: SummaryEntry[];
  /** The nodes fenced (powered off or rebooted) by this transition; unfencing is not listed. */
  fenced: string[];
  /** What this engine does not decide yet and the input uses. */
  unsupported: string[];
}

/** rsc-pattern: an extended regular expression matched anywhere in the id; a leading "!" inverts it. */
function patternMatches(pattern: string, id: string): boolean {
  const invert = pattern.startsWith('!');
  try {
    return new RegExp(invert ? pattern.slice(1) : pattern).test(id) !== invert;
  } catch {
    return false;
  }
}

function normalizeTicketRole(role: string): string {
  const x = role.toLowerCase();
  return x === 'master' || x === 'promoted' ? 'Promoted' : x === 'slave' || x === 'unpromoted' ? 'Unpromoted' : x === 'started' ? 'Started' : role;
}

/** What the tickets a resource depends on allow: run, and be promoted. */
interface TicketVerdict {
  run: boolean;
  promote: boolean;
  /** loss-policy freeze: keep it as it is, start nothing. */
  freeze: boolean;
}

class Placement {
  /** Units (primitives, groups, clones) placed already. */
  private readonly done = new Set<Rsc>();
  private readonly noPromotion = new Map<Rsc, boolean>();
  private readonly inProgress = new Set<Rsc>();
  private readonly locations: Constraint[];
  private readonly colocations: Constraint[];

  constructor(private readonly ws: WorkingSet) {
    this.locations = ws.constraints.filter((c) => c.kind === 'rsc_location');
    this.colocations = ws.constraints.filter((c) => c.kind === 'rsc_colocation');
  }

  /**
   * What the tickets a resource (or its parents) depends on allow, as Pacemaker reads
   * rsc_ticket: a ticket neither granted nor in standby changes nothing; otherwise, by
   * loss-policy (default stop, demote for the promoted role; fence without fencing is stop):
   * - lost while it runs: stop bans it; demote bans it unless only its promoted role needs the
   *   ticket; fence bans it (and fences its nodes, see ticketFencing); freeze leaves it as it is
   *   (if the role matches);
   * - never granted, or in standby: banned, unless only the promoted role needs the ticket and
   *   the policy is not stop;
   * and a ticket the promoted role needs that is not granted (or standby) forbids promotion.
   */
  ticketVerdict(r: Rsc): TicketVerdict {
    const v: TicketVerdict = { run: true, promote: true, freeze: false };
    const ids = new Set<string>();
    for (let x: Rsc | undefined = r; x; x = x.parent) ids.add(x.id);
    const running = primitives(r).some((p) => p.active.size > 0);
    for (const c of this.ws.constraints) {
      if (c.kind !== 'rsc_ticket' || !ids.has(c.attrs.rsc ?? '')) continue;
      const t = this.ws.tickets.get(c.attrs.ticket ?? '') ?? { granted: false, standby: false };
      if (t.granted && !t.standby) continue;
      const role = c.attrs['rsc-role'] ? normalizeTicketRole(c.attrs['rsc-role']) : undefined;
      let policy = (c.attrs['loss-policy'] ?? (role === 'Promoted' ? 'demote' : 'stop')).toLowerCase();
      if (policy === 'fence' && !this.ws.options.stonithEnabled) policy = 'stop';
      const roleMatches = !role || primitives(r).some((p) => [...p.active.values()].some((x) => x === role || (role === 'Unpromoted' && x === 'Started')));
      if (role === 'Promoted') v.promote = false;
      if (!t.granted && running) {
        if (policy === 'stop' || (policy === 'demote' && role !== 'Promoted') || (policy === 'fence' && roleMatches)) v.run = false;
        else if (policy === 'freeze' && roleMatches) v.freeze = true;
      } else if (role !== 'Promoted' || policy === 'stop') v.run = false;
    }
    return v;
  }

  /** Nodes to fence because a ticket with loss-policy=fence was revoked where the resource runs. */
  ticketFencing(): void {
    for (const c of this.ws.constraints) {
      if (c.kind !== 'rsc_ticket' || (c.attrs['loss-policy'] ?? '').toLowerCase() !== 'fence') continue;
      const t = this.ws.tickets.get(c.attrs.ticket ?? '') ?? { granted: false, standby: false };
      if (t.granted) continue;
      const r = this.ws.byId.get(c.attrs.rsc ?? '');
      if (!r) continue;
      const promotedOnly = /^(promoted|master)$/i.test(c.attrs['rsc-role'] ?? '');
      for (const p of primitives(r)) {
        for (const [node, role] of p.active) {
          if (promotedOnly && role !== 'Promoted') continue;
          const n = this.ws.node.get(node);
          if (n && !n.unclean) {
            n.unclean = true;
            n.uncleanReason = 'deadman ticket was lost';
          }
        }
      }
    }
  }

  /** Node health (node-health-strategy and #health-* attributes) as a score for resources that care. */
  private readonly health = new Map<string, number>();

  healthScore(node: string): number {
    let h = this.health.get(node);
    if (h === undefined) this.health.set(node, (h = this.computeHealth(node)));
    return h;
  }

  private computeHealth(node: string): number {
    const strategy = (this.ws.cib.property('node-health-strategy') ?? 'none').toLowerCase();
    if (strategy === 'none') return 0;
    const opt = (name: string, d: number) => parseScore(this.ws.cib.property(name), d);
    const colors: Record<string, number> =
      strategy === 'migrate-on-red' ? { red: -INFINITY, yellow: 0, green: 0 } : strategy === 'only-green' ? { red: -INFINITY, yellow: -INFINITY, green: 0 } : { red: opt('node-health-red', 0), yellow: opt('node-health-yellow', 0), green: opt('node-health-green', 0) };
    let total = strategy === 'progressive' ? opt('node-health-base', 0) : 0;
    for (const [k, v] of Object.entries(this.ws.node.get(node)!.attrs)) {
      if (!k.startsWith('#health')) continue;
      const c = colors[v.toLowerCase()];
      total = addScores(total, c !== undefined ? c : parseScore(v, 0));
    }
    return total;
  }

  applyHealth(r: Rsc, scores: Map<string, number>): void {
    if (isTrue(r.meta['allow-unhealthy-nodes'])) return;
    for (const [n, v] of scores) {
      const h = this.healthScore(n);
      if (h !== 0) scores.set(n, addScores(v, h));
    }
  }

  /** Remote and guest nodes run neither connections to remote nodes, nor fencing devices, nor guests' containers. */
  mayRunOn(r: Rsc, node: string): boolean {
    if (r.lockedTo && r.lockedTo !== node) return false;
    const n = this.ws.node.get(node);
    if (!n?.remote) return true;
    // A bundle's guest node runs that bundle's instance only.
    const container = n.remote.container ? this.ws.byId.get(n.remote.container) : undefined;
    if (container?.meta['bundle-id'] !== undefined) return r.pinnedTo === node;
    return !(this.ws.node.get(r.id)?.remote || r.agent?.startsWith('stonith:') || r.meta['remote-node'] !== undefined || r.meta['bundle-id'] !== undefined);
  }

  private available(node: string): boolean {
    const n = this.ws.node.get(node)!;
    return n.online && (!n.unclean || n.remote?.container !== undefined) && !n.standby && !n.shutdown && !n.maintenance;
  }

  /** Location constraint scores of one resource (its own constraints only). */
  locationScores(r: Rsc): Map<string, number> {
    const scores = new Map<string, number>();
    let allowed: Set<string> | undefined;
    // Symmetric: every node allowed at 0; otherwise only the nodes a constraint names.
    // (A guest's implicit connection may go wherever its container goes, symmetric or not.)
    const guestConnection = r.implicit === true && this.ws.node.get(r.id)?.remote?.container !== undefined;
    if (this.ws.options.symmetric || guestConnection) for (const n of this.ws.nodes) scores.set(n.name, 0);
    for (const c of this.locations) {
      const a = c.attrs;
      // (A constraint on a bundle places its containers and IPs.)
      // (Not the clone of what runs inside, which shares the bundle's id and lives on its guests.)
      const matches = (a.rsc === r.id && !r.bundleInner) || (r.meta['bundle-id'] !== undefined && a.rsc === r.meta['bundle-id']) || (a['rsc-pattern'] !== undefined && patternMatches(a['rsc-pattern'], r.id));
      if (!matches) continue;
      if (a.role && !/^started$/i.test(a.role)) continue;
      const exclusive = (a['resource-discovery'] ?? '').toLowerCase() === 'exclusive';
      if (a.node !== undefined) {
        if (this.ws.node.has(a.node)) {
          scores.set(a.node, addScores(scores.get(a.node) ?? 0, parseScore(a.score)));
          if (exclusive) (allowed ??= new Set()).add(a.node);
        }
        continue;
      }
      for (const rule of c.rules) this.applyRule(rule, scores, r);
      if (exclusive) {
        allowed ??= new Set();
        for (const n of this.ws.nodes) if (c.rules.some((rule) => this.ruleMatches(rule, n.name, r))) allowed.add(n.name);
      }
    }
    // resource-discovery=exclusive: only the nodes such constraints name may run it.
    if (allowed) for (const n of this.ws.nodes) if (!allowed.has(n.name)) scores.set(n.name, -INFINITY);
    return scores;
  }

  /**
   * The node attributes a resource sees on a node: with container-attribute-target=host, on a
   * guest node those of the host its container runs on now (none while it does not run).
   */
  attributesFor(node: string, r: Rsc): Record<string, string> {
    const n = this.ws.node.get(node)!;
    if (!n.remote?.container || (r.meta['container-attribute-target'] ?? '').toLowerCase() !== 'host') return n.attrs;
    const host = [...(this.ws.byId.get(n.remote.container)?.active.keys() ?? [])][0];
    return host === undefined ? {} : this.ws.node.get(host)?.attrs ?? {};
  }

  private ruleMatches(rule: XmlElement, node: string, r: Rsc): boolean {
    const n = this.ws.node.get(node)!;
    const prim = primitives(r)[0];
    const rsc = { params: prim ? this.ws.paramsOn(prim, node) : r.params, meta: r.meta };
    return ruleHolds(rule, { attrs: n.attrs, now: this.ws.now, rsc });
  }

  private applyRule(rule: XmlElement, scores: Map<string, number>, r: Rsc): void {
    if (rule.attrs.role && !/^started$/i.test(rule.attrs.role)) return;
    const prim = primitives(r)[0];
    for (const n of this.ws.nodes) {
      // Parameters as they apply on that node (their own rules may depend on it).
      const rsc = { params: prim ? this.ws.paramsOn(prim, n.name) : r.params, meta: r.meta };
      if (!ruleHolds(rule, { attrs: n.attrs, now: this.ws.now, rsc })) continue;
      let s: number;
      if (rule.attrs['score-attribute'] !== undefined) s = parseScore(this.attributesFor(n.name, prim ?? r)[rule.attrs['score-attribute']], 0);
      else s = parseScore(rule.attrs.score, 0);
      scores.set(n.name, addScores(scores.get(n.name) ?? 0, s));
    }
  }

  /** Scores of a placement unit: a primitive, or a group as the sum over itself and its members. Absent = not allowed. */
  private baseScores(unit: Rsc): Map<string, number> {
    const members = unit.kind === 'group' ? unit.children : [unit];
    const total = new Map<string, number>();
    for (const part of unit.kind === 'group' ? [unit, ...members] : [unit]) {
      for (const [n, v] of this.locationScores(part)) total.set(n, addScores(total.get(n) ?? 0, v));
    }
    // Stickiness where active (and not failed), on allowed nodes.
    for (const m of members) {
      const stick = parseScore(m.meta['resource-stickiness'] ?? unit.meta['resource-stickiness'], 0);
      for (const node of m.active.keys()) if (!m.failed.has(node) && total.has(node)) total.set(node, addScores(total.get(node)!, stick));
    }
    return total;
  }

  /** Places a clone's instances: active ones stay where they may, the others go to the best free nodes. */
  private placeClone(c: Rsc): void {
    const ws = this.ws;
    const cl = c.clone!;
    const scores = this.locationScores(c);
    // (A constraint on the clone's child applies to the clone.)
    const tmpl = ws.byId.get(cl.template) ?? c.children[0];
    if (tmpl && this.locations.some((x) => x.attrs.rsc === cl.template)) for (const [n, v] of this.locationScores({ ...tmpl, id: cl.template })) scores.set(n, addScores(scores.get(n) ?? 0, v));
    this.applyHealth(c, scores);
    for (const n of ws.nodes) if (!this.available(n.name)) scores.set(n.name, -INFINITY);
    // Colocation with resources placed first.
    for (const col of this.colocations) {
      if (col.attrs.rsc !== c.id) continue;
      const primary = ws.byId.get(col.attrs['with-rsc'] ?? '');
      if (!primary || primary === c) continue;
      // A colocation of the promoted or the unpromoted role only decides promotion (see promote()).
      if (/^(promoted|master|unpromoted|slave)$/i.test(col.attrs['rsc-role'] ?? '') && c.clone?.promotable) continue;
      this.colocateWith(scores, col, primary, true);
    }
    c.scores = scores;
    const tv = this.ticketVerdict(c);
    if (tv.freeze) {
      for (const inst of c.children) for (const p of [inst, ...primitives(inst)]) p.next = [...p.active.keys()][0] ?? null;
      for (const inst of c.children) for (const p of primitives(inst)) p.nextRole = [...p.active.values()][0] === 'Promoted' ? 'Promoted' : p.next ? 'Unpromoted' : 'Stopped';
      return;
    }
    this.noPromotion.set(c, !tv.promote);
    // target-role: the instances' own (a child's meta-attribute overrides the clone's).
    const stopped = /^stopped$/i.test(primitives(c.children[0] ?? c)[0]?.meta['target-role'] ?? c.meta['target-role'] ?? '');
    // Tickets decide instance by instance (a ticket of the promoted role bans only the promoted one).
    const ticketRuns = new Map(c.children.map((inst) => [inst, this.ticketVerdict(inst).run]));
    const perNode = new Map<string, number>();
    const firstOf = (inst: Rsc) => (inst.kind === 'group' ? inst.children[0] : inst);
    const banned = (inst: Rsc, node: string) =>
      primitives(inst).slice(0, 1).some((m) => thresholdReached(m, node) || m.stopFailed.has(node) || m.hardBanned.has(node) || m.misconfigured);
    const ok = (inst: Rsc, node: string) => !stopped && (!inst.pinnedTo || inst.pinnedTo === node) && primitives(inst).every((p) => this.mayRunOn(p, node)) && ticketRuns.get(inst) !== false && (scores.get(node) ?? -INFINITY) >= 0 && (perNode.get(node) ?? 0) < cl.nodeMax && !banned(inst, node) && this.fits(inst, node);
    const assign = (inst: Rsc, node: string | null) => {
      inst.next = node;
      if (node) {
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
        this.load(inst, node);
      }
    };
    // First the instances that stay where they are active — if that node is still among their
    // best (clone scores plus stickiness, 1 by default for clones) — then the others, in instance
    // order, each to its best node.
    const stickiness = parseScore(c.meta['resource-stickiness'], 1);
    const curOf = (inst: Rsc) => [...(firstOf(inst)?.active.keys() ?? [])][0];
    const own = (inst: Rsc, node: string) => addScores(scores.get(node) ?? -INFINITY, node === curOf(inst) && !firstOf(inst)!.failed.has(node) ? stickiness : 0);
    const best = (inst: Rsc): string | null => {
      let chosen: string | null = null;
      for (const n of ws.nodes) {
        if (!ok(inst, n.name)) continue;
        if (chosen === null) {
          chosen = n.name;
          continue;
        }
        const a = own(inst, n.name);
        const b = own(inst, chosen);
        // Ties: fewer instances of this clone on the node, then as for any resource.
        const pa = perNode.get(n.name) ?? 0;
        const pb = perNode.get(chosen) ?? 0;
        if (a > b || (a === b && (pa < pb || (pa === pb && this.tieBreak(n.name, chosen))))) chosen = n.name;
      }
      return chosen;
    };
    const pending: Rsc[] = [];
    // (At first no node keeps more than its share of the instances: max / available nodes.)
    const availableNodes = ws.nodes.filter((n) => this.available(n.name)).length;
    const share = Math.max(1, availableNodes ? Math.floor(cl.max / availableNodes) : 1);
    for (const inst of c.children) {
      const cur = curOf(inst);
      // A failed instance is recovered wherever is best, not necessarily where it failed.
      if (cur !== undefined && ok(inst, cur) && !firstOf(inst)!.failed.has(cur) && (perNode.get(cur) ?? 0) < share) {
        const b = best(inst);
        if (b === cur || (b !== null && own(inst, cur) >= own(inst, b))) {
          assign(inst, cur);
          continue;
        }
      }
      pending.push(inst);
    }
    // An instance banned from where it runs (its failures reached migration-threshold) stops
    // rather than moving while another instance number is free to start elsewhere.
    const bannedHere = (inst: Rsc) => Number(curOf(inst) !== undefined && banned(inst, curOf(inst)!));
    // (Instances active somewhere, even where they cannot stay, are placed before inactive ones.)
    const inactive = (inst: Rsc) => Number(curOf(inst) === undefined);
    pending.sort((a, b) => bannedHere(a) - bannedHere(b) || inactive(a) - inactive(b));
    for (const inst of pending) assign(inst, best(inst));
    for (const inst of c.children) {
      if (inst.kind !== 'group') continue;
      let blocked = inst.next == null;
      for (const m of inst.children) {
        if (!blocked && (/^stopped$/i.test(m.meta['target-role'] ?? '') || thresholdReached(m, inst.next!) || m.stopFailed.has(inst.next!))) blocked = true;
        m.next = blocked ? null : inst.next;
      }
    }
    if (cl.promotable) this.promote(c);
  }

  /** Promotable clones: the placed instances with the highest promotion scores are promoted. */
  private promote(c: Rsc): void {
    const ws = this.ws;
    const cl = c.clone!;
    const candidates: { inst: Rsc; score: number }[] = [];
    // The constraints that speak of this clone, picked out once for all its instances.
    const locations = this.locations.filter((loc) => loc.attrs.rsc === c.id);
    const asDependent = this.colocations.filter((col) => col.attrs.rsc === c.id);
    const asPrimary = this.colocations.filter((col) => col.attrs['with-rsc'] === c.id);
    for (const inst of c.children) {
      const node = inst.next;
      if (!node) continue;
      // A cloned group is promoted whole: every member must be able to run.
      if (inst.kind === 'group' && inst.children.some((m) => !m.next)) continue;
      const member = inst.kind === 'group' ? inst.children[0]! : inst;
      const attrs = this.attributesFor(node, member);
      const base = member.id.replace(/:\d+$/, '');
      // (Named as in the resource history — an anonymous instance's name there may differ.)
      const known = member.cloneName ?? member.id;
      const raw = attrs[`master-${known}`] ?? attrs[`master-${base}`] ?? attrs[`promotion-${base}`];
      let score = raw === undefined ? undefined : parseScore(raw, 0);
      for (const loc of locations) {
        const role = loc.attrs.role ?? '';
        if (loc.attrs.node === node && /^(promoted|master)$/i.test(role)) score = addScores(score ?? 0, parseScore(loc.attrs.score));
        for (const rule of loc.rules) if (/^(promoted|master)$/i.test(rule.attrs.role ?? '') && ruleHolds(rule, { attrs, now: ws.now })) score = addScores(score ?? 0, parseScore(rule.attrs.score, 0));
      }
      for (const col of asDependent) {
        if (!/^(promoted|master)$/i.test(col.attrs['rsc-role'] ?? '')) continue;
        const primary = ws.byId.get(col.attrs['with-rsc'] ?? '');
        if (!primary) continue;
        const pu = primary.parent?.kind === 'group' || primary.parent?.kind === 'clone' ? primary.parent : primary;
        // A colocation loop: the primary is being placed further up; it decides, this link does not.
        if (this.inProgress.has(pu)) continue;
        this.place(pu);
        const there = this.placedOn(pu.kind === 'clone' ? pu : primary, col.attrs['with-rsc-role']).has(node);
        const sc = parseScore(col.attrs.score, 0);
        if (sc >= INFINITY && !there) score = -INFINITY;
        else if (sc <= -INFINITY && there) score = -INFINITY;
        else if (there && (score !== undefined || sc >= INFINITY)) score = addScores(score ?? 0, sc);
      }
      // The unpromoted role kept with a resource: not promoted where that resource is.
      for (const col of asDependent) {
        if (!/^(unpromoted|slave)$/i.test(col.attrs['rsc-role'] ?? '') || parseScore(col.attrs.score, 0) < INFINITY) continue;
        const primary = ws.byId.get(col.attrs['with-rsc'] ?? '');
        if (primary && primitives(primary).some((p) => p.next === node)) score = -INFINITY;
      }
      // What must run with the promoted role pulls the promotion to where it runs and sticks.
      for (const col of asPrimary) {
        if (!/^(promoted|master)$/i.test(col.attrs['with-rsc-role'] ?? '') || score === undefined) continue;
        const dependent = ws.byId.get(col.attrs.rsc ?? '');
        if (!dependent || dependent.kind === 'clone') continue;
        const prims = primitives(dependent);
        // (One banned from the node by its failures pushes the promotion away from it.)
        const factorBan = parseScore(col.attrs.score, 0) >= INFINITY;
        // (For a group, its first member speaks for it.)
        if (factorBan && prims.slice(0, 1).some((p) => thresholdReached(p, node))) {
          score = -INFINITY;
          continue;
        }
        if (!prims.some((p) => p.active.has(node))) continue;
        const sticky = prims.filter((p) => p.active.has(node)).reduce((sum, p) => addScores(sum, parseScore(p.meta['resource-stickiness'], 0)), 0);
        const factor = parseScore(col.attrs.score, 0) / INFINITY;
        if (sticky >= INFINITY && factor > 0) score = addScores(score, INFINITY);
        else if (factor > 0) score = addScores(score, Math.round(sticky * factor));
      }
      if (primitives(inst).some((p) => p.noPromote?.has(node))) continue;
      // (The final priority is the clone's own weight on the node with that added, unless the
      // instance's score is already negative — a weight that includes the preferences of what
      // must run with the clone.)
      if (score !== undefined && score >= 0) {
        score = addScores(score, c.scores?.get(node) ?? 0);
        for (const col of asPrimary) {
          if (/^(promoted|master)$/i.test(col.attrs['with-rsc-role'] ?? '')) continue;
          const dependent = ws.byId.get(col.attrs.rsc ?? '');
          if (!dependent || dependent.kind !== 'primitive' || dependent.parent) continue;
          const pref = this.locationScores(dependent).get(node);
          const factor = parseScore(col.attrs.score, 0) / INFINITY;
          if (pref !== undefined && Math.abs(pref) < INFINITY && factor > 0) score = addScores(score, Math.round(pref * factor));
        }
      }
      if (score !== undefined && score >= 0) candidates.push({ inst, score });
    }
    if (this.noPromotion.get(c)) candidates.length = 0;
    const promotedNow = (x: Rsc) => Number(primitives(x).some((p) => [...p.active.values()].includes('Promoted')));
    // Ties: the higher current role, then (as for any instance) an active one, one that did not
    // fail, the lower number.
    const activeNow = (i: Rsc) => Number(primitives(i).some((p) => p.active.size > 0));
    const failedNow = (i: Rsc) => Number(primitives(i).some((p) => p.failed.size > 0));
    candidates.sort((a, b) => b.score - a.score || promotedNow(b.inst) - promotedNow(a.inst) || activeNow(b.inst) - activeNow(a.inst) || failedNow(a.inst) - failedNow(b.inst) || a.inst.instance! - b.inst.instance!);
    // At most promoted-max in all, and promoted-node-max (default 1) on any one node.
    const nodeMax = parseScore(c.meta['promoted-node-max'] ?? c.meta['master-node-max'], 1);
    const promoted = new Set<Rsc>();
    const onNode = new Map<string, number>();
    // A blocked instance stays as it is: promoted, it keeps its place among the promoted.
    for (const inst of c.children) {
      const member = inst.kind === 'group' ? inst.children[0]! : inst;
      const at = [...member.active.entries()].find(([, role]) => role === 'Promoted')?.[0];
      if (!at || !primitives(inst).some((p) => p.blocked)) continue;
      promoted.add(inst);
      onNode.set(at, (onNode.get(at) ?? 0) + 1);
    }
    for (const x of candidates) {
      if (promoted.has(x.inst)) continue;
      if (promoted.size >= cl.promotedMax) break;
      const n = x.inst.next!;
      if ((onNode.get(n) ?? 0) >= nodeMax) continue;
      onNode.set(n, (onNode.get(n) ?? 0) + 1);
      promoted.add(x.inst);
    }
    for (const inst of c.children) {
      const role = inst.next ? (promoted.has(inst) ? 'Promoted' : 'Unpromoted') : 'Stopped';
      for (const p of primitives(inst)) p.nextRole = p.next ? role : 'Stopped';
    }
  }

  private get strategy(): string {
    return this.ws.options.placementStrategy.toLowerCase();
  }

  /** What a unit needs of a node's capacity (a group: its members together). */
  private need(unit: Rsc): Record<string, number> {
    const total: Record<string, number> = {};
    for (const p of primitives(unit)) for (const [k, v] of Object.entries(p.utilization)) total[k] = (total[k] ?? 0) + v;
    return total;
  }

  /** Whether a node has the capacity a unit needs (always, with the default strategy). */
  fits(unit: Rsc, node: string, alone = false): boolean {
    if (this.strategy === 'default') return true;
    const cap = this.ws.node.get(node)!.capacity;
    // With what must come along: resources colocated with it at INFINITY, not placed yet.
    const need = this.need(unit);
    if (!alone) for (const dep of this.mandatoryDependents(unit)) for (const [k, v] of Object.entries(this.need(dep))) need[k] = (need[k] ?? 0) + v;
    return Object.entries(need).every(([k, v]) => v <= 0 || (cap[k] ?? 0) >= v);
  }

  /** Resources (groups whole) colocated with `unit` at INFINITY, directly or along a chain, not placed yet. */
  private mandatoryDependents(unit: Rsc): Rsc[] {
    if (unit.kind === 'clone') return [];
    const out: Rsc[] = [];
    const seen = new Set<Rsc>([unit]);
    const walk = (r: Rsc) => {
      const ids = new Set([r.id, ...r.children.map((c) => c.id)]);
      for (const c of this.colocations) {
        if (!ids.has(c.attrs['with-rsc'] ?? '') || parseScore(c.attrs.score, 0) < INFINITY) continue;
        const d = this.ws.byId.get(c.attrs.rsc ?? '');
        const du = d?.parent?.kind === 'group' ? d.parent : d;
        if (!du || seen.has(du) || du.kind === 'clone' || this.done.has(du) || this.inProgress.has(du)) continue;
        seen.add(du);
        out.push(du);
        walk(du);
      }
    };
    walk(unit);
    return out;
  }

  /** Takes a unit's needs from the node it was placed on, and counts it there. */
  load(unit: Rsc, node: string): void {
    const n = this.ws.node.get(node)!;
    // Pacemaker counts the primitives placed on a node (a group's members each; a clone instance
    // once), with or without quorum: placement does not depend on it.
    n.assigned += unit.parent?.kind === 'clone' ? 1 : unit.kind === 'group' ? unit.children.filter((m) => m.next === node).length : 1;
    if (this.strategy !== 'default') for (const [k, v] of Object.entries(this.need(unit))) n.capacity[k] = (n.capacity[k] ?? 0) - v;
  }

  /**
   * Whether node a beats node b for a unit when their scores are equal: balanced — more
   * capacity left; then (but for minimal) fewer resources placed so far; then where the unit
   * runs now (if given); then the lower name.
   */
  tieBreak(a: string, b: string, current?: Set<string>): boolean {
    const na = this.ws.node.get(a)!;
    const nb = this.ws.node.get(b)!;
    if (this.strategy === 'balanced') {
      let more = 0;
      for (const k of new Set([...Object.keys(na.capacity), ...Object.keys(nb.capacity)])) more += Math.sign((na.capacity[k] ?? 0) - (nb.capacity[k] ?? 0));
      if (more !== 0) return more > 0;
    }
    if (this.strategy !== 'minimal' && na.assigned !== nb.assigned) return na.assigned < nb.assigned;
    if (current && current.has(a) !== current.has(b)) return current.has(a);
    return a < b;
  }

  /** Whether a unit could run on a node at all: allowed there, not banned by failures, node available. */
  canRun(unit: Rsc, node: string): boolean {
    if (!this.available(node)) return false;
    const first = unit.kind === 'group' ? unit.children[0] : unit;
    if (!first) return false;
    const s = this.baseScores(unit).get(node);
    if (s === undefined || s <= -INFINITY) return false;
    return !thresholdReached(first, node) && !first.stopFailed.has(node);
  }

  /** Whether `unit` could run on `node` as far as its INFINITY colocations with resources already placed (other than `except`) allow. */
  private withPlacedPrimaries(unit: Rsc, node: string, except: Rsc): boolean {
    const ids = new Set([unit.id, ...unit.children.map((c) => c.id)]);
    for (const c of this.colocations) {
      const roleBound = (r?: string) => r !== undefined && !/^started$/i.test(r);
      if (!ids.has(c.attrs.rsc ?? '') || parseScore(c.attrs.score, 0) < INFINITY || roleBound(c.attrs['rsc-role']) || roleBound(c.attrs['with-rsc-role'])) continue;
      const p = this.ws.byId.get(c.attrs['with-rsc'] ?? '');
      const pu = p?.parent?.kind === 'group' || p?.parent?.kind === 'clone' ? p.parent : p;
      if (!p || !pu || pu === except || !this.done.has(pu)) continue;
      if (!this.sameAttribute(this.placedOn(pu.kind === 'clone' ? pu : p), c.attrs['node-attribute']).has(node)) return false;
    }
    return true;
  }

  /** With node-attribute, "the same node" means any node with the same value of that attribute. */
  private sameAttribute(nodes: Set<string>, attribute?: string): Set<string> {
    if (!attribute || attribute === '#uname') return nodes;
    const values = new Set([...nodes].map((n) => this.ws.node.get(n)?.attrs[attribute]).filter((v): v is string => v !== undefined));
    return new Set(this.ws.nodes.filter((n) => n.attrs[attribute] !== undefined && values.has(n.attrs[attribute]!)).map((n) => n.name));
  }

  /**
   * A colocation of a dependent with `primary`: places the primary (its group or clone) first,
   * then INFINITY keeps the dependent where the primary runs, -INFINITY away from it, and a
   * finite score adds to those nodes (for clone instances INFINITY adds too, ranking the
   * primary's nodes first). In a colocation loop the primary being placed further up decides,
   * and this link does not.
   */
  private colocateWith(scores: Map<string, number>, col: Constraint, primary: Rsc, addInfinity = false): void {
    const pu = primary.parent?.kind === 'group' || primary.parent?.kind === 'clone' ? primary.parent : primary;
    if (this.inProgress.has(pu)) return;
    this.place(pu);
    const sc = parseScore(col.attrs.score, 0);
    const placed = this.placedOn(pu.kind === 'clone' ? pu : primary, col.attrs['with-rsc-role'], !addInfinity);
    const where = this.sameAttribute(placed, col.attrs['node-attribute']);
    for (const n of this.ws.nodes) {
      const there = where.has(n.name);
      if (sc >= INFINITY && !there) scores.set(n.name, -INFINITY);
      else if (sc <= -INFINITY && there) scores.set(n.name, -INFINITY);
      else if (there && (addInfinity || (sc > -INFINITY && sc < INFINITY)) && scores.has(n.name)) scores.set(n.name, addScores(scores.get(n.name)!, sc));
    }
  }

  /** Nodes a placed resource will run on (a clone: its instances'; with a role: only instances in it). */
  placedOn(r: Rsc, role?: string, partial = false): Set<string> {
    const out = new Set<string>();
    // (A role asked of a clone that is not promotable means nothing: any instance will do.)
    const roleless = r.kind === 'clone' && !r.clone?.promotable;
    const promoted = !roleless && /^(promoted|master)$/i.test(role ?? '');
    const unpromoted = !roleless && /^(unpromoted|slave)$/i.test(role ?? '');
    // A clone of groups is somewhere only where a whole instance runs (for another clone; a
    // primitive or group follows an instance placed there even if not all its members run).
    if (r.kind === 'clone' && r.children[0]?.kind === 'group') {
      for (const inst of r.children) {
        const at = inst.children[0]?.next;
        if (at && (partial || inst.children.every((m) => m.next === at)) && (!promoted || inst.children.every((m) => m.nextRole === 'Promoted'))) out.add(at);
      }
      return out;
    }
    for (const p of r.kind === 'primitive' ? [r] : primitives(r)) {
      if (!p.next) continue;
      // A blocked clone instance stays where it is but is not placed there for others to follow.
      if (p.blocked && r.kind === 'clone') continue;
      if (promoted && p.nextRole !== 'Promoted') continue;
      if (unpromoted && p.nextRole === 'Promoted') continue;
      out.add(p.next);
    }
    if (r.kind === 'group' && r.next) out.add(r.next);
    return out;
  }

  /** Places a unit (and, first, what it is colocated with). */
  place(unit: Rsc): void {
    if (this.done.has(unit) || this.inProgress.has(unit)) return;
    if (unit.kind === 'clone') {
      this.inProgress.add(unit);
      this.placeClone(unit);
      this.inProgress.delete(unit);
      this.done.add(unit);
      return;
    }
    this.inProgress.add(unit);
    const ws = this.ws;
    const members = unit.kind === 'group' ? unit.children : [unit];
    const ids = new Set([unit.id, ...members.map((m) => m.id)]);
    const scores = this.baseScores(unit);
    // Colocation with units placed first (the group's own colocations before its members').
    const own = (c: Constraint) => (c.attrs.rsc === unit.id ? 0 : 1);
    for (const c of [...this.colocations].sort((a, b) => own(a) - own(b))) {
      if (!ids.has(c.attrs.rsc ?? '')) continue;
      const primary = ws.byId.get(c.attrs['with-rsc'] ?? '');
      if (!primary || ids.has(primary.id)) continue;
      this.colocateWith(scores, c, primary);
    }
    // Dependents' preferences pull the primary (Pacemaker merges them by the colocation's weight).
    for (const c of this.colocations) {
      if (!ids.has(c.attrs['with-rsc'] ?? '')) continue;
      const dep = ws.byId.get(c.attrs.rsc ?? '');
      if (!dep || ids.has(dep.id) || this.done.has(dep)) continue;
      const s = parseScore(c.attrs.score, 0);
      if (s === 0) continue;
      const depUnit = dep.parent?.kind === 'group' ? dep.parent : dep;
      // (influence=false — or the dependent not critical — once the primary is active: no pull.)
      const influence = c.attrs.influence !== undefined && /^(true|false|yes|no|on|off|1|0|y|n)$/i.test(c.attrs.influence) ? isTrue(c.attrs.influence) : isTrue(depUnit.meta.critical ?? 'true');
      if (!influence && primitives(unit).some((p) => p.active.size > 0)) continue;
      const loc = this.baseScores(depUnit);
      // (Pacemaker drops a dependent's pull that would leave the primary nowhere to run.)
      const pulled = new Map(scores);
      for (const n of ws.nodes) {
        const d = loc.get(n.name);
        if (d === undefined || d >= INFINITY || !pulled.has(n.name)) continue;
        // (Where a dependent that wants to be with it is banned, so is the primary — unless that leaves it nowhere.)
        if (d <= -INFINITY) {
          if (s > 0) pulled.set(n.name, -INFINITY);
          continue;
        }
        pulled.set(n.name, addScores(pulled.get(n.name)!, Math.round((d * s) / INFINITY)));
      }
      const runsSomewhere = (m: Map<string, number>) => ws.nodes.some((n) => (m.get(n.name) ?? -INFINITY) >= 0 && this.available(n.name));
      if (runsSomewhere(pulled) || !runsSomewhere(scores)) for (const [n, v] of pulled) scores.set(n, v);
      // A mandatory dependent that cannot run on a node keeps the primary off it, if the primary has somewhere else to go.
      if (s >= INFINITY && depUnit.kind !== 'clone') {
        // (With node-attribute: banned where no node with the same value can run it.)
        const runnable = new Set(ws.nodes.filter((n) => this.canRun(depUnit, n.name) && this.withPlacedPrimaries(depUnit, n.name, unit)).map((n) => n.name));
        const reach = this.sameAttribute(runnable, c.attrs['node-attribute']);
        const banned = ws.nodes.filter((n) => !reach.has(n.name) && scores.has(n.name)).map((n) => n.name);
        const left = [...scores].filter(([n, v]) => v >= 0 && !banned.includes(n) && this.available(n));
        if (banned.length && left.length) for (const n of banned) scores.set(n, -INFINITY);
      }
    }
    this.applyHealth(members[0]!, scores);
    // Availability, failures, roles.
    for (const n of ws.nodes) {
      if (!this.available(n.name) || members.some((m) => !this.mayRunOn(m, n.name))) scores.set(n.name, -INFINITY);
      for (const m of members) {
        if (thresholdReached(m, n.name) && m === members[0]) scores.set(n.name, -INFINITY);
        if (m.stopFailed.has(n.name) && m === members[0]) scores.set(n.name, -INFINITY);
        if ((m.hardBanned.has(n.name) || m.misconfigured) && m === members[0]) scores.set(n.name, -INFINITY);
      }
    }
    // A later member that cannot run on a node (its failures reached migration-threshold) keeps
    // the whole group off it, when the group has somewhere it can run whole.
    if (unit.kind === 'group' && members.length > 1) {
      const memberBanned = (m: Rsc, node: string) => thresholdReached(m, node) || m.stopFailed.has(node) || m.hardBanned.has(node);
      // (A member that is not critical — critical=false — does not move its group: it just stops.)
      const critical = (m: Rsc) => isTrue(m.meta.critical ?? 'true');
      const whole = (node: string) => (scores.get(node) ?? -INFINITY) >= 0 && this.available(node) && members.every((m) => !critical(m) || !memberBanned(m, node));
      if (ws.nodes.some((n) => whole(n.name))) for (const n of ws.nodes) if (members.slice(1).some((m) => critical(m) && memberBanned(m, n.name))) scores.set(n.name, -INFINITY);
    }
    unit.scores = scores;
    let chosen: string | null = null;
    const tv = this.ticketVerdict(members[0]!);
    // Blocked by a failure, frozen by a lost ticket, or not managed: it stays as it is, wherever
    // that is (and loads that node) — a stopped one stays stopped.
    const unmanaged = members.every((m) => !isManaged(ws, m));
    if ((unit.kind !== 'group' && members.some((m) => m.blocked)) || tv.freeze || unmanaged) {
      unit.next = [...members[0]!.active.keys()][0] ?? null;
      for (const m of members) m.next = [...m.active.keys()][0] ?? null;
      if (unit.next) this.load(unit, unit.next);
      this.inProgress.delete(unit);
      this.done.add(unit);
      return;
    }
    // (A group's target-role is its members' unless they set their own: it is stopped when its
    // first member is; the others are checked below.)
    const stopped = /^stopped$/i.test((unit.kind === 'group' ? members[0]!.meta : unit.meta)['target-role'] ?? '') || members[0]!.stopOnly || !tv.run;
    if (!stopped) {
      const current = new Set(members[0]!.active.keys());
      // (When no node could take it with what must come along, it goes where it fits alone.)
      const candidates = ws.nodes.filter((n) => (scores.get(n.name) ?? -INFINITY) >= 0 && this.available(n.name));
      const alone = !candidates.some((n) => this.fits(unit, n.name));
      let best = -INFINITY;
      for (const n of ws.nodes) {
        const s = scores.get(n.name);
        if (s === undefined || s < 0 || !this.fits(unit, n.name, alone)) continue;
        if (chosen === null || s > best || (s === best && this.tieBreak(n.name, chosen, current))) {
          chosen = n.name;
          best = s;
        }
      }
      // (A bundle's container keeps its node when that is as good as the best, like a clone instance.)
      const at = [...current][0];
      if (unit.bundleContainer && at !== undefined && chosen !== null && (scores.get(at) ?? -INFINITY) >= best && this.fits(unit, at)) chosen = at;
    }
    unit.next = chosen;
    if (unit.kind === 'group') {
      let blocked = false;
      for (const m of unit.children) {
        // (An unmanaged member stays where it is: stopped, or elsewhere, it holds the rest back.)
        const unmanagedAway = !isTrue(m.meta['is-managed'] ?? 'true') && chosen !== null && !m.active.has(chosen);
        const bad = chosen === null || blocked || unmanagedAway || /^stopped$/i.test(m.meta['target-role'] ?? '') || thresholdReached(m, chosen) || this.locationScores(m).get(chosen) === -INFINITY;
        // (an asymmetric cluster's member without a constraint follows its group)
        if (bad) blocked = true;
        m.next = blocked ? null : chosen;
      }
      // A member blocked by a failure stays where it is; the members after it can only run with it.
      const stuck = unit.children.findIndex((m) => m.blocked);
      if (stuck >= 0) {
        const at = [...unit.children[stuck]!.active.keys()][0] ?? null;
        unit.children[stuck]!.next = at;
        for (const m of unit.children.slice(stuck + 1)) if (m.next !== at) m.next = null;
      }
    }
    if (chosen) this.load(unit, chosen);
    this.inProgress.delete(unit);
    this.done.add(unit);
  }
}

/**
 * A definition changed since the resource started where it runs: a restart ("due to resource
 * definition change"), or a reload when only reloadable parameters changed.
 */
function checkDefinitions(ws: WorkingSet): void {
  for (const p of ws.byId.values()) {
    // (Resources the scheduler made itself — bundle containers and IPs, guest connections — have
    // parameters Pacemaker derives and we do not: their definitions are not compared.)
    if (p.kind !== 'primitive' || !p.next || p.blocked || p.implicit) continue;
    const cur = [...p.active.keys()];
    if (cur.length !== 1 || cur[0] !== p.next || p.failed.has(p.next)) continue;
    // Another agent than the one its history ran: restarted (Pacemaker gives no reason).
    if (p.agentChangedOn?.has(p.next)) {
      p.restartFor = '';
      p.definitionChanged = 'definition';
      continue;
    }
    const d = p.startDigests.get(p.next);
    if (!d) continue;
    // (The start's own instance attributes are parameters of the start, recorded in its digest.)
    const startParams = p.ops.find((o) => o.name === 'start' && o.intervalMs === 0)?.params;
    const params = actionParams(ws, p, p.next, 'start', 0);
    if (paramDigest(params) === d.opDigest) continue;
    // As crm_simulate does (the CIB may be sanitized: secrets replaced), compare without the
    // secret parameters when their digest was recorded.
    // (Fencing devices' pcmk_* parameters are the fencer's, not the agent's: not in that digest.)
    const fence = p.agent?.startsWith('stonith:') === true;
    if (d.secureDigest && paramDigest(params, (k) => !d.secureParams!.includes(k) && !(fence && k.startsWith('pcmk_'))) === d.secureDigest) continue;
    // (A start with parameters of its own restarts rather than reloads, so that they apply.)
    // (Without a list of parameters that force a restart, the restart digest covers them all.)
    if (d.restartDigest && !startParams && paramDigest(params, (k) => !d.forceRestart || d.forceRestart.includes(k)) === d.restartDigest) p.reload = true;
    // (Pacemaker gives no reason for operations recorded before feature set 2.0, nor for a
    // result recorded without a digest, such as one crm_simulate injected; and a start that
    // requires nothing loses its reason when it is found runnable.)
    else p.restartFor = Number((d.featureSet ?? '3').split('.')[0]) < 2 || d.opDigest === '' || d.pending || (p.meta.requires ?? '').toLowerCase() === 'nothing' ? '' : 'resource definition change';
    p.definitionChanged = 'parameters';
  }
}

/**
 * With unfencing in use (a device provides it), a device restarted (or reloaded) on a node for
 * a changed definition unfences that node again first, and what runs there and needs unfencing
 * restarts after it ("due to required stonith").
 */
function unfenceChangedDevices(ws: WorkingSet, summary: SummaryEntry[]): void {
  const devices = [...ws.byId.values()].filter((r) => r.kind === 'primitive' && r.agent?.startsWith('stonith:'));
  if (!ws.options.stonithEnabled || !devices.some((d) => (d.meta.provides ?? '').toLowerCase() === 'unfencing')) return;
  for (const d of devices) {
    const n = d.next ? ws.node.get(d.next) : undefined;
    if (!n || !d.definitionChanged || (d.restartFor === undefined && !d.reload) || !n.online || n.unclean || n.shutdown) continue;
    summary.push({ text: `Fence (on) ${n.name} 'Device ${d.definitionChanged} changed'` });
    for (const p of ws.byId.values()) {
      if (p.kind !== 'primitive' || p.agent?.startsWith('stonith:') || p.next !== n.name || !p.active.has(n.name) || p.failed.has(n.name) || p.restartFor !== undefined) continue;
      if ((p.meta.requires ?? 'unfencing').toLowerCase() !== 'unfencing') continue;
      p.restartFor = 'required stonith';
    }
  }
}

/** The name Pacemaker gives an action of a resource in reasons: groups and clones have pseudo-actions (running, stopped...). */
function actionName(r: Rsc, action: string): string {
  if (r.kind === 'primitive') return `${r.id} ${action}`;
  const pseudo: Record<string, string> = { start: 'running', stop: 'stopped', promote: 'promoted', demote: 'demoted' };
  // (A clone with notifications completes its promotion with the notification after it.)
  if (r.kind === 'clone' && action === 'promote' && isTrue(r.meta.notify ?? 'false')) return `${r.id} notified`;
  return `${r.id} ${pseudo[action] ?? action}`;
}

/** Whether a resource's action can happen in this transition (placement decided it may run / be promoted). */
function runnable(r: Rsc, action: string): boolean {
  // A blocked resource stays where it is, but its start could not happen where it is not allowed.
  const prims = primitives(r).map((p) => (p.blocked && p.next && (p.scores?.get(p.next) ?? 0) < 0 ? { ...p, next: null } : p));
  if (action === 'promote') return prims.some((p) => p.next && p.nextRole === 'Promoted');
  // (A clone of groups runs where a whole instance can: its "running" waits for every member.)
  if (r.kind === 'clone' && r.children[0]?.kind === 'group') return r.children.some((inst) => inst.children.every((m) => m.next));
  if (r.kind === 'clone') return prims.some((p) => p.next);
  return prims.every((p) => p.next);
}

/** Whether a primitive (re)starts in this transition (a live migration is not a start). */
function starts(ws: WorkingSet, p: Rsc): boolean {
  if (!p.next || p.blocked) return false;
  const cur = [...p.active.keys()];
  if (cur.length === 1 && cur[0] !== p.next && canMigrate(ws, p, cur[0]!)) return false;
  return cur.length !== 1 || cur[0] !== p.next || p.failed.has(cur[0]!) || p.restartFor !== undefined;
}

/**
 * Mandatory orderings (constraints, and group members in sequence): a `then` whose `first`
 * cannot run is stopped or not started ("due to unrunnable FIRST start"); a `then` that stays
 * where it runs while its `first` (re)starts is restarted ("due to required FIRST start").
 * Repeated until nothing changes, so it follows chains.
 */
function applyOrders(ws: WorkingSet): void {
  type Order = { viaContainer?: boolean; first: Rsc; anyOf?: Rsc[]; minFirst?: number; anyOfName?: string; secondOfClonedGroup?: boolean; then: Rsc; firstAction: string; thenAction: string; interleave: boolean; symmetrical: boolean };
  const orders: Order[] = [];
  const stopOrders: { first: Rsc; then: Rsc }[] = [];
  const restartOnly: { first: Rsc; then: Rsc; firstAction: string }[] = [];
  for (const c of ws.constraints) {
    if (c.kind !== 'rsc_order') continue;
    const kind = (c.attrs.kind ?? (c.attrs.score !== undefined && parseScore(c.attrs.score, 0) === 0 ? 'Optional' : 'Mandatory')).toLowerCase();
    const first = ws.byId.get(c.attrs.first ?? '');
    const then = ws.byId.get(c.attrs.then ?? '');
    if (!first || !then) continue;
    const firstAction = c.attrs['first-action'] ?? 'start';
    const thenAction = c.attrs['then-action'] ?? firstAction;
    // An Optional ordering still restarts a `then` with the deprecated restart-type=restart.
    const restartType = kind === 'optional' && primitives(then).some((p) => (p.meta['restart-type'] ?? '').toLowerCase() === 'restart');
    if (restartType) {
      if (['start', 'promote', 'stop'].includes(firstAction)) restartOnly.push({ first, then, firstAction });
      continue;
    }
    // An unknown kind counts as Mandatory (Pacemaker resets it).
    if (kind === 'optional' || kind === 'serialize') continue;
    if (firstAction === 'stop' && thenAction === 'stop') {
      stopOrders.push({ first, then });
      continue;
    }
    if (!['start', 'promote'].includes(firstAction) || thenAction !== 'start') continue;
    const anyOf = c.anyOf?.map((id) => ws.byId.get(id)).filter((r): r is Rsc => r !== undefined);
    // clone-min on the first clone (or the older require-all="false"): `then` needs only that many instances.
    const min = first.kind !== 'clone' ? 0 : first.meta['clone-min'] !== undefined ? Math.max(0, parseInt(first.meta['clone-min'], 10) || 0) : c.attrs['require-all'] !== undefined && !isTrue(c.attrs['require-all']) ? 1 : 0;
    const relaxed = min > 0 ? { minFirst: min, anyOfName: `clone-one-or-more:${c.id}` } : anyOf ? { anyOf, anyOfName: c.anyOfName! } : {};
    orders.push({ ...(c.fromContainer ? { viaContainer: true } : {}), first, ...relaxed, then, firstAction, thenAction, interleave: min === 0 && first.kind === 'clone' && then.kind === 'clone' && isTrue(then.meta.interleave), symmetrical: isTrue(c.attrs.symmetrical ?? 'true') });
  }
  // What runs on a guest node starts after the guest's container (and restarts with it).
  for (const p of ws.byId.values()) {
    if (p.kind !== 'primitive') continue;
    for (const n of p.active.keys()) {
      const container = ws.node.get(n)?.remote?.container;
      const c = container ? ws.byId.get(container) : undefined;
      // (First among the orders: a restart it causes names the container.)
      if (c && c !== p && p.next === n) orders.unshift({ first: c, then: p, firstAction: 'start', thenAction: 'start', interleave: false, symmetrical: true });
    }
  }
  const groups = [...ws.byId.values()].filter((r) => r.kind === 'group');
  // (An unordered group — ordered=false — has no order among its members.)
  const unordered = (g: Rsc) => g.kind === 'group' && g.meta.ordered !== undefined && !isTrue(g.meta.ordered);
  for (const g of groups) for (let i = 1; i < g.children.length && !unordered(g); i++) orders.push({ first: g.children[i - 1]!, then: g.children[i]!, firstAction: 'start', thenAction: 'start', interleave: false, symmetrical: true, ...(i === 1 && g.parent?.kind === 'clone' ? { secondOfClonedGroup: true } : {}) });
  // A start made unrunnable by an ordering blocks the starts of what is colocated with it for
  // sure ("due to colocation with ..."), once no instance of a collective can start.
  const promotedRole = (role?: string) => /^(promoted|master)$/i.test(role ?? '');
  const mandatoryColocations = ws.constraints.filter((c) => c.kind === 'rsc_colocation' && parseScore(c.attrs.score, 0) >= INFINITY && !promotedRole(c.attrs['with-rsc-role']));
  const blockColocated = (p: Rsc) => {
    let top = p;
    while (top.parent) top = top.parent;
    if (primitives(top).some((x) => x.next)) return;
    const name = top.kind === 'clone' ? top.id : p.id;
    for (const c of mandatoryColocations) {
      if (c.attrs['with-rsc'] !== top.id) continue;
      const dependent = ws.byId.get(c.attrs.rsc ?? '');
      if (!dependent || dependent === top) continue;
      // (One also ordered after a resource made unrunnable by its own first takes the
      // ordering's reason: Pacemaker made its start required before.)
      // (Nor does an interleaved clone: its instances follow their peers.)
      if (p.blockedBy?.startsWith('unrunnable ') && orders.some((o) => o.first === p && o.then === dependent)) continue;
      if (orders.some((o) => o.interleave && o.first === top && o.then === dependent)) continue;
      // Only its promoted role colocated: it starts, but is not promoted.
      if (promotedRole(c.attrs['rsc-role'])) {
        for (const d of primitives(dependent)) {
          if (!d.next || d.nextRole !== 'Promoted') continue;
          d.promoteBlockedBy ??= `colocation with ${name}`;
          d.nextRole = 'Unpromoted';
        }
        continue;
      }
      for (const d of primitives(dependent)) {
        if (!d.next) continue;
        d.wouldRun = d.next;
        d.blockedBy ??= `colocation with ${name}`;
        d.heldByOrder = true;
        d.next = null;
        blockColocated(d);
      }
    }
  };
  // (A resource's implicit order after its container (meta container) comes after its group's:
  // a group member restarted along names the member before it.)
  orders.sort((a, b) => Number(a.viaContainer === true) - Number(b.viaContainer === true));
  for (let round = 0; round < 50; round++) {
    let changed = false;
    for (const o of orders) {
      // Interleaved clones: an instance of `then` may only be active where an instance of
      // `first` will be; without one on its node it is not placed at all.
      if (o.interleave) {
        for (const inst of o.then.children) {
          const where = primitives(inst)[0]?.next;
          if (!where) continue;
          if (o.first.children.some((f) => primitives(f).some((x) => x.next === where))) continue;
          // The peer that was to be there but was held by an ordering names the reason; without
          // one the instance is unassigned after its actions were made: its stop says no why.
          const peer = o.first.children.flatMap(primitives).find((x) => x.wouldRun === where && x.heldByOrder);
          for (const p of primitives(inst)) {
            if (peer) {
              const staying = p.active.size === 1 && p.active.has(where) && !p.failed.has(where);
              p.blockedBy = `${staying && peer.active.size > 0 ? 'required' : 'unrunnable'} ${peer.id} ${o.firstAction}`;
              p.wouldRun = where;
              p.heldByOrder = true;
            } else if (p.active.size) {
              p.blockedBy ??= '';
              p.heldByOrder = true;
            }
            p.next = null;
            blockColocated(p);
          }
          changed = true;
        }
      }
      // An order to a group reaches its first member; the members after it follow in sequence.
      // (Likewise each instance of a clone of groups.)
      const thenPrims = o.then.kind === 'group' ? o.then.children.slice(0, unordered(o.then) ? undefined : 1) : o.then.kind === 'clone' && o.then.children[0]?.kind === 'group' ? o.then.children.map((g) => g.children[0]!).filter(Boolean) : primitives(o.then);
      const firstRunnable = o.anyOf ? o.anyOf.some((f) => runnable(f, o.firstAction)) : o.minFirst ? o.first.children.filter((f) => runnable(f, o.firstAction)).length >= o.minFirst : runnable(o.first, o.firstAction);
      if (!firstRunnable) {
        for (const p of thenPrims) {
          if (!p.next) continue;
          // Running already and the order is one-way: it may stay; it just cannot start anew.
          const staying = p.active.size === 1 && p.active.has(p.next) && !p.failed.has(p.next);
          if (staying && !o.symmetrical) continue;
          p.wouldRun = p.next;
          // A first that cannot run by itself (no node, target-role, bans) makes this
          // "unrunnable"; one that runs now and stops because an ordering stopped it makes it
          // "required" (Pacemaker saw its start become mandatory before unrunnable).
          const firstRunsNow = primitives(o.first).some((f) => f.active.size > 0);
          const firstHeldByOrder = !o.anyOfName && primitives(o.first).some((f) => f.heldByOrder);
          const required = firstRunsNow && staying && (o.first.kind === 'primitive' || firstHeldByOrder);
          // (In a cloned group Pacemaker names the first member's stop for the second member.)
          const firstAction = required && o.secondOfClonedGroup ? 'stop' : o.firstAction;
          p.blockedBy = `${required ? 'required' : 'unrunnable'} ${o.anyOfName ?? actionName(o.first, firstAction)}`;
          p.heldByOrder = true;
          p.next = null;
          blockColocated(p);
          changed = true;
        }
        continue;
      }
      // A clone's new instance starting elsewhere does not restart what needs the clone; its
      // instances stopping and starting again do.
      // (Interleaved, a new instance starting on the same node counts too.)
      const firstStarting = primitives(o.first).filter((p) => starts(ws, p) && (o.first.kind !== 'clone' || p.active.size > 0 || o.interleave));
      // (A resource after a whole clone also restarts when an instance of the clone was
      // unassigned by its interleaving after its actions were made: the clone's start became
      // required.)
      const instanceStops = o.first.kind === 'clone' && !o.interleave && o.then.kind === 'primitive' && o.symmetrical && o.firstAction === 'start'
        && primitives(o.first).some((p) => p.active.size > 0 && !p.next && p.heldByOrder && p.blockedBy === '');
      // (After "any of" a set or clone-min instances, a first that starts again restarts nothing.)
      if ((!firstStarting.length && !instanceStops) || o.minFirst || o.anyOf) continue;
      for (const p of thenPrims) {
        const cur = [...p.active.keys()];
        if (p.restartFor !== undefined || p.blocked || !p.next || cur.length !== 1 || cur[0] !== p.next || p.failed.has(cur[0]!)) continue;
        if (o.interleave && !firstStarting.some((f) => f.next === p.next)) continue;
        // Interleaved: the instance on the same node is what it waits for.
        const peer = o.interleave ? firstStarting.find((f) => f.next === p.next) : undefined;
        p.restartFor = `required ${peer ? `${peer.id} ${o.firstAction}` : actionName(o.first, o.firstAction)}`;
        changed = true;
      }
    }
    for (const o of restartOnly) {
      const firstActs = primitives(o.first).filter((p) => (o.firstAction === 'stop' ? p.active.size > 0 && (p.next !== [...p.active.keys()][0] || starts(ws, p)) : starts(ws, p) && (o.first.kind !== 'clone' || p.active.size > 0)));
      if (!firstActs.length) continue;
      // (A group restarts from its first member; the others follow it in sequence.)
      for (const p of o.then.kind === 'group' ? o.then.children.slice(0, 1) : primitives(o.then)) {
        const cur = [...p.active.keys()];
        if (p.restartFor !== undefined || p.blocked || !p.next || cur.length !== 1 || cur[0] !== p.next || p.failed.has(cur[0]!)) continue;
        p.restartFor = o.firstAction === 'stop' ? '' : `required ${actionName(o.first, o.firstAction)}`;
        changed = true;
      }
    }
    if (!changed) break;
  }
  // A stop that must wait for a blocked resource's stop cannot happen: stopping a first means
  // stopping its thens before (symmetrical orders), and stop-then-stop orders say it outright.
  // (Transitively: a stop that cannot happen holds up those that wait for it. A restart's stop
  // too: the resource then just stops — blocked.)
  const stopBlocker = (r: Rsc) => primitives(r).find((p) => (p.blocked && p.active.size) || p.stopBlocked);
  const waits = [...orders.filter((o) => o.symmetrical).map((o) => ({ on: o.then, waiting: o.first })), ...stopOrders.map((o) => ({ on: o.first, waiting: o.then }))];
  for (let changed = true; changed; ) {
    changed = false;
    for (const w of waits) {
      const blocker = stopBlocker(w.on);
      if (!blocker) continue;
      for (const p of primitives(w.waiting)) {
        const cur = [...p.active.keys()];
        if (p.stopBlocked || cur.length !== 1 || (p.next === cur[0] && p.restartFor === undefined)) continue;
        p.stopBlocked = true;
        p.stopBlockedBy = blocker.id;
        changed = true;
      }
    }
  }
  // A resource may migrate only if what it is ordered after does not move the plain way: a
  // first that stops and starts elsewhere (rather than migrating) makes it a move
  // ("unrunnable FIRST stop"); one that only stops does not.
  const plainStop = (f: Rsc) => {
    const c = [...f.active.keys()];
    return c.length > 0 && !!f.next && c.some((n) => n !== f.next) && !(c.length === 1 && canMigrate(ws, f, c[0]!));
  };
  for (const o of orders) {
    if (!o.symmetrical || o.firstAction !== 'start') continue;
    if (!primitives(o.first).some(plainStop)) continue;
    for (const p of primitives(o.then)) {
      const c = [...p.active.keys()];
      // (A remote connection says no why.)
      if (c.length === 1 && p.next && p.next !== c[0] && canMigrate(ws, p, c[0]!)) p.noMigrate = ws.node.get(p.id)?.remote ? ' ' : `unrunnable ${o.first.id} stop`;
    }
  }
}

/**
 * no-quorum-policy without quorum: nothing starts ("due to no quorum (blocked)"); with "stop"
 * everything running stops ("due to no quorum"); "freeze" keeps what runs where it is.
 */
function applyNoQuorum(ws: WorkingSet): void {
  const policy = ws.options.noQuorumPolicy.toLowerCase();
  for (const p of ws.byId.values()) {
    if (p.kind !== 'primitive') continue;
    // Fencing devices (requires=nothing) run without quorum: fencing may be what restores it.
    // (Not under no-quorum-policy=suicide: the node is to fence itself, not to start anything.)
    if (policy !== 'suicide' && (p.meta.requires ?? '').toLowerCase() === 'nothing') continue;
    const cur = [...p.active.keys()];
    // Stopped by the fencing of its node, not by the policy.
    if (cur.some((n) => ws.node.get(n)?.unclean && ws.node.get(n)?.online)) continue;
    if (cur.length === 0) {
      if (p.next) {
        p.wouldRun = p.next;
        p.blockedBy = policy === 'freeze' ? 'quorum freeze' : 'no quorum';
        p.next = null;
      }
      continue;
    }
    // freeze: nothing is promoted either (a promotion is a start of the promoted role).
    if (policy === 'freeze' && promotableOf(p) && p.nextRole === 'Promoted' && cur.every((n) => p.active.get(n) !== 'Promoted')) {
      p.nextRole = 'Unpromoted';
      continue;
    }
    // demote: a promoted instance stays, demoted; everything else stops as under stop.
    if (policy === 'demote' && promotableOf(p)) {
      if (p.next && cur.includes(p.next)) p.nextRole = 'Unpromoted';
      else if (p.next) {
        p.wouldRun = p.next;
        p.blockedBy = 'no quorum';
        p.next = null;
      }
      continue;
    }
    if (policy === 'stop' || policy === 'suicide' || policy === 'demote') {
      if (p.next !== null || !p.blockedBy) p.blockedBy = 'no quorum';
      p.next = null;
    }
  }
}

/**
 * migration-threshold: failures on a node after which the resource is banned from it (0: never).
 * A resource with a failure Pacemaker was told to ignore (on-fail=ignore) ignores it too.
 */
function migrationThreshold(r: Rsc): number {
  return r.failureIgnored ? 0 : parseScore(r.meta['migration-threshold'], INFINITY);
}

/** Whether a resource's failures on a node reached its migration-threshold (banning it there). */
function thresholdReached(r: Rsc, node: string): boolean {
  const threshold = migrationThreshold(r);
  return threshold > 0 && (r.failCount.get(node) ?? 0) >= threshold;
}

function promotableOf(r: Rsc): boolean {
  for (let p = r.parent; p; p = p.parent) if (p.kind === 'clone') return p.clone?.promotable === true;
  return false;
}

function summaryForPromotable(ws: WorkingSet, r: Rsc, out: SummaryEntry[]): void {
  const entry = (text: string) => out.push({ text, rsc: r.id });
  const active = [...r.active.entries()];
  const next = r.next ?? null;
  const nextRole = r.nextRole ?? (next ? 'Unpromoted' : 'Stopped');
  const roleName = (x: string) => (x === 'Started' ? 'Unpromoted' : x);
  if (active.length === 0) {
    if (next && nextRole === 'Promoted') entry(`Promote    ${r.id} ( Stopped -> Promoted ${next} )`);
    else if (next && r.promoteBlockedBy) entry(`Promote    ${r.id} ( Stopped -> Promoted ${next} )  due to ${r.promoteBlockedBy} (blocked)`);
    else if (next) entry(`Start      ${r.id} ( ${next} )`);
    // (One that would have been promoted shows its promotion, just "blocked".)
    else if (r.blockedBy && r.wouldRun && r.nextRole === 'Promoted') entry(`Promote    ${r.id} ( Stopped -> Promoted ${r.wouldRun} )  blocked`);
    else if (r.blockedBy && r.wouldRun) entry(`Start      ${r.id} ( ${r.wouldRun} )  due to ${r.blockedBy} (blocked)`);
    return;
  }
  const [cur, curRoleRaw] = active[0]!;
  const curRole = roleName(curRoleRaw);
  const failed = r.failed.has(cur);
  if (!next) {
    if (r.blockedBy === '' && r.stopBlocked) entry(`Stop       ${r.id} ( ${curRole} ${cur} )  blocked`);
    else if (r.blockedBy === '') entry(`Stop       ${r.id} ( ${curRole} ${cur} )`);
    else entry(`Stop       ${r.id} ( ${curRole} ${cur} )  due to ${r.blockedBy ?? 'node availability'}${r.stopBlocked ? ' (blocked)' : ''}`);
    return;
  }
  if (next === cur) {
    if (failed) entry(curRole === nextRole ? `Recover    ${r.id} ( ${curRole} ${cur} )` : `Recover    ${r.id} ( ${curRole} -> ${nextRole} ${cur} )`);
    else if (r.restartFor !== undefined) entry(`Restart    ${r.id} ( ${curRole === nextRole ? curRole : `${curRole} -> ${nextRole}`} ${cur} )${r.restartFor ? `  due to ${r.restartFor}` : ''}`);
    else if (curRole === 'Unpromoted' && nextRole === 'Promoted') entry(`Promote    ${r.id} ( Unpromoted -> Promoted ${cur} )`);
    else if (curRole === 'Promoted' && nextRole === 'Unpromoted') entry(`Demote     ${r.id} ( Promoted -> Unpromoted ${cur} )`);
    return;
  }
  // (Moving in the same role: the role after the nodes.)
  entry(`${failed ? 'Recover' : 'Move   '}    ${r.id} ( ${curRole === nextRole ? `${cur} -> ${next} ${curRole}` : `${curRole} ${cur} -> ${nextRole} ${next}`} )`);
}

function summaryFor(ws: WorkingSet, r: Rsc, out: SummaryEntry[]): void {
  const managed = isManaged(ws, r);
  if (!managed || r.blocked) return;
  if (promotableOf(r)) {
    summaryForPromotable(ws, r, out);
    return;
  }
  const fenced = (n: string) => ws.node.get(n)?.unclean === true;
  let active = [...r.active.keys()];
  // (One that needs no fencing — a fencing device, requires=quorum or nothing — is not multiply
  // active for a copy on a node being fenced: that one is just gone.)
  const requires = (r.meta.requires ?? (r.agent?.startsWith('stonith:') ? 'quorum' : 'fencing')).toLowerCase();
  if (active.length > 1 && (requires === 'nothing' || requires === 'quorum')) {
    const clean = active.filter((n) => !fenced(n));
    if (clean.length === 1) active = clean;
  }
  const next = r.next ?? null;
  const failed = active.some((n) => r.failed.has(n));
  const entry = (text: string) => out.push({ text, rsc: r.id });
  if (active.length === 0) {
    if (next) entry(`Start      ${r.id} ( ${next} )`);
    else if (r.blockedBy && r.wouldRun) entry(`Start      ${r.id} ( ${r.wouldRun} )  due to ${r.blockedBy} (blocked)`);
    else if (r.blockedBy === '' && r.wouldRun) entry(`Start      ${r.id} ( ${r.wouldRun} )  blocked`);
    return;
  }
  if (active.length > 1) {
    // Active on several nodes (multiple-active): block leaves it; stop_only stops it; stop_start (default) restarts it.
    const policy = (r.meta['multiple-active'] ?? 'stop_start').toLowerCase();
    if (policy === 'block') return;
    // (Its role is one for all its nodes: promoted anywhere, it shows promoted everywhere.)
    const role = [...r.active.values()].includes('Promoted') ? 'Promoted ' : '';
    if (policy === 'stop_only' || !next) for (const n of active) entry(`Stop       ${r.id} ( ${role}${n} )  due to node availability`);
    // (A primitive promoted by its agent, outside any promotable clone, shows its role change
    // when it moves from its first node.)
    else if (role && next !== active[0]) entry(`${failed ? 'Recover' : 'Move   '}    ${r.id} ( Promoted ${active[0]} -> Started ${next} )`);
    else entry(`${failed ? 'Recover' : active.includes(next) ? 'Restart' : 'Move   '}    ${r.id} ( ${active.includes(next) ? next : `${active[0]} -> ${next}`} )${failed && policy === 'stop_unexpected' ? '  due to being multiply active' : ''}`);
    return;
  }
  const cur = active[0]!;
  // A restart or move whose stop waits for a stop that cannot happen: it only "stops", blocked.
  // (In a group the member after a restarting one names that one's stop, as Pacemaker made it
  // required first.)
  if (next && r.stopBlocked && r.stopBlockedBy) {
    const group = r.parent?.kind === 'group' ? r.parent : undefined;
    const before = group?.children[group.children.indexOf(r) - 1];
    const why = next === cur && before && before.restartFor !== undefined && before.stopBlocked ? `required ${before.id} stop` : `unrunnable ${r.stopBlockedBy} stop`;
    entry(`Stop       ${r.id} ( ${cur} )  due to ${why} (blocked)`);
    return;
  }
  if (next === cur) {
    if (failed) entry(`Recover    ${r.id} ( ${cur} )`);
    else if (r.restartFor !== undefined) entry(`Restart    ${r.id} ( ${cur} )${r.restartFor ? `  due to ${r.restartFor}` : ''}`);
    else if (r.reload) entry(`Reload     ${r.id} ( ${cur} )`);
    return;
  }
  if (next) {
    // Recovered elsewhere; a move when its node is fenced for another reason than its own failure.
    if (failed) entry(`Recover    ${r.id} ( ${cur} -> ${next} )`);
    else if (canMigrate(ws, r, cur)) entry(`Migrate    ${r.id} ( ${cur} -> ${next} )`);
    else entry(`Move       ${r.id} ( ${cur} -> ${next} )${r.noMigrate?.trim() ? `  due to ${r.noMigrate}` : ''}`);
    return;
  }
  if (r.blockedBy === '' && r.stopBlocked) {
    entry(`Stop       ${r.id} ( ${cur} )  blocked`);
    return;
  }
  const why = r.blockedBy === '' ? '' : r.blockedBy ? `  due to ${r.blockedBy}` : '  due to node availability';
  // (One promoted there — an orphan of a promotable clone — shows its role.)
  const role = r.active.get(cur) === 'Promoted' ? 'Promoted ' : '';
  entry(`Stop       ${r.id} ( ${role}${cur} )${why}${r.stopBlocked ? ' (blocked)' : ''}`);
}

/**
 * Pacemaker's resource order for placement (and for the summary): higher priority first; then
 * the higher score on the node where it runs now; then the first higher score across the nodes
 * (taken in name order). Scores: location constraints, as placement starts from them.
 */
function sortForPlacement(ws: WorkingSet, placement: Placement, list: Rsc[]): Rsc[] {
  const priority = (r: Rsc) => parseScore(r.meta.priority, 0);
  // Nodes in Pacemaker's order: with "balanced", more free capacity first; then by name.
  const capacity = (n: NodeInfo) => Object.values(n.capacity).reduce((a, b) => a + b, 0);
  const balanced = ws.options.placementStrategy.toLowerCase() === 'balanced';
  // (Nodes that cannot run anything come last.)
  const canRun = (n: NodeInfo) => Number(n.online && !n.unclean && !n.standby && !n.maintenance && !n.shutdown);
  const names = [...ws.nodes].sort((a, b) => canRun(b) - canRun(a) || (balanced ? capacity(b) - capacity(a) : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((n) => n.name);
  const current = (r: Rsc) => [...(primitives(r)[0]?.active.keys() ?? [])][0];
  const available = (node: string) => canRun(ws.node.get(node)!) === 1;
  // A resource's own scores as placement starts from them: its location constraints (a group
  // member's include its group's), health, its stickiness where it runs alone, and bans where
  // its failures reached migration-threshold (an anonymous clone's instances ban the clone).
  const own = new Map<Rsc, Map<string, number>>();
  const allowed = (r: Rsc): Map<string, number> => {
    let s = own.get(r);
    if (s) return s;
    s = placement.locationScores(r);
    if (r.parent?.kind === 'group') for (const [n, v] of placement.locationScores(r.parent)) s.set(n, addScores(s.get(n) ?? 0, v));
    placement.applyHealth(r, s);
    if (r.kind === 'primitive') {
      const stick = parseScore(r.meta['resource-stickiness'], 0);
      const at = [...r.active.keys()];
      if (stick >= 1 && at.length === 1 && s.has(at[0]!) && isManaged(ws, r)) s.set(at[0]!, addScores(s.get(at[0]!)!, stick));
    }
    const failures = r.kind === 'clone' ? (r.clone?.unique ? [] : primitives(r)) : r.kind === 'primitive' ? [r] : [];
    for (const p of failures) for (const n of p.failCount.keys()) if (thresholdReached(p, n) && s.has(n)) s.set(n, -INFINITY);
    own.set(r, s);
    return s;
  };
  // What it is colocated with ("this with" colocations; a group member with the one before it).
  const colocations = ws.constraints.filter((c) => c.kind === 'rsc_colocation');
  const primariesOf = (r: Rsc): { primary: Rsc; score: number; attribute?: string }[] => {
    const out: { primary: Rsc; score: number; attribute?: string }[] = [];
    if (r.parent?.kind === 'group') {
      const i = r.parent.children.indexOf(r);
      if (i > 0) out.push({ primary: r.parent.children[i - 1]!, score: INFINITY });
    }
    for (const c of colocations) {
      if (c.attrs.rsc !== r.id) continue;
      const primary = ws.byId.get(c.attrs['with-rsc'] ?? '');
      if (primary && primary !== r) out.push({ primary, score: parseScore(c.attrs.score, 0), ...(c.attrs['node-attribute'] ? { attribute: c.attrs['node-attribute'] } : {}) });
    }
    return out;
  };
  const attr = (node: string, name?: string) => (name === undefined || name === '#uname' ? node : ws.node.get(node)?.attrs[name]);
  // Add another resource's best score among the nodes sharing the attribute, times a factor.
  const addMatching = (work: Map<string, number>, other: Rsc, attribute: string | undefined, factor: number) => {
    const theirs = allowed(other);
    for (const [n, v] of work) {
      const value = attr(n, attribute)?.toLowerCase();
      let score = -INFINITY;
      for (const [m, w] of theirs) if (w > score && available(m) && attr(m, attribute)?.toLowerCase() === value) score = w;
      if (factor < 0 && score < 0) continue;
      let add = Math.round(factor * score);
      if (add === 0 && score !== 0) add = factor > 0 ? 1 : factor < 0 ? -1 : 0;
      work.set(n, addScores(add, v));
    }
  };
  // Pacemaker's colocated node scores: a resource's scores merged with those of what it is
  // colocated with, recursively; a merge that would leave nowhere to run is rolled back.
  const merging = new Set<Rsc>();
  const merged = (r: Rsc, nodes: Map<string, number> | null, attribute: string | undefined, factor: number, optional: boolean): Map<string, number> | null => {
    if (merging.has(r)) return nodes;
    merging.add(r);
    let work: Map<string, number> | null;
    if (r.kind === 'group' && r.children.length) {
      // (From the top its last member, which brings in the others; as a primary its first.)
      work = merged(nodes === null ? r.children[r.children.length - 1]! : r.children[0]!, nodes && new Map(nodes), attribute, factor, optional);
    } else if (nodes === null) work = new Map(allowed(r));
    else {
      work = new Map(nodes);
      addMatching(work, r, attribute, factor);
    }
    if (work === null) {
      merging.delete(r);
      return nodes;
    }
    if ([...work].some(([n, v]) => v >= 0 && available(n))) {
      for (const c of primariesOf(r)) work = merged(c.primary, work, c.attribute, (factor < 0 ? -1 : 1) * (c.score / INFINITY), true)!;
    } else if (optional) {
      merging.delete(r);
      return nodes;
    }
    merging.delete(r);
    return work;
  };
  const scores = new Map(list.map((r) => [r, merged(r, null, undefined, 1, false) ?? new Map<string, number>()]));
  const weight = (r: Rsc, node: string | undefined) => (node === undefined ? -INFINITY : scores.get(r)!.get(node) ?? -INFINITY);
  return list
    .map((r, i) => ({ r, i }))
    .sort((a, b) => {
      const p = priority(b.r) - priority(a.r);
      if (p) return p;
      const c = weight(b.r, current(b.r)) - weight(a.r, current(a.r));
      if (c) return c;
      for (const n of names) {
        const d = weight(b.r, n) - weight(a.r, n);
        if (d) return d;
      }
      return a.i - b.i;
    })
    .map((x) => x.r);
}

/**
 * A resource's scores from its location constraints alone, per node (what Pacemaker's
 * "quick location" gives the fencer to decide where a fencing device may be used: a node with
 * a negative score may not use it). Undefined for an unknown resource.
 */
export function locationScoresOf(ws: WorkingSet, rscId: string): Map<string, number> | undefined {
  const r = ws.byId.get(rscId);
  return r ? new Placement(ws).locationScores(r) : undefined;
}

export function schedule(ws: WorkingSet): Schedule {
  const unsupported: string[] = [];
  const summary: SummaryEntry[] = [];
  const placement = new Placement(ws);
  placement.ticketFencing();
  // Without quorum (unless no-quorum-policy=ignore) nothing is fenced, and what ran on an unclean node counts as stopped.
  const quorate = ws.options.haveQuorum || ws.options.noQuorumPolicy === 'ignore';
  // Without quorum nothing is fenced: what runs on an unclean node stays there as far as
  // anyone knows; its stop cannot happen (see applyNoQuorum).
  // no-quorum-policy=suicide: a partition that lost quorum (no-quorum-panic) fences all its nodes.
  if (!quorate && ws.options.noQuorumPolicy.toLowerCase() === 'suicide' && ws.options.stonithEnabled && isTrue(ws.cib.root.attrs['no-quorum-panic'])) {
    for (const n of ws.nodes) if (n.online && !n.unclean && !n.remote) {
      n.unclean = true;
      n.uncleanReason = 'cluster does not have quorum';
    }
  }
  // (A node still in our membership can be fenced even without quorum.)
  const canFence = (n: NodeInfo) => n.remote?.container !== undefined || (ws.options.stonithEnabled && ws.options.haveFencingDevice && (quorate || n.online));
  const strandedOn = (p: Rsc) => [...p.active.keys()].find((n) => ws.node.get(n)?.unclean && !canFence(ws.node.get(n)!));
  // What ran on a guest that is down (its host fenced, or its container failed) failed with it;
  // a guest fenced for a failure of its own restarts with its container (what runs on it
  // restarts after it). Either way, a guest with resources active on it is fenced by
  // recovering its container: the container counts as failed where it runs (an empty one
  // fenced along with its host just moves).
  const containerOf = (n: NodeInfo) => {
    const container = ws.byId.get(n.remote!.container!);
    return container ? primitives(container) : [];
  };
  const guestDown = (n: NodeInfo) => containerOf(n).some((c) => c.failed.size > 0 || c.active.size === 0 || [...c.active.keys()].some((h) => ws.node.get(h)?.unclean));
  const guestsDown = ws.nodes.filter((n) => n.unclean && n.remote?.container && guestDown(n));
  for (const n of ws.nodes) {
    const container = n.unclean && n.remote?.container ? ws.byId.get(n.remote.container) : undefined;
    if (!container || !isTrue(container.meta['is-managed'] ?? 'true')) continue;
    if (!activeOnNode(ws, n.name)) continue;
    for (const p of primitives(container)) for (const host of p.active.keys()) p.failed.add(host);
  }
  for (const n of guestsDown) for (const p of ws.byId.values()) if (p.kind === 'primitive' && p.active.has(n.name)) p.failed.add(n.name);
  const priority = (r: Rsc) => parseScore(r.meta.priority, 0);
  // Pacemaker sorts its resource list by priority for placement, and prints the summary in that order.
  // (Only placement strategies other than "default" sort by scores; default keeps priority, then CIB order.)
  const order = ws.options.placementStrategy.toLowerCase() === 'default' ? [...ws.resources].sort((a, b) => priority(b) - priority(a)) : sortForPlacement(ws, placement, [...ws.resources]);
  // Remote connections first: where they run decides which remote nodes are up for the rest.
  const isConnection = (r: Rsc) => r.kind === 'primitive' && ws.node.get(r.id)?.remote !== undefined;
  for (const r of order.filter(isConnection)) {
    placement.place(r);
    const n = ws.node.get(r.id)!;
    if (r.next) {
      n.online = true;
      // Reconnecting settles what looked active there: no fencing after all.
      if (n.fenceRevocable) {
        n.unclean = false;
        n.fenceRevocable = false;
      }
    } else {
      n.shutdown = true;
      // Its connection cannot come back: what still runs there can only be stopped by fencing it.
      if (n.fenceRevocable && r.active.size) n.uncleanReason = 'resources are active but connection is unrecoverable';
      else if (activeOnNode(ws, n.name) && ws.options.stonithEnabled && !n.unclean && !n.remote?.container && [...r.active.keys()].some((h) => ws.node.get(h)?.unclean)) {
        n.unclean = true;
        n.uncleanReason = 'resources are active but connection is unrecoverable';
      }
    }
  }
  const fenceAction = (ws.cib.property('stonith-action') ?? 'reboot').toLowerCase().replace(/^poweroff$/, 'off');
  // Pacemaker lists fencing last node first.
  // (A guest node is "fenced" by recovering its container, whatever stonith-enabled says.)
  // (A guest's "fencing" is the stop of its container: labelled "off" unless the container
  // starts again somewhere — settled once everything is placed, see below.)
  // (A guest's fencing is a pseudo-event Pacemaker always explains the same way.)
  const fenceText = (action: string, n: NodeInfo) =>
    n.remote?.container ? `Fence (${action}) ${n.name} (resource: ${n.remote.container}) 'guest is unclean'` : `Fence (${action}) ${n.name} '${n.uncleanReason ?? 'node is unclean'}'`;
  const guestFencing: { entry: SummaryEntry; node: NodeInfo; container: Rsc }[] = [];
  const fenced: string[] = [];
  for (const n of [...ws.nodes].reverse()) {
    if (!n.unclean || !canFence(n)) continue;
    fenced.push(n.name);
    const entry = { text: fenceText(fenceAction, n) };
    summary.push(entry);
    const container = n.remote?.container ? ws.byId.get(n.remote.container) : undefined;
    if (container) guestFencing.push({ entry, node: n, container });
  }
  // Unfencing: with a fencing device that provides it, each node is unfenced ("Fence (on)")
  // before it runs anything, unless it was already (#node-unfenced); the first thing needing it
  // there is the probe of such a device.
  for (const { node, device } of [...nodesToUnfence(ws)].reverse()) summary.push({ text: `Fence (on) ${node.name} 'required by ${device.id} monitor'` });
  for (const r of order) placement.place(r);
  // stop-all-resources: every managed resource is assigned nowhere.
  if (isTrue(ws.cib.property('stop-all-resources') ?? 'false')) {
    for (const p of ws.byId.values()) {
      const managed = isManaged(ws, p);
      if (p.kind === 'primitive' && managed && !p.blocked) p.next = null;
    }
  }
  // A resource active nowhere starts only after its probes: one on a node still joining cannot
  // run yet, so the start waits ("blocked"). (A clone's instances are ordered through the clone.)
  for (const p of ws.byId.values()) {
    if (p.kind !== 'primitive' || p.active.size || !p.next) continue;
    let top: Rsc | undefined = p;
    while (top && top.kind !== 'clone') top = top.parent;
    if (top) continue;
    if (!ws.nodes.some((n) => probeWanted(ws, p, n, true))) continue;
    p.wouldRun = p.next;
    p.blockedBy = '';
    p.next = null;
  }
  checkDefinitions(ws);
  unfenceChangedDevices(ws, summary);
  applyOrders(ws);
  if (!quorate) {
    applyNoQuorum(ws);
    const policy = ws.options.noQuorumPolicy.toLowerCase();
    for (const p of ws.byId.values()) {
      const stranded = p.kind === 'primitive' ? strandedOn(p) : undefined;
      if (!stranded) continue;
      // A failed stop there that fencing cannot settle leaves it blocked.
      if (p.failed.has(stranded)) {
        p.blocked = true;
        continue;
      }
      const assigned = p.next !== null;
      p.next = null;
      p.stopBlocked = true;
      // (A fencing device is not held by quorum: it just has nowhere to be.) Under freeze the
      // stop only says why when the resource was left without a node.
      if (p.agent?.startsWith('stonith:') && !(policy === 'freeze' && assigned)) delete p.blockedBy;
      else p.blockedBy = policy === 'freeze' ? (assigned ? '' : 'node availability') : 'no quorum';
    }
  }
  // (A clone's extra instances in instance order, a cloned group's members in group order.)
  const orphanKey = (o: Rsc, owner?: Rsc) => [Number(o.id.split(':').pop()) || 0, owner?.clone?.memberIds.indexOf(o.id.replace(/:\d+$/, '')) ?? 0] as const;
  const orphansOf = (owner?: Rsc) => ws.orphans.filter((o) => o.owner === owner).map((o) => o.rsc).sort((a, b) => {
    if (!owner) return 0;
    const [na, ma] = orphanKey(a, owner);
    const [nb, mb] = orphanKey(b, owner);
    return na - nb || ma - mb;
  });
  // A bundle lists replica by replica: IP, container, guest connection, instance.
  const bundleOf = new Map<Rsc, NonNullable<WorkingSet['bundles']>[number]>();
  for (const b of ws.bundles ?? []) {
    for (const m of b.members) bundleOf.set(m, b);
    if (b.clone) bundleOf.set(b.clone, b);
  }
  const listed = new Set<Rsc>();
  const bundleLines = (b: NonNullable<WorkingSet['bundles']>[number]): Rsc[] => {
    const out: Rsc[] = [];
    for (const m of b.members) {
      out.push(m);
      const i = m.id.match(/-(\d+)$/)?.[1];
      if (i === undefined || m.meta['bundle-id'] === undefined || !m.id.startsWith(`${b.id}-`) || m.agent === 'ocf:heartbeat:IPaddr2') continue;
      const conn = ws.byId.get(`${b.id}-${i}`);
      if (conn) out.push(conn);
      const inst = b.clone?.children[Number(i)];
      if (inst) out.push(...primitives(inst));
    }
    return out;
  };
  for (const r of order) {
    const b = bundleOf.get(r);
    const items = b ? bundleLines(b) : [...primitives(r), ...orphansOf(r)];
    for (const p of items) {
      if (listed.has(p)) continue;
      listed.add(p);
      summaryFor(ws, p, summary);
    }
  }
  for (const p of orphansOf(undefined)) summaryFor(ws, p, summary);
  for (const { entry, node, container } of guestFencing) {
    const startsAgain = primitives(container).some((p) => p.next && !p.blocked);
    entry.text = fenceText(startsAgain ? 'reboot' : 'off', node);
  }
  return { summary, fenced, unsupported };
}

