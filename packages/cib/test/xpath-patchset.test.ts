import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyPatchset, diffChanges, patchset } from '../src/patchset.js';
import { CibStore } from '../src/store.js';
import { isElement, parseXml, serializeXml, type XmlElement } from '../src/xml.js';
import { selectXPath } from '../src/xpath.js';

const corpus = join(__dirname, '../../../../shared/pacemaker-scheduler/xml');
const load = (f: string) => parseXml(readFileSync(join(corpus, f), 'utf8'), f);
const ids = (els: { el: XmlElement }[]) => els.map((m) => m.el.attrs.id);

const cib = parseXml(`<cib admin_epoch="0" epoch="3" num_updates="1"><configuration>
  <crm_config><cluster_property_set id="cps"><nvpair id="se" name="stonith-enabled" value="false"/><nvpair id="nq" name="no-quorum-policy" value="stop"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
  <resources>
    <primitive id="a" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="a-m"><nvpair id="a-tr" name="target-role" value="Stopped"/></meta_attributes></primitive>
    <group id="g"><primitive id="b" class="ocf" provider="heartbeat" type="Dummy"/><primitive id="c" class="ocf" provider="heartbeat" type="IPaddr2"/></group>
  </resources>
  <constraints><rsc_location id="l1" rsc="a" node="n1" score="100"/><rsc_location id="l2" rsc="g" node="n2" score="50"/></constraints>
</configuration><status/></cib>`);

describe('XPath as cibadmin users write it', () => {
  it('selects by absolute path, descendants, attributes, boolean predicates and position, in document order', () => {
    expect(ids(selectXPath(cib, "//primitive[@id='b']"))).toEqual(['b']);
    expect(ids(selectXPath(cib, '//primitive'))).toEqual(['a', 'b', 'c']);
    expect(ids(selectXPath(cib, "/cib/configuration/resources/primitive"))).toEqual(['a']);
    expect(ids(selectXPath(cib, "/cib/configuration/crm_config//nvpair[@name='stonith-enabled']"))).toEqual(['se']);
    expect(ids(selectXPath(cib, "//primitive[@type='Dummy' and @class='ocf']"))).toEqual(['a', 'b']);
    expect(ids(selectXPath(cib, "//rsc_location[@rsc='a' or @rsc='g']"))).toEqual(['l1', 'l2']);
    expect(ids(selectXPath(cib, '//group/primitive[2]'))).toEqual(['c']);
    expect(ids(selectXPath(cib, '//group/*[last()]'))).toEqual(['c']);
    expect(ids(selectXPath(cib, '//primitive[not(@provider="heartbeat")]'))).toEqual([]);
    expect(ids(selectXPath(cib, '//nvpair[@value]'))).toEqual(['se', 'nq', 'a-tr']);
    expect(selectXPath(cib, "//primitive[@id='c']")[0]!.path).toBe("/cib/configuration/resources/group[@id='g']/primitive[@id='c']");
    expect(() => selectXPath(cib, '//primitive[contains(@id, "a")]')).toThrow(/unsupported XPath predicate/);
    expect(() => selectXPath(cib, 'primitive')).toThrow(/must start with/);
  });
});

describe('v2 patchsets', () => {
  it('a store change carries its patchset, versions first, and the patchset reproduces the change', () => {
    const store = new CibStore(parseXml(serializeXml(cib)));
    const before = store.query();
    const c = store.modify(parseXml('<nvpair id="a-tr" value="Started"/>'));
    expect(serializeXml(c.patchset, { indent: false }).replace(/\n/g, '')).toBe(
      '<diff format="2"><version><source admin_epoch="0" epoch="3" num_updates="1"/><target admin_epoch="0" epoch="4" num_updates="0"/></version>' +
        '<change operation="modify" path="/cib"><change-list><change-attr name="epoch" operation="set" value="4"/><change-attr name="num_updates" operation="set" value="0"/></change-list><change-result><cib admin_epoch="0" epoch="4" num_updates="0"/></change-result></change>' +
        `<change operation="modify" path="/cib/configuration/resources/primitive[@id='a']/meta_attributes[@id='a-m']/nvpair[@id='a-tr']"><change-list><change-attr name="value" operation="set" value="Started"/></change-list><change-result><nvpair id="a-tr" name="target-role" value="Started"/></change-result></change></diff>`,
    );
    applyPatchset(before, c.patchset);
    expect(serializeXml(before)).toBe(store.xml());
    // The wrong base version is refused.
    expect(() => applyPatchset(store.query(), c.patchset)).toThrow(/applies to 0.3.1, this CIB is 0.4.0/);
  });

  it('from any corpus CIB to the next, the patchset turns one into the other', () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith('.xml')).sort().slice(0, 120);
    const canon = (e: XmlElement): string => `<${e.name} ${JSON.stringify(Object.entries(e.attrs).sort())}>${e.children.filter(isElement).map(canon).sort().join('')}</${e.name}>`;
    for (let i = 0; i + 1 < files.length; i++) {
      const a = load(files[i]!);
      const b = load(files[i + 1]!);
      const p = patchset(a, b, diffChanges(a, b));
      applyPatchset(a, parseXml(serializeXml(p)));
      expect(canon(a), `${files[i]} -> ${files[i + 1]}`).toBe(canon(b));
    }
  });

  it('XPath updates through the store: delete the first or all, modify and replace exactly one, erase', () => {
    const store = new CibStore(parseXml(serializeXml(cib)));
    store.deleteXPath('//rsc_location', false);
    expect(store.queryXPath('//rsc_location').map((e) => e.attrs.id)).toEqual(['l2']);
    store.applyRequest({ op: 'delete', xpath: '//nvpair', all: true });
    expect(store.queryXPath('//nvpair')).toEqual([]);
    expect(() => store.applyRequest({ op: 'modify', xpath: '//primitive', xml: parseXml('<primitive description="x"/>') })).toThrow(/matches 3 elements; modify needs exactly one/);
    store.applyRequest({ op: 'modify', xpath: "//primitive[@id='b']", xml: parseXml('<primitive description="x"/>') });
    expect(store.queryXPath("//primitive[@id='b']")[0]!.attrs.description).toBe('x');
    const v = store.version;
    expect(() => store.applyRequest({ op: 'delete', xpath: '//primitive[@id="nope"]' })).toThrow(/nothing matches/);
    expect(store.version).toBe(v);
    const e = store.erase();
    expect(e.after).toBe('1.0.0');
    expect(store.queryXPath('//primitive')).toEqual([]);
  });
});
