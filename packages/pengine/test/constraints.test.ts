import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { simpleConstraints } from '../src/constraints.js';

const cib = (resources: string, constraints: string) =>
  Cib.parse(`<cib><configuration><crm_config/><nodes/><resources>${resources}</resources><constraints>${constraints}</constraints></configuration><status/></cib>`);
const prims = (...ids: string[]) => ids.map((id) => `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy"/>`).join('');
const pairs = (c: ReturnType<typeof simpleConstraints>, a: string, b: string) => c.map((x) => `${x.attrs[a]}>${x.attrs[b]}`);

describe('resource sets as simple constraints', () => {
  it('a sequential colocation set places each member with the one before it; sets depend on the next set', () => {
    const c = simpleConstraints(cib(prims('A', 'B', 'C', 'D'), `<rsc_colocation id="c" score="INFINITY">
      <resource_set id="s1"><resource_ref id="A"/><resource_ref id="B"/></resource_set>
      <resource_set id="s2"><resource_ref id="C"/><resource_ref id="D"/></resource_set></rsc_colocation>`));
    expect(pairs(c, 'rsc', 'with-rsc')).toEqual(['B>A', 'D>C', 'A>D']);
  });

  it('a non-sequential colocation set adds nothing inside, and every member depends on the next set', () => {
    const c = simpleConstraints(cib(prims('A', 'B', 'C'), `<rsc_colocation id="c" score="INFINITY">
      <resource_set id="s1" sequential="false" role="Started"><resource_ref id="A"/><resource_ref id="B"/></resource_set>
      <resource_set id="s2" role="Promoted"><resource_ref id="C"/></resource_set></rsc_colocation>`));
    expect(pairs(c, 'rsc', 'with-rsc')).toEqual(['A>C', 'B>C']);
    expect(c[0]!.attrs['with-rsc-role']).toBe('Promoted');
  });

  it('a negative colocation set keeps every member away from every one before it', () => {
    const c = simpleConstraints(cib(prims('A', 'B', 'C'), `<rsc_colocation id="c" score="-INFINITY">
      <resource_set id="s1"><resource_ref id="A"/><resource_ref id="B"/><resource_ref id="C"/></resource_set></rsc_colocation>`));
    expect(pairs(c, 'rsc', 'with-rsc')).toEqual(['B>A', 'C>A', 'C>B']);
  });

  it('ordering sets: in sequence inside, last-to-first between sets marked sequential, all pairs otherwise', () => {
    const c = simpleConstraints(cib(prims('A', 'B', 'C', 'D', 'E'), `<rsc_order id="o">
      <resource_set id="s1" sequential="true"><resource_ref id="A"/><resource_ref id="B"/></resource_set>
      <resource_set id="s2" sequential="false"><resource_ref id="C"/><resource_ref id="D"/></resource_set>
      <resource_set id="s3"><resource_ref id="E"/></resource_set></rsc_order>`));
    expect(pairs(c, 'first', 'then')).toEqual(['A>B', 'B>C', 'B>D', 'C>E', 'D>E']);
    expect(c.every((x) => x.attrs.symmetrical === 'true' && x.attrs.kind === 'mandatory')).toBe(true);
  });

  it('require-all="false" lets the next set start after any member', () => {
    const c = simpleConstraints(cib(prims('A', 'B', 'C'), `<rsc_order id="o">
      <resource_set id="any" sequential="false" require-all="false"><resource_ref id="A"/><resource_ref id="B"/></resource_set>
      <resource_set id="s2"><resource_ref id="C"/></resource_set></rsc_order>`));
    const forward = c.filter((x) => x.anyOf);
    expect(forward).toHaveLength(1);
    expect(forward[0]!.anyOf).toEqual(['A', 'B']);
    expect(forward[0]!.anyOfName).toBe('one-or-more:any');
  });

  it('location and ticket sets apply to each member with the set role; tags expand to their members', () => {
    const c = simpleConstraints(cib(prims('A', 'B'), `<rsc_location id="l" node="n1" score="100">
      <resource_set id="s" role="Started"><resource_ref id="A"/><resource_ref id="B"/></resource_set></rsc_location>`));
    expect(c.map((x) => [x.attrs.rsc, x.attrs.role, x.attrs.node])).toEqual([['A', 'Started', 'n1'], ['B', 'Started', 'n1']]);
    const tagged = Cib.parse(`<cib><configuration><crm_config/><nodes/><resources>${prims('A', 'B')}</resources><constraints><rsc_ticket id="t" ticket="T" rsc="both"/></constraints><tags><tag id="both"><obj_ref id="A"/><obj_ref id="B"/></tag></tags></configuration><status/></cib>`);
    expect(simpleConstraints(tagged).map((x) => [x.attrs.rsc, x.attrs.ticket])).toEqual([['A', 'T'], ['B', 'T']]);
  });
});
