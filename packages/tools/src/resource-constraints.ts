/**
 * crm_resource --constraints (-a) and --stack (-A): the location constraints on a resource, the
 * resources it is colocated with and those colocated with it — each of those with its own
 * location constraints, and, with --stack, their colocations in turn — in Pacemaker 2.1's text
 * ("Locations:", "Resources RSC is colocated with:", "Resources colocated with RSC:") and XML
 * (`<constraints>` with the constraint elements). Pure.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { elements, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue/client';

export interface LocationItem {
  id: string;
  rsc: string;
  node: string;
  score: string;
}

export interface ColocationItem {
  id: string;
  /** The other resource. */
  rsc: string;
  score: string;
  locations: LocationItem[];
  /** With --stack: that resource's own colocations, the same way. */
  colocations?: ColocationItem[];
}

export interface ResourceConstraints {
  resource: string;
  /** Resources this one is colocated with (it follows them). */
  colocatedWith: ColocationItem[];
  locations: LocationItem[];
  /** Resources colocated with this one (they follow it). */
  colocatedWithIt: ColocationItem[];
}

function constraintsOfKind(cib: Cib, name: string): XmlElement[] {
  return elements(cib.section('constraints') ?? xmlElement('constraints', {}), name);
}

/**
 * The nodes a location constraint names, with their scores: its node= attribute, or each of its
 * rules that is a plain `#uname eq NODE` (what crm_resource --move/--ban with a lifetime writes).
 */
export function locationTargets(attrs: Record<string, string>, rules: XmlElement[]): { node: string; score: string }[] {
  if (attrs.node !== undefined) return [{ node: attrs.node, score: attrs.score ?? '0' }];
  return rules.flatMap((rule) => elements(rule, 'expression').filter((e) => e.attrs.attribute === '#uname' && e.attrs.operation === 'eq' && e.attrs.value).map((e) => ({ node: e.attrs.value!, score: rule.attrs.score ?? '0' })));
}

/** A resource's location constraints that name nodes, newest (last in the CIB) first, as Pacemaker lists them. */
function locationsOf(cib: Cib, rsc: string): LocationItem[] {
  return constraintsOfKind(cib, 'rsc_location')
    .filter((c) => c.attrs.rsc === rsc)
    .flatMap((c) => locationTargets(c.attrs, elements(c, 'rule')).map((t) => ({ id: c.attrs.id ?? '', rsc, ...t })))
    .reverse();
}

/** What --constraints (recursive: --stack) shows for a resource. */
export function constraintsOf(cib: Cib, rsc: string, recursive: boolean): ResourceConstraints {
  const colocations = constraintsOfKind(cib, 'rsc_colocation');
  const walk = (id: string, dir: 'with' | 'it', seen: Set<string>): ColocationItem[] =>
    colocations
      .filter((c) => (dir === 'with' ? c.attrs.rsc === id : c.attrs['with-rsc'] === id))
      .map((c) => {
        const other = (dir === 'with' ? c.attrs['with-rsc'] : c.attrs.rsc) ?? '';
        const item: ColocationItem = { id: c.attrs.id ?? '', rsc: other, score: c.attrs.score ?? '0', locations: locationsOf(cib, other) };
        if (recursive && !seen.has(other)) item.colocations = walk(other, dir, new Set([...seen, other]));
        return item;
      });
  return { resource: rsc, colocatedWith: walk(rsc, 'with', new Set([rsc])), locations: locationsOf(cib, rsc), colocatedWithIt: walk(rsc, 'it', new Set([rsc])) };
}

function locationLines(locs: LocationItem[], indent: string): string[] {
  if (!locs.length) return [];
  return [`${indent}* Locations:`, ...locs.map((l) => `${indent}  * Node ${l.node} (score=${l.score}, id=${l.id}, rsc=${l.rsc})`)];
}

function colocationLines(items: ColocationItem[], indent: string, dir: 'with' | 'it', rsc: string): string[] {
  if (!items.length) return [];
  const title = dir === 'with' ? `Resources ${rsc} is colocated with:` : `Resources colocated with ${rsc}:`;
  const out = [indent ? `${indent}* ${title}` : title];
  for (const c of items) {
    out.push(`${indent}  * ${c.rsc} (score=${c.score}, id=${c.id})`);
    out.push(...locationLines(c.locations, `${indent}    `));
    if (c.colocations) out.push(...colocationLines(c.colocations, `${indent}    `, dir, c.rsc));
  }
  return out;
}

/** Pacemaker's text. */
export function constraintsText(c: ResourceConstraints): string {
  const lines = [
    ...colocationLines(c.colocatedWith, '', 'with', c.resource),
    ...(c.locations.length ? ['Locations:', ...c.locations.map((l) => `  * Node ${l.node} (score=${l.score}, id=${l.id}, rsc=${l.rsc})`)] : []),
    ...colocationLines(c.colocatedWithIt, '', 'it', c.resource),
  ];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Pacemaker's XML: the constraints themselves. */
export function constraintsXml(c: ResourceConstraints): XmlElement {
  const out: XmlElement[] = [];
  const seen = new Set<string>();
  const loc = (l: LocationItem) => {
    if (seen.has(`l:${l.id}:${l.node}`)) return;
    seen.add(`l:${l.id}:${l.node}`);
    out.push(xmlElement('rsc_location', { node: l.node, rsc: l.rsc, id: l.id, score: l.score }));
  };
  const colo = (items: ColocationItem[], dir: 'with' | 'it', self: string) => {
    for (const i of items) {
      if (!seen.has(`c:${i.id}`)) {
        seen.add(`c:${i.id}`);
        out.push(xmlElement('rsc_colocation', { id: i.id, rsc: dir === 'with' ? self : i.rsc, 'with-rsc': dir === 'with' ? i.rsc : self, score: i.score }));
      }
      i.locations.forEach(loc);
      if (i.colocations) colo(i.colocations, dir, i.rsc);
    }
  };
  c.locations.forEach(loc);
  colo(c.colocatedWith, 'with', c.resource);
  colo(c.colocatedWithIt, 'it', c.resource);
  return xmlElement('constraints', {}, out);
}

