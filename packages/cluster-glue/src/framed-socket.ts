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

  private corked = false;

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /**
   * Writes one message; returns false when the socket's buffer is full (wait for 'drain').
   * Messages sent in the same tick leave in one write (the socket is corked until the next tick).
   */
  send(msg: unknown): boolean {
    if (this.isClosed) return false;
    return this.sendEncoded(encodeFrameParts(msg, this.maxMessageBytes));
  }

  /** Writes a frame already encoded (one event going to many peers is encoded once). */
  sendEncoded([head, body]: [Buffer, Buffer]): boolean {
    if (this.isClosed) return false;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(head);
    return this.socket.write(body);
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
