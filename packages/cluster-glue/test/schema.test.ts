import { describe, expect, it } from 'vitest';
import { type Infer, parse, s, SchemaError } from '../src/schema.js';

const Op = s.object({
  rsc: s.string({ minLength: 1 }),
  op: s.enum(['start', 'stop', 'monitor'] as const),
  interval: s.integer({ min: 0 }),
  params: s.optional(s.record(s.string())),
  node: s.nullable(s.string()),
});
type Op = Infer<typeof Op>;

describe('schema', () => {
  it('accepts a valid message and types it', () => {
    const v: Op = parse(Op, { rsc: 'vip', op: 'start', interval: 0, node: null });
    expect(v.rsc).toBe('vip');
  });

  it('names the path of a bad field', () => {
    expect(() => parse(Op, { rsc: 'vip', op: 'start', interval: 0, node: null, params: { ip: 5 } }, 'req')).toThrow(
      'req.params.ip: expected string, got number 5',
    );
    expect(() => parse(Op, { rsc: 'vip', op: 'boot', interval: 0, node: 'n1' })).toThrow(/op: expected one of "start", "stop", "monitor", got "boot"/);
    expect(() => parse(Op, { rsc: 'vip', op: 'start', interval: -1, node: 'n1' })).toThrow(/interval: expected integer >= 0/);
  });

  it('rejects missing required and unknown fields', () => {
    expect(() => parse(Op, { op: 'start', interval: 0, node: null })).toThrow(/rsc: expected string.*got nothing/);
    expect(() => parse(Op, { rsc: 'a', op: 'start', interval: 0, node: null, intervall: 5 })).toThrow(/intervall: expected no such field/);
  });

  it('unions try each member and list them all', () => {
    const U = s.union(s.object({ k: s.literal('a'), x: s.integer() }), s.object({ k: s.literal('b'), y: s.string() }));
    expect(parse(U, { k: 'b', y: 'z' })).toEqual({ k: 'b', y: 'z' });
    try {
      parse(U, { k: 'c' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SchemaError);
      expect((e as SchemaError).code).toBe('EPROTO_SCHEMA');
    }
  });

  it('checks array items and limits', () => {
    const A = s.array(s.integer(), { maxItems: 2 });
    expect(() => parse(A, [1, 'x'])).toThrow('[1]: expected integer, got "x"');
    expect(() => parse(A, [1, 2, 3])).toThrow(/at most 2 items/);
  });
});
