/**
 * Frames on a byte stream: a 4-byte unsigned big-endian length, then that many bytes of
 * UTF-8 JSON. The length comes first so an oversized frame is refused before its body is
 * buffered.
 */
import { ProtocolError } from './errors.js';

export const FRAME_HEADER_BYTES = 4;
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Header and body of a frame, separately, so a socket can write both without copying the body. */
export function encodeFrameParts(message: unknown, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): [Buffer, Buffer] {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > maxBytes) {
    throw new ProtocolError('EMSGSIZE', `message of ${body.length} bytes exceeds the maximum of ${maxBytes} bytes`, { size: body.length, max: maxBytes });
  }
  const head = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  head.writeUInt32BE(body.length, 0);
  return [head, body];
}

export function encodeFrame(message: unknown, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Buffer {
  return Buffer.concat(encodeFrameParts(message, maxBytes));
}

/**
 * Incremental decoder. `push` returns the complete frame bodies (parsed JSON) found so far;
 * it throws ProtocolError for an oversized frame or a body that is not JSON, after which the
 * stream is unusable (the caller closes the connection).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: unknown[] = [];
    while (this.buffered >= FRAME_HEADER_BYTES) {
      const head = this.peek(FRAME_HEADER_BYTES);
      const len = head.readUInt32BE(0);
      if (len > this.maxBytes) {
        throw new ProtocolError('EMSGSIZE', `frame of ${len} bytes exceeds the maximum of ${this.maxBytes} bytes`, { size: len, max: this.maxBytes });
      }
      if (this.buffered < FRAME_HEADER_BYTES + len) break;
      const frame = this.take(FRAME_HEADER_BYTES + len).subarray(FRAME_HEADER_BYTES);
      let value: unknown;
      try {
        value = JSON.parse(frame.toString('utf8'));
      } catch (e) {
        throw new ProtocolError('EPROTO', `frame of ${len} bytes is not valid JSON: ${(e as Error).message}`);
      }
      out.push(value);
    }
    return out;
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks).subarray(0, n);
  }

  private take(n: number): Buffer {
    let first = this.chunks[0]!;
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}
