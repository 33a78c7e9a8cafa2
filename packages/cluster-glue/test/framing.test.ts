import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../src/framing.js';

describe('framing', () => {
  it('decodes frames split at every byte boundary', () => {
    const msgs = [{ a: 1 }, { b: 'x'.repeat(300) }, { c: [1, 2, 3], u: 'ünïcødé' }];
    const bytes = Buffer.concat(msgs.map((m) => encodeFrame(m)));
    for (const step of [1, 3, 7, 64, bytes.length]) {
      const d = new FrameDecoder();
      const out: unknown[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...d.push(bytes.subarray(i, i + step)));
      expect(out).toEqual(msgs);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('refuses an oversized frame from its header, before the body arrives', () => {
    const d = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1025);
    expect(() => d.push(head)).toThrow(/frame of 1025 bytes exceeds the maximum of 1024 bytes/);
  });

  it('refuses a body that is not JSON', () => {
    const d = new FrameDecoder();
    const body = Buffer.from('{nope');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    expect(() => d.push(Buffer.concat([head, body]))).toThrow(/not valid JSON/);
  });

  it('refuses to encode a message over the limit', () => {
    expect(() => encodeFrame({ x: 'y'.repeat(2000) }, 1000)).toThrow(/exceeds the maximum of 1000 bytes/);
  });
});
