import { defineProtocol } from '../src/protocol.js';
import { s } from '../src/schema.js';

/** A small protocol the IPC tests and benchmarks serve. */
export const EchoProtocol = defineProtocol({
  name: 'echo',
  version: 1,
  requests: {
    echo: { params: s.object({ text: s.string() }), result: s.object({ text: s.string() }) },
    blob: { params: s.object({ size: s.integer({ min: 0 }) }), result: s.object({ data: s.string() }) },
    sleep: { params: s.object({ ms: s.integer({ min: 0 }) }), result: s.object({}) },
    hang: { params: s.object({}), result: s.object({}) },
    fail: { params: s.object({ id: s.string() }), result: s.object({}) },
    broken: { params: s.object({}), result: s.object({ n: s.integer() }) },
  },
  events: {
    tick: s.object({ n: s.integer(), pad: s.optional(s.string()) }),
  },
});
