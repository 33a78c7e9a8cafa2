/**
 * crm_resource's parameters: a resource's instance attributes (default), meta attributes
 * (--meta) or utilization (--utilization), read, set and deleted where Pacemaker keeps them —
 * the resource's first set of that kind, or a new one named RSC-instance_attributes,
 * RSC-meta_attributes, RSC-utilization, with nvpairs SET-NAME. Setting a meta attribute on a
 * group or clone also sets it on the members that have their own (they would override it), as
 * Pacemaker does. Pure: the CIB in, the updates (XML for the CIB daemon) out.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { elements, isElement, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue/client';

export type ParamKind = 'instance_attributes' | 'meta_attributes' | 'utilization';

/** The resource's element and its ancestors under <resources> (outermost first). */
export function resourcePath(cib: Cib, id: string): XmlElement[] | undefined {
  const walk = (e: XmlElement, path: XmlElement[]): XmlElement[] | undefined => {
    for (const c of e.children) {
      if (!isElement(c) || !['primitive', 'group', 'clone', 'master', 'bundle'].includes(c.name)) continue;
      if (c.attrs.id === id) return [...path, c];
      const found = walk(c, [...path, c]);
      if (found) return found;
    }
    return undefined;
  };
  const resources = cib.section('resources');
  return resources ? walk(resources, []) : undefined;
}

export interface FoundParam {
  setId: string;
  id: string;
  value: string | undefined;
}

/** The nvpair of NAME in the resource's sets of that kind (the first that has it). */
export function findParam(el: XmlElement, kind: ParamKind, name: string): FoundParam | undefined {
  for (const set of elements(el, kind)) {
    const nv = elements(set, 'nvpair').find((n) => n.attrs.name === name);
    if (nv) return { setId: set.attrs.id ?? '', id: nv.attrs.id ?? '', value: nv.attrs.value };
  }
  return undefined;
}

export interface ParamUpdate {
  /** The resource whose set changes. */
  rsc: string;
  setId: string;
  id: string;
  /** Whether the nvpair is new (Pacemaker's message then names its set). */
  newPair: boolean;
  /** The XML for a CIB modify of the resources section. */
  xml: XmlElement;
}

/** The updates that set NAME=VALUE on the resource (and on members that set it themselves, for meta attributes). */
export function setParam(cib: Cib, rscId: string, kind: ParamKind, name: string, value: string): ParamUpdate[] {
  const path = resourcePath(cib, rscId);
  if (!path) return [];
  const out: ParamUpdate[] = [];
  if (kind === 'meta_attributes') {
    const self = path[path.length - 1]!;
    const members = (e: XmlElement): XmlElement[] => e.children.filter(isElement).filter((c) => ['primitive', 'group', 'clone', 'master'].includes(c.name)).flatMap((c) => [c, ...members(c)]);
    for (const m of members(self)) {
      const found = findParam(m, kind, name);
      if (found) out.push(update([...path, ...memberPath(self, m)], kind, name, value, found));
    }
  }
  out.push(update(path, kind, name, value, findParam(path[path.length - 1]!, kind, name)));
  return out;
}

/** The elements from under `top` down to `m`. */
function memberPath(top: XmlElement, m: XmlElement): XmlElement[] {
  for (const c of top.children) {
    if (!isElement(c)) continue;
    if (c === m) return [c];
    const sub = memberPath(c, m);
    if (sub.length) return [c, ...sub];
  }
  return [];
}

function update(path: XmlElement[], kind: ParamKind, name: string, value: string, found: FoundParam | undefined): ParamUpdate {
  const el = path[path.length - 1]!;
  const setId = found?.setId ?? `${el.attrs.id}-${kind}`;
  const id = found?.id ?? `${setId}-${name}`;
  let inner: XmlElement = xmlElement(el.name, { id: el.attrs.id! }, [xmlElement(kind, { id: setId }, [xmlElement('nvpair', { id, name, value })])]);
  for (let i = path.length - 2; i >= 0; i--) inner = xmlElement(path[i]!.name, { id: path[i]!.attrs.id! }, [inner]);
  return { rsc: el.attrs.id!, setId, id, newPair: !found, xml: xmlElement('resources', {}, [inner]) };
}
