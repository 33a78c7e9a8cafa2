/** The attribute table: increments as attrd takes them, merging tables, nodes leaving. */
import { describe, expect, it } from 'vitest';
import { AttributeTable, expandValue } from '../src/table.js';
import { decodeAttrd, encodeAttrd } from '../src/protocol.js';

describe('attribute values', () => {
  it('value++ and value+=N add to the current value; INFINITY saturates', () => {
    expect(expandValue('value++', undefined)).toBe('1');
    expect(expandValue('value++', '4')).toBe('5');
    expect(expandValue('value+=10', '4')).toBe('14');
    expect(expandValue('value+=INFINITY', '4')).toBe('INFINITY');
    expect(expandValue('value++', 'INFINITY')).toBe('INFINITY');
    expect(expandValue('value++', 'abc')).toBe('1');
    expect(expandValue('7', '4')).toBe('7');
    expect(expandValue('value + 1', '4')).toBe('value + 1');
  });

  it('the table merges another (its values win), and a node that leaves takes its transient values', () => {
    const t = new AttributeTable();
    t.set('pingd', 'n1', '100');
    t.set('site', 'n1', 'a', { lifetime: 'forever' });
    t.set('pingd', 'n2', '50');
    expect(t.merge([{ name: 'pingd', lifetime: 'reboot', dampenMs: 5000, values: { n2: '0', n3: '100' } }])).toEqual(['pingd']);
    expect(Object.fromEntries(t.get('pingd')!.values)).toEqual({ n1: '100', n2: '0', n3: '100' });
    expect(t.get('pingd')!.dampenMs).toBe(5000);
    expect(t.dropNode('n1')).toEqual(['pingd']);
    expect(t.get('site')!.values.get('n1')).toBe('a');
    expect(t.set('pingd', 'n2', '0')).toBe(false);
  });

  it('cluster messages are checked on arrival', () => {
    const m = encodeAttrd('attrd_update', { name: 'x', node: 'n1', value: null, lifetime: 'reboot', dampenMs: 0 });
    expect(decodeAttrd('attrd_update', m.fields).value).toBeNull();
    expect(() => decodeAttrd('attrd_update', { v: '1', data: JSON.stringify({ name: 'x' }) })).toThrow();
  });
});
