/** crm_resource's constraints: named as Pacemaker names them, honoured by the scheduler (lifetimes included), cleared by id. */
import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { serializeXml } from '@heartbeat-ts/cluster-glue';
import { simulate } from '@heartbeat-ts/pengine';
import { parseIsoDuration } from '../src/iso8601-time.js';
import { banConstraint, constraintsToClear, preferConstraint } from '../src/placement.js';

const cib = (constraints: string, now = '2026-11-27T10:00:00Z') => `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1" execution-date="${Math.floor(Date.parse(now) / 1000)}">
  <configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/><node id="n3" uname="n3"/></nodes>
  <resources><primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/></resources>
  <constraints>${constraints}</constraints></configuration>
  <status>${['n1', 'n2', 'n3'].map((n) => `<node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member"/>`).join('')}</status></cib>`;
const placed = (xml: string) => simulate(xml).schedule.summary.map((e) => e.text.replace(/\s+/g, ' '));

describe('crm_resource --move/--ban/--clear constraints', () => {
  it('reads ISO 8601 durations', () => {
    expect(parseIsoDuration('PT1H')).toEqual({ years: 0, months: 0, days: 0, seconds: 3600 });
    expect(parseIsoDuration('P1DT30M')).toEqual({ years: 0, months: 0, days: 1, seconds: 1800 });
    expect(parseIsoDuration('1h')).toBeUndefined();
    expect(parseIsoDuration('P')).toBeUndefined();
  });

  it('a lifetime ends the calendar\'s way', () => {
    expect(serializeXml(preferConstraint('d1', 'n3', parseIsoDuration('P1M'), new Date('2026-01-31T10:00:00Z')))).toContain('end="2026-02-28T10:00:00Z"');
  });

  it('a move is honoured, until its lifetime ends', () => {
    const now = new Date('2026-11-27T10:00:00Z');
    expect(placed(cib(serializeXml(preferConstraint('d1', 'n3', undefined, now))))).toEqual(['Start d1 ( n3 )']);
    const timed = serializeXml(preferConstraint('d1', 'n3', parseIsoDuration('PT1H'), now));
    expect(timed).toContain('end="2026-11-27T11:00:00Z"');
    expect(placed(cib(timed, '2026-11-27T10:30:00Z'))).toEqual(['Start d1 ( n3 )']);
    expect(placed(cib(timed, '2026-11-27T11:30:00Z'))).toEqual(['Start d1 ( n1 )']);
  });

  it('a ban keeps it off the node; clear removes the move and the bans by their ids', () => {
    const now = new Date();
    const both = serializeXml(banConstraint('d1', 'n1', undefined, now)) + serializeXml(banConstraint('d1', 'n2', undefined, now)) + serializeXml(preferConstraint('d1', 'n2', parseIsoDuration('PT1H'), now));
    expect(placed(cib(serializeXml(banConstraint('d1', 'n1', undefined, now))))).toEqual(['Start d1 ( n2 )']);
    const c = Cib.parse(cib(both));
    expect(constraintsToClear(c, 'd1')).toEqual(['cli-ban-d1-on-n1', 'cli-ban-d1-on-n2', 'cli-prefer-d1']);
    expect(constraintsToClear(c, 'd1', 'n2')).toEqual(['cli-ban-d1-on-n2', 'cli-prefer-d1']);
    expect(constraintsToClear(c, 'd1', 'n1')).toEqual(['cli-ban-d1-on-n1']);
  });
});
