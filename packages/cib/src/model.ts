/**
 * A typed view of a Pacemaker CIB (schema pacemaker-3.x) over its XML tree. The tree stays
 * the source of truth — what the model does not know is kept and written back — and the view
 * gives the daemons, the policy engine and the tools names instead of element walks.
 */
import { child, elements, parseXml, type XmlElement } from './xml.js';

export class CibError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly id?: string,
  ) {
    super(message);
    this.name = 'CibError';
  }
}

export interface NvPair {
  id?: string;
  name: string;
  value?: string;
}

/** instance_attributes, meta_attributes, utilization, cluster_property_set... */
export interface AttributeSet {
  kind: string;
  id?: string;
  idRef?: string;
  score?: string;
  nvpairs: NvPair[];
  rules: XmlElement[];
  el: XmlElement;
}

export interface Op {
  id?: string;
  name: string;
  interval: string;
  timeout?: string;
  role?: string;
  el: XmlElement;
}

interface ResourceBase {
  id: string;
  meta: AttributeSet[];
  el: XmlElement;
}
export interface Primitive extends ResourceBase {
  kind: 'primitive';
  class?: string;
  provider?: string;
  type?: string;
  template?: string;
  instance: AttributeSet[];
  utilization: AttributeSet[];
  ops: Op[];
}
export interface Group extends ResourceBase {
  kind: 'group';
  children: Primitive[];
}
export interface Clone extends ResourceBase {
  kind: 'clone' | 'master';
  child: Primitive | Group | undefined;
}
export interface Bundle extends ResourceBase {
  kind: 'bundle';
  primitive: Primitive | undefined;
}
export type Resource = Primitive | Group | Clone | Bundle;

export interface ResourceSet {
  id?: string;
  idRef?: string;
  attrs: Record<string, string>;
  resources: string[];
  el: XmlElement;
}

export interface Constraint {
  kind: 'rsc_location' | 'rsc_colocation' | 'rsc_order' | 'rsc_ticket';
  id: string;
  attrs: Record<string, string>;
  sets: ResourceSet[];
  rules: XmlElement[];
  el: XmlElement;
}

export interface NodeDef {
  id: string;
  uname: string;
  type?: string;
  attributes: AttributeSet[];
  utilization: AttributeSet[];
  el: XmlElement;
}

export interface LrmOp {
  attrs: Record<string, string>;
}
export interface LrmResource {
  id: string;
  attrs: Record<string, string>;
  ops: LrmOp[];
}
export interface NodeState {
  id: string;
  uname?: string;
  attrs: Record<string, string>;
  transient: AttributeSet[];
  lrm: LrmResource[];
  el: XmlElement;
}

export interface Versions {
  adminEpoch: number;
  epoch: number;
  numUpdates: number;
}

const SET_KINDS = new Set(['instance_attributes', 'meta_attributes', 'utilization', 'cluster_property_set', 'attributes']);

export function attributeSets(el: XmlElement, kind?: string): AttributeSet[] {
  return elements(el)
    .filter((c) => (kind ? c.name === kind : SET_KINDS.has(c.name)))
    .map((c) => ({
      kind: c.name,
      ...(c.attrs.id !== undefined ? { id: c.attrs.id } : {}),
      ...(c.attrs['id-ref'] !== undefined ? { idRef: c.attrs['id-ref'] } : {}),
      ...(c.attrs.score !== undefined ? { score: c.attrs.score } : {}),
      nvpairs: elements(c, 'nvpair').map((n) => ({ ...(n.attrs.id !== undefined ? { id: n.attrs.id } : {}), name: n.attrs.name ?? '', ...(n.attrs.value !== undefined ? { value: n.attrs.value } : {}) })),
      rules: elements(c, 'rule'),
      el: c,
    }));
}

function primitive(el: XmlElement): Primitive {
  const ops = child(el, 'operations');
  return {
    kind: 'primitive',
    id: el.attrs.id ?? '',
    ...(el.attrs.class !== undefined ? { class: el.attrs.class } : {}),
    ...(el.attrs.provider !== undefined ? { provider: el.attrs.provider } : {}),
    ...(el.attrs.type !== undefined ? { type: el.attrs.type } : {}),
    ...(el.attrs.template !== undefined ? { template: el.attrs.template } : {}),
    meta: attributeSets(el, 'meta_attributes'),
    instance: attributeSets(el, 'instance_attributes'),
    utilization: attributeSets(el, 'utilization'),
    ops: ops
      ? elements(ops, 'op').map((o) => ({
          ...(o.attrs.id !== undefined ? { id: o.attrs.id } : {}),
          name: o.attrs.name ?? '',
          interval: o.attrs.interval ?? '0',
          ...(o.attrs.timeout !== undefined ? { timeout: o.attrs.timeout } : {}),
          ...(o.attrs.role !== undefined ? { role: o.attrs.role } : {}),
          el: o,
        }))
      : [],
    el,
  };
}

export function resourceOf(el: XmlElement): Resource | undefined {
  const base = { id: el.attrs.id ?? '', meta: attributeSets(el, 'meta_attributes'), el };
  switch (el.name) {
    case 'primitive':
      return primitive(el);
    case 'group':
      return { ...base, kind: 'group', children: elements(el, 'primitive').map(primitive) };
    case 'clone':
    case 'master': {
      const c = elements(el).find((x) => x.name === 'primitive' || x.name === 'group');
      return { ...base, kind: el.name, child: c ? (resourceOf(c) as Primitive | Group) : undefined };
    }
    case 'bundle': {
      const p = child(el, 'primitive');
      return { ...base, kind: 'bundle', primitive: p ? primitive(p) : undefined };
    }
    default:
      return undefined;
  }
}

