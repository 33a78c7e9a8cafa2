/**
 * Where crm_attribute's attributes live in the CIB, as Pacemaker keeps them: cluster options in
 * a `cluster_property_set` of `crm_config` (`cib-bootstrap-options` for new ones); permanent node
 * attributes in the node's `instance_attributes` (`nodes-ID`); transient ones in its
 * `node_state`'s `transient_attributes` (`status-ID`); resource and operation defaults in the
 * `meta_attributes` of `rsc_defaults` (`build-resource-defaults`) and `op_defaults`
 * (`op-options`). Pure: finds a value, builds the XML of an
 * update.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { elements, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue/client';

export type Scope = 'crm_config' | 'nodes' | 'status' | 'rsc_defaults' | 'op_defaults';
export const SCOPES: readonly Scope[] = ['crm_config', 'nodes', 'status', 'rsc_defaults', 'op_defaults'];

/** The sets of the cluster-wide scopes: their element, and the id of the set new values go to. */
const CLUSTER_SETS = {
  crm_config: { set: 'cluster_property_set', id: 'cib-bootstrap-options' },
  rsc_defaults: { set: 'meta_attributes', id: 'build-resource-defaults' },
  op_defaults: { set: 'meta_attributes', id: 'op-options' },
} as const;

/** Whether the scope is a node's (nodes, status) rather than the cluster's. */
export function isNodeScope(scope: Scope): scope is 'nodes' | 'status' {
  return scope === 'nodes' || scope === 'status';
}

const kids = (e: XmlElement | undefined, name?: string) => (e ? elements(e, name) : []);

export interface Found {
  id: string;
  value: string | undefined;
}

/** The node's id in the configuration (its name when it is not listed). */
export function nodeIdOf(cib: Cib, uname: string): string {
  return cib.nodes.find((n) => n.uname === uname)?.id ?? uname;
}

/** The nvpair holding an attribute, if any. */
export function findAttribute(cib: Cib, scope: Scope, name: string, node?: string): Found | undefined {
  let sets: XmlElement[] = [];
  if (!isNodeScope(scope)) sets = kids(cib.section(scope), CLUSTER_SETS[scope].set);
  else if (scope === 'nodes') {
    const n = kids(cib.section('nodes'), 'node').find((x) => x.attrs.uname === node);
    sets = kids(n, 'instance_attributes');
  } else {
    const st = kids(cib.section('status'), 'node_state').find((x) => x.attrs.uname === node);
    sets = kids(kids(st, 'transient_attributes')[0], 'instance_attributes');
  }
  for (const set of sets) {
    const nv = kids(set, 'nvpair').find((x) => x.attrs.name === name);
    if (nv) return { id: nv.attrs.id ?? '', value: nv.attrs.value };
  }
  return undefined;
}

/** The XML (and the section it goes to; none: the whole CIB) that sets an attribute with a CIB modify. */
export function attributeUpdate(cib: Cib, scope: Scope, name: string, value: string, node?: string): { section?: Scope; xml: XmlElement } {
  const existing = findAttribute(cib, scope, name, node);
  if (!isNodeScope(scope)) {
    // (Into the set that has it, else the bootstrap options / the defaults' usual set.)
    const { set: setName, id: defaultId } = CLUSTER_SETS[scope];
    const set = kids(cib.section(scope), setName).find((s) => kids(s, 'nvpair').some((x) => x.attrs.id === existing?.id));
    const setId = set?.attrs.id ?? defaultId;
    const xml = xmlElement(scope, {}, [xmlElement(setName, { id: setId }, [xmlElement('nvpair', { id: existing?.id ?? `${setId}-${name}`, name, value })])]);
    // (A CIB without the section gets it: the update is one of the whole CIB.)
    return cib.section(scope) ? { section: scope, xml } : { xml: xmlElement('cib', {}, [xmlElement('configuration', {}, [xml])]) };
  }
  const id = nodeIdOf(cib, node!);
  if (scope === 'nodes') {
    const n = kids(cib.section('nodes'), 'node').find((x) => x.attrs.uname === node);
    const set = kids(n, 'instance_attributes').find((s) => kids(s, 'nvpair').some((x) => x.attrs.id === existing?.id)) ?? kids(n, 'instance_attributes')[0];
    const setId = set?.attrs.id ?? `nodes-${id}`;
    return { section: 'nodes', xml: xmlElement('nodes', {}, [xmlElement('node', { id, uname: node! }, [xmlElement('instance_attributes', { id: setId }, [xmlElement('nvpair', { id: existing?.id ?? `nodes-${id}-${name}`, name, value })])])]) };
  }
  return { section: 'status', xml: xmlElement('status', {}, [xmlElement('node_state', { id, uname: node! }, [xmlElement('transient_attributes', { id }, [xmlElement('instance_attributes', { id: `status-${id}` }, [xmlElement('nvpair', { id: existing?.id ?? `status-${id}-${name}`, name, value })])])])]) };
}
