/** crm_attribute's view of the CIB: where each scope's attributes live, and updates the scheduler reads back. */
import { describe, expect, it } from 'vitest';
import { Cib, CibStore, parseXml } from '@heartbeat-ts/cib';
import { serializeXml } from '@heartbeat-ts/cluster-glue';
import { buildWorkingSet } from '@heartbeat-ts/pengine';
import { attributeUpdate, findAttribute } from '../src/attributes.js';

const xml = `<cib admin_epoch="0" epoch="1" num_updates="0"><configuration>
  <crm_config><cluster_property_set id="opts"><nvpair id="opts-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"><instance_attributes id="n2-attrs"><nvpair id="n2-site" name="site" value="a"/></instance_attributes></node></nodes>
  <resources/><constraints/></configuration>
  <status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>`;

const apply = (store: CibStore, u: ReturnType<typeof attributeUpdate>) => store.modify(parseXml(serializeXml(u.xml)), u.section);

describe('crm_attribute scopes', () => {
  it('finds cluster options and node attributes where Pacemaker keeps them', () => {
    const cib = Cib.parse(xml);
    expect(findAttribute(cib, 'crm_config', 'stonith-enabled')).toEqual({ id: 'opts-stonith', value: 'false' });
    expect(findAttribute(cib, 'nodes', 'site', 'n2')).toEqual({ id: 'n2-site', value: 'a' });
    expect(findAttribute(cib, 'nodes', 'site', 'n1')).toBeUndefined();
  });

  it('updates in place, creates where Pacemaker would, and the scheduler sees them (standby)', () => {
    const store = new CibStore(parseXml(xml));
    apply(store, attributeUpdate(new Cib(store.current), 'crm_config', 'stonith-enabled', 'true'));
    apply(store, attributeUpdate(new Cib(store.current), 'crm_config', 'no-quorum-policy', 'ignore'));
    apply(store, attributeUpdate(new Cib(store.current), 'nodes', 'standby', 'on', 'n1'));
    apply(store, attributeUpdate(new Cib(store.current), 'nodes', 'site', 'b', 'n2'));
    apply(store, attributeUpdate(new Cib(store.current), 'status', 'pingd', '100', 'n1'));
    const cib = new Cib(store.current);
    expect(findAttribute(cib, 'crm_config', 'stonith-enabled')).toEqual({ id: 'opts-stonith', value: 'true' });
    // (A new option goes into cib-bootstrap-options, as Pacemaker's crm_attribute puts it.)
    expect(findAttribute(cib, 'crm_config', 'no-quorum-policy')).toEqual({ id: 'cib-bootstrap-options-no-quorum-policy', value: 'ignore' });
    expect(findAttribute(cib, 'nodes', 'standby', 'n1')).toEqual({ id: 'nodes-1-standby', value: 'on' });
    expect(findAttribute(cib, 'nodes', 'site', 'n2')).toEqual({ id: 'n2-site', value: 'b' });
    expect(findAttribute(cib, 'status', 'pingd', 'n1')).toEqual({ id: 'status-1-pingd', value: '100' });
    const ws = buildWorkingSet(cib);
    expect(ws.node.get('n1')!.standby).toBe(true);
    expect(ws.node.get('n1')!.attrs.pingd).toBe('100');
  });

  it('rsc_defaults and op_defaults: meta attributes in the sets Pacemaker names, read back by the scheduler', () => {
    const store = new CibStore(parseXml(xml.replace('<resources/>', '<resources><primitive id="r" class="ocf" provider="heartbeat" type="Dummy"/></resources>')));
    apply(store, attributeUpdate(new Cib(store.current), 'rsc_defaults', 'resource-stickiness', '100'));
    apply(store, attributeUpdate(new Cib(store.current), 'op_defaults', 'timeout', '30s'));
    apply(store, attributeUpdate(new Cib(store.current), 'rsc_defaults', 'resource-stickiness', '50'));
    const cib = new Cib(store.current);
    expect(findAttribute(cib, 'rsc_defaults', 'resource-stickiness')).toEqual({ id: 'build-resource-defaults-resource-stickiness', value: '50' });
    expect(findAttribute(cib, 'op_defaults', 'timeout')).toEqual({ id: 'op-options-timeout', value: '30s' });
    expect(serializeXml(cib.section('rsc_defaults')!)).toContain('<meta_attributes id="build-resource-defaults">');
    expect(buildWorkingSet(cib).byId.get('r')!.meta['resource-stickiness']).toBe('50');
  });
});