/** Every resource id, descending into groups, clones and bundles. */
export function allResourceIds(resources: Resource[]): string[] {
  const out: string[] = [];
  for (const r of resources) resourceIdsOf(r.el, out);
  return out;
}

/**
 * allResourceIds straight from the resources section's elements, without building the typed
 * resources (every configuration update is verified, and only the ids are needed there).
 */
export function resourceIdsIn(section: XmlElement): string[] {
  const out: string[] = [];
  for (const el of elements(section)) resourceIdsOf(el, out);
  return out;
}

/** A resource element's id and those of what it holds: a group's primitives, a clone's child, a bundle's primitive. */
function resourceIdsOf(el: XmlElement | undefined, out: string[]): void {
  if (!el) return;
  switch (el.name) {
    case 'primitive':
      out.push(el.attrs.id ?? '');
      return;
    case 'group':
      out.push(el.attrs.id ?? '');
      for (const p of elements(el, 'primitive')) resourceIdsOf(p, out);
      return;
    case 'clone':
    case 'master':
      out.push(el.attrs.id ?? '');
      resourceIdsOf(elements(el).find((x) => x.name === 'primitive' || x.name === 'group'), out);
      return;
    case 'bundle':
      out.push(el.attrs.id ?? '');
      resourceIdsOf(child(el, 'primitive'), out);
      return;
  }
}

export class Cib {
  constructor(
    readonly root: XmlElement,
    readonly file?: string,
  ) {
    if (root.name !== 'cib') throw new CibError('EINVAL', `${file ?? 'CIB'}: the root element is <${root.name}>, not <cib>`);
  }

  static parse(text: string, file?: string): Cib {
    return new Cib(parseXml(text, file), file);
  }

  get versions(): Versions {
    const n = (k: string) => Number(this.root.attrs[k] ?? 0) || 0;
    return { adminEpoch: n('admin_epoch'), epoch: n('epoch'), numUpdates: n('num_updates') };
  }

  get validateWith(): string | undefined {
    return this.root.attrs['validate-with'];
  }

  get configuration(): XmlElement | undefined {
    return child(this.root, 'configuration');
  }

  section(name: string): XmlElement | undefined {
    if (name === 'status') return child(this.root, 'status');
    const conf = this.configuration;
    return conf ? child(conf, name) : undefined;
  }

  get crmConfig(): AttributeSet[] {
    const s = this.section('crm_config');
    return s ? attributeSets(s, 'cluster_property_set') : [];
  }

  /** A cluster property as set (first set wins, like Pacemaker without rules), or undefined. */
  property(name: string): string | undefined {
    // (Straight over the elements: asked often, and crm_config may be large.)
    const s = this.section('crm_config');
    for (const set of s ? elements(s, 'cluster_property_set') : []) {
      for (const nv of set.children) if ('name' in nv && nv.name === 'nvpair' && nv.attrs.name === name) return nv.attrs.value;
    }
    return undefined;
  }

  get nodes(): NodeDef[] {
    const s = this.section('nodes');
    return s
      ? elements(s, 'node').map((n) => ({
          id: n.attrs.id ?? '',
          uname: n.attrs.uname ?? '',
          ...(n.attrs.type !== undefined ? { type: n.attrs.type } : {}),
          attributes: attributeSets(n, 'instance_attributes'),
          utilization: attributeSets(n, 'utilization'),
          el: n,
        }))
      : [];
  }

  get resources(): Resource[] {
    const s = this.section('resources');
    return s ? elements(s).map(resourceOf).filter((r): r is Resource => r !== undefined) : [];
  }

  get constraints(): Constraint[] {
    const s = this.section('constraints');
    if (!s) return [];
    return elements(s)
      .filter((c): c is XmlElement & { name: Constraint['kind'] } => ['rsc_location', 'rsc_colocation', 'rsc_order', 'rsc_ticket'].includes(c.name))
      .map((c) => ({
        kind: c.name as Constraint['kind'],
        id: c.attrs.id ?? '',
        attrs: c.attrs,
        sets: elements(c, 'resource_set').map((rs) => ({
          ...(rs.attrs.id !== undefined ? { id: rs.attrs.id } : {}),
          ...(rs.attrs['id-ref'] !== undefined ? { idRef: rs.attrs['id-ref'] } : {}),
          attrs: rs.attrs,
          resources: elements(rs, 'resource_ref').map((r) => r.attrs.id ?? ''),
          el: rs,
        })),
        rules: elements(c, 'rule'),
        el: c,
      }));
  }

  get status(): NodeState[] {
    const s = this.section('status');
    if (!s) return [];
    return elements(s, 'node_state').map((ns) => {
      const lrm = child(ns, 'lrm');
      const lrmRscs = lrm ? child(lrm, 'lrm_resources') : undefined;
      const transient = child(ns, 'transient_attributes');
      return {
        id: ns.attrs.id ?? '',
        ...(ns.attrs.uname !== undefined ? { uname: ns.attrs.uname } : {}),
        attrs: ns.attrs,
        transient: transient ? attributeSets(transient, 'instance_attributes') : [],
        lrm: lrmRscs
          ? elements(lrmRscs, 'lrm_resource').map((r) => ({ id: r.attrs.id ?? '', attrs: r.attrs, ops: elements(r, 'lrm_rsc_op').map((o) => ({ attrs: o.attrs })) }))
          : [],
        el: ns,
      };
    });
  }
}
