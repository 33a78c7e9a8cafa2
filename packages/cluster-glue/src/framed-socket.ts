/**
 * A Unix stream socket carrying frames (see framing.ts), used by both ends of IPC.
 * Decoding errors end the connection after telling the peer why.
 */
import type { Socket } from 'node:net';
import { encodeFrame, encodeFrameParts, FrameDecoder } from './framing.js';
import { HaError } from './errors.js';

export class FramedSocket {
  private readonly decoder: FrameDecoder;
  private closed = false;

  constructor(
    readonly socket: Socket,
    readonly maxMessageBytes: number,
    onMessage: (msg: unknown) => void,
    onDecodeError: (err: HaError) => void,
  ) {
    this.decoder = new FrameDecoder(maxMessageBytes);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      let msgs: unknown[];
      try {
        msgs = this.decoder.push(chunk);
      } catch (e) {
        const err = e instanceof HaError ? e : new HaError('EPROTO', String(e));
        onDecodeError(err);
        this.fatal(err.code, err.message);
        return;
      }
      for (const m of msgs) {
        if (this.closed) return;
        onMessage(m);
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Writes one message; returns false when the socket's buffer is full (wait for 'drain'). */
  send(msg: unknown): boolean {
    if (this.isClosed) return false;
    const [head, body] = encodeFrameParts(msg, this.maxMessageBytes);
    if (body.length < 16 * 1024) return this.socket.write(Buffer.concat([head, body], head.length + body.length));
    this.socket.cork();
    this.socket.write(head);
    const ok = this.socket.write(body);
    this.socket.uncork();
    return ok;
  }

  /** Tells the peer why, then closes. Nothing is read after this. */
  fatal(code: string, message: string): void {
    if (this.isClosed) return;
    this.closed = true;
    try {
      this.socket.end(encodeFrame({ k: 'error', code, message }));
    } catch {
      this.socket.destroy();
      return;
    }
    // A peer that never reads must not keep the socket open.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
