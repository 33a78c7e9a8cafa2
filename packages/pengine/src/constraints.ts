/**
 * Constraints as the scheduler uses them: every resource set, tag and template reference is
 * expanded into simple constraints between two resources, the way Pacemaker unpacks them.
 *
 * - Location and ticket sets: one constraint per member, with the set's role (and, for
 *   locations, the set's score when it has one).
 * - Colocation sets: inside a sequential set each member is placed with the one before it
 *   (`ordering="listed"`: the other way round); a negative score keeps every member away from
 *   every member before it; `sequential="false"` adds nothing inside the set. Between two
 *   sets, the earlier set depends on the later one: the first member of a sequential earlier
 *   set with the last member of a sequential later one, or every member of a non-sequential set.
 * - Ordering sets: a sequential set (the default) orders its members one after the other;
 *   `kind="Serialize"` orders each before all later ones. Between two sets, the last member of
 *   an earlier set marked `sequential="true"` before the first member of a later one so marked,
 *   otherwise every member; `require-all="false"` lets the later set start once any member of
 *   the earlier one has (`anyOf`). Symmetrical orderings carry their symmetry to the pairs.
 * Pure.
 */
import type { Cib, Constraint, ResourceSet } from '@heartbeat-ts/cib/client';
import { isElement, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { parseScore } from './scores.js';
import { isTrue } from './working-set.js';

/** A constraint between single resources (attributes as in the CIB's simple form). */
export interface SimpleConstraint extends Constraint {
  /** Orders from a `require-all="false"` set: `then` may happen once any of these did. */
  anyOf?: string[];
  /** That set's pseudo-action, as Pacemaker names it ("one-or-more:SET"). */
  anyOfName?: string;
  /** Implied by a resource's `container` meta-attribute (not written in the CIB). */
  fromContainer?: boolean;
}

const isFalse = (v: string | undefined) => /^(false|no|off|0|n)$/i.test((v ?? '').trim());

const invert: Record<string, string> = { start: 'stop', stop: 'start', promote: 'demote', demote: 'promote', promoted: 'demoted', demoted: 'promoted', running: 'stopped', stopped: 'running' };

function descendants(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) if (isElement(c)) {
      out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

/** Tags (`<tags><tag id><obj_ref id/>`) and templates (`<template id>` used by primitives) by id. */
function referenceGroups(cib: Cib): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  const config = cib.section('tags');
  if (config) for (const t of descendants(config)) if (t.name === 'tag' && t.attrs.id) groups.set(t.attrs.id, descendants(t).filter((o) => o.name === 'obj_ref').map((o) => o.attrs.id ?? ''));
  const resources = cib.section('resources');
  if (resources) {
    const all = descendants(resources);
    for (const t of all) if (t.name === 'template' && t.attrs.id) groups.set(t.attrs.id, all.filter((p) => p.name === 'primitive' && p.attrs.template === t.attrs.id).map((p) => p.attrs.id ?? ''));
  }
  return groups;
}

export function simpleConstraints(cib: Cib): SimpleConstraint[] {
  const groups = referenceGroups(cib);
  const setsById = new Map<string, ResourceSet>();
  const all = cib.constraints;
  for (const c of all) for (const s of c.sets) if (s.id) setsById.set(s.id, s);
  const resolveSet = (s: ResourceSet): ResourceSet => (s.idRef ? setsById.get(s.idRef) ?? s : s);
  const members = (s: ResourceSet) => s.resources.flatMap((id) => groups.get(id) ?? [id]);
  const out: SimpleConstraint[] = [];
  const make = (c: Constraint, id: string, attrs: Record<string, string>, extra: Partial<SimpleConstraint> = {}): void => {
    out.push({ kind: c.kind, id, attrs: { id, ...attrs }, sets: [], rules: c.rules, el: c.el, ...extra });
  };
  for (const c0 of all) {
    const c = withTagsAsSets(c0, groups);
    if (!c.sets.length) {
      out.push(c);
      continue;
    }
    const sets = c.sets.map(resolveSet);
    const common = Object.fromEntries(Object.entries(c.attrs).filter(([k]) => k !== 'id'));
    if (c.kind === 'rsc_location') {
      for (const s of sets) for (const r of members(s)) {
        const a: Record<string, string> = { ...common, rsc: r };
        if (s.attrs.role !== undefined) a.role = s.attrs.role;
        if (s.attrs.score !== undefined) a.score = s.attrs.score;
        make(c, c.id, a);
      }
    } else if (c.kind === 'rsc_ticket') {
      for (const s of sets) for (const r of members(s)) {
        const a: Record<string, string> = { ...common, rsc: r };
        if (s.attrs.role !== undefined) a['rsc-role'] = s.attrs.role;
        make(c, s.id ?? c.id, a);
      }
    } else if (c.kind === 'rsc_colocation') {
      colocationSets(c, sets, members, make);
    } else {
      orderSets(c, sets, members, make);
    }
  }
  return out;
}

/** A simple constraint naming a tag or template where a resource belongs becomes a set of its members. */
function withTagsAsSets(c: Constraint, groups: Map<string, string[]>): Constraint {
  if (c.sets.length) return c;
  const fields: Record<Constraint['kind'], [string, string | undefined][]> = {
    rsc_location: [['rsc', 'role']],
    rsc_ticket: [['rsc', 'rsc-role']],
    rsc_colocation: [['rsc', 'rsc-role'], ['with-rsc', 'with-rsc-role']],
    rsc_order: [['first', undefined], ['then', undefined]],
  };
  const f = fields[c.kind];
  if (!f.some(([k]) => groups.has(c.attrs[k] ?? ''))) return c;
  // Pacemaker ignores a colocation between two tags or templates.
  if (c.kind === 'rsc_colocation' && f.every(([k]) => groups.has(c.attrs[k] ?? ''))) return { ...c, sets: [], attrs: { ...c.attrs, score: '0' } };
  const sets: ResourceSet[] = f.map(([k, roleKey], i) => {
    const id = c.attrs[k] ?? '';
    const attrs: Record<string, string> = { id: `${c.id}-${i}` };
    if (roleKey && c.attrs[roleKey] !== undefined) attrs.role = c.attrs[roleKey]!;
    if (c.kind === 'rsc_order') {
      attrs.action = (k === 'first' ? c.attrs['first-action'] : c.attrs['then-action'] ?? c.attrs['first-action']) ?? 'start';
    }
    if (groups.has(id)) attrs.sequential = 'false';
    return { id: attrs.id!, attrs, resources: groups.get(id) ?? [id], el: c.el };
  });
  return { ...c, sets };
}

type Make = (c: Constraint, id: string, attrs: Record<string, string>, extra?: Partial<SimpleConstraint>) => void;

function colocationSets(c: Constraint, sets: ResourceSet[], members: (s: ResourceSet) => string[], make: Make): void {
  const score = parseScore(c.attrs.score, 0);
  const base: Record<string, string> = c.attrs.influence !== undefined ? { influence: c.attrs.influence } : {};
  const pair = (id: string, dep: string, prim: string, s: number, depRole: string | undefined, primRole: string | undefined) => {
    const a: Record<string, string> = { ...base, rsc: dep, 'with-rsc': prim, score: String(s) };
    if (depRole !== undefined) a['rsc-role'] = depRole;
    if (primRole !== undefined) a['with-rsc-role'] = primRole;
    make(c, id, a);
  };
  sets.forEach((s, i) => {
    const local = s.attrs.score !== undefined ? parseScore(s.attrs.score, 0) : score;
    const ms = members(s);
    const role = s.attrs.role;
    if (local !== 0 && !isFalse(s.attrs.sequential)) {
      if (local > 0) {
        const listed = (s.attrs.ordering ?? 'group').toLowerCase() !== 'group';
        for (let k = 1; k < ms.length; k++) {
          if (listed) pair(s.id ?? c.id, ms[k - 1]!, ms[k]!, local, role, role);
          else pair(s.id ?? c.id, ms[k]!, ms[k - 1]!, local, role, role);
        }
      } else {
        for (let k = 0; k < ms.length; k++) for (let j = 0; j < k; j++) pair(s.id ?? c.id, ms[k]!, ms[j]!, local, role, role);
      }
    }
    if (i === 0 || score === 0) return;
    const s1 = sets[i - 1]!;
    const m1 = members(s1);
    const deps = isFalse(s1.attrs.sequential) ? m1 : m1.slice(0, 1);
    const prims = isFalse(s.attrs.sequential) ? ms : ms.slice(-1);
    for (const d of deps) for (const p of prims) pair(c.id, d, p, score, s1.attrs.role, s.attrs.role);
  });
}

function orderSets(c: Constraint, sets: ResourceSet[], members: (s: ResourceSet) => string[], make: Make): void {
  const kindOf = (a: Record<string, string>, parent: string): string => {
    if (a.kind !== undefined) return a.kind.toLowerCase();
    if (a.score !== undefined) return parseScore(a.score, 0) === 0 ? 'optional' : 'mandatory';
    return parent;
  };
  const kind = kindOf(c.attrs, 'mandatory');
  const symmetricalOf = (a: Record<string, string>, k: string, parent?: string): boolean => {
    const v = a.symmetrical ?? parent;
    if (v !== undefined) return isTrue(v) && k !== 'serialize';
    return k !== 'serialize';
  };
  const symmetrical = symmetricalOf(c.attrs, kind);
  const order = (first: string, firstAction: string, then: string, thenAction: string, k: string, sym: boolean, extra: Partial<SimpleConstraint> = {}) => {
    make(c, c.id, { first, 'first-action': firstAction, then, 'then-action': thenAction, kind: k, symmetrical: String(sym) }, extra);
  };
  sets.forEach((s, i) => {
    const action = s.attrs.action ?? 'start';
    const localKind = kindOf(s.attrs, kind);
    const sym = symmetricalOf(s.attrs, localKind, c.attrs.symmetrical);
    const ms = members(s);
    if (ms.length > 1) {
      if (localKind === 'serialize') {
        for (let k = 0; k < ms.length; k++) for (let j = k + 1; j < ms.length; j++) order(ms[k]!, action, ms[j]!, action, 'serialize', false);
      } else if (!isFalse(s.attrs.sequential)) {
        for (let k = 1; k < ms.length; k++) order(ms[k - 1]!, action, ms[k]!, action, localKind, sym);
      }
    }
    if (i === 0) return;
    const s1 = sets[i - 1]!;
    const a1 = s1.attrs.action ?? 'start';
    const m1 = members(s1);
    const requireAll = !isFalse(s1.attrs['require-all']) || a1 === 'stop' || a1 === 'demote';
    if (!requireAll) {
      for (const t of ms) order(m1[0]!, a1, t, action, kind, false, { anyOf: m1, anyOfName: `one-or-more:${s1.id ?? c.id}` });
      if (symmetrical) for (const f of m1) for (const t of ms) order(t, invert[action] ?? action, f, invert[a1] ?? a1, kind, false);
      return;
    }
    const firsts = isTrue(s1.attrs.sequential) ? m1.slice(-1) : m1;
    const thens = isTrue(s.attrs.sequential) ? ms.slice(0, 1) : ms;
    for (const f of firsts) for (const t of thens) order(f, a1, t, action, kind, symmetrical);
  });
}
