/** --output-as for every command: Pacemaker's XML result and our versioned JSON envelope. */
import { describe, expect, it } from 'vitest';
import { exitMessage, jsonResult, pacemakerResultXml, parseOutputFormat, textList, xmlList } from '../src/client.js';

describe('command output', () => {
  it("wraps data in Pacemaker's <pacemaker-result>, its status in Pacemaker's words", () => {
    expect(pacemakerResultXml('stonith_admin -I --output-as xml', [xmlList('installed fence devices', ['fence_a', 'x&y'], 'device')], { code: 0 })).toBe(
      '<pacemaker-result api-version="2.25" request="stonith_admin -I --output-as xml">\n  <list name="installed fence devices" count="2">\n    <item name="device">fence_a</item>\n    <item name="device">x&amp;y</item>\n  </list>\n  <status code="0" message="OK"/>\n</pacemaker-result>\n',
    );
    expect(pacemakerResultXml('r', [], { code: 102, errors: ['not running'] })).toContain('<status code="102" message="Not connected">\n    <errors>\n      <error>not running</error>');
    expect(exitMessage(105)).toBe('No such object');
    expect(exitMessage(77)).toBe('Insufficient privileges');
  });

  it('gives JSON the same data in a versioned envelope', () => {
    const o = JSON.parse(jsonResult('stonith_admin', 1, 'stonith_admin -I', { agents: ['fence_a'] }, { code: 1, errors: ['boom'] }));
    expect(o).toEqual({ 'heartbeat-ts': { command: 'stonith_admin', version: 1 }, request: 'stonith_admin -I', status: { code: 1, message: 'Error occurred', errors: ['boom'] }, agents: ['fence_a'] });
  });

  it("prints text lists as Pacemaker's plain lists, and checks --output-as", () => {
    expect(textList(['a', 'b'], 'fence device', 'fence devices')).toBe('a\nb\n2 fence devices found\n');
    expect(textList(['a'], 'fence device', 'fence devices')).toBe('a\n1 fence device found\n');
    expect(parseOutputFormat('json')).toBe('json');
    expect(parseOutputFormat('yaml')).toBe('--output-as: "yaml" is not one of text, xml, json');
  });
});
