/**
 * Whole packets: a message, its encoding and its authentication, as heartbeat 3.0.6 sends
 * and accepts them over UDP.
 *
 * Sending (`encodePacket`):
 * - `msgfmt classic` (heartbeat's default): an `auth` field "N HEX" is appended, signed over
 *   the classic text of the fields before it; the message then goes out in the netstring
 *   encoding (3.0.6 does so for every message with a binary field, i.e. all cluster messages)
 *   followed by the trailer "LEN:N HEX," signed over the bytes from "###\n" to "%%%\n".
 * - `msgfmt netstring`: no `auth` field, only the trailer.
 * - `classic-wire`: the ">>>" text with its `auth` field and a NUL, as heartbeat's client API
 *   and older nodes use.
 * Large messages are compressed whole (heartbeat's traditional compression): fields
 * `_compressed_payload` (zlib of the message's netstring encoding) and
 * `_compression_algorithm=zlib`.
 *
 * Receiving (`decodePacket`): either encoding; the trailer (or, without one, the `auth`
 * field) must verify with a key from authkeys; compressed messages are expanded.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { isSealed, openPacket, sealPacket } from './aead.js';
import { type AuthKey, computeAuth, verifyAuth } from './auth.js';
import { CLASSIC_START, decodeClassic, encodeClassicText } from './classic.js';
import { FieldType, HaMessage, WireFormatError } from './ha-message.js';
import { decodeNetstringBody, encodeNetstringBody, NETSTRING_START, peelNetstring } from './netstring.js';

/** Largest datagram heartbeat 3.0.6 sends or accepts. */
export const MAX_PACKET_BYTES = 64 * 1024;
export const COMPRESSED_FIELD = '_compressed_payload';
export const COMPRESSION_ALGORITHM_FIELD = '_compression_algorithm';

export type WireFormat = 'classic' | 'netstring' | 'classic-wire';

export class AuthError extends Error {
  readonly code = 'EAUTH';
  constructor(
    message: string,
    readonly from?: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export interface EncodeOptions {
  key: AuthKey;
  /** aes-256-gcm keys: the sender's packet counter (see aead.ts). */
  counter?: () => bigint;
  format?: WireFormat;
  /** Compress messages whose encoding exceeds this many bytes (0 = never). */
  compressAbove?: number;
}

/** Text the `auth` field signs: the classic lines of every field before it. */
export function authText(m: HaMessage): Buffer {
  return Buffer.from(encodeClassicText(m, false), 'utf8');
}

export function encodePacket(msg: HaMessage, opts: EncodeOptions): Buffer {
  const format = opts.format ?? 'classic';
  const m = new HaMessage();
  for (const f of msg.fields) if (f.name !== 'auth') m.add(f);
  if (opts.key.method === 'aes-256-gcm') {
    if (!opts.counter) throw new Error('aes-256-gcm needs a packet counter');
    const packet = sealPacket(encodeNetstringBody(m), opts.key.index, opts.key.key, opts.counter());
    if (packet.length > MAX_PACKET_BYTES) throw new WireFormatError(`message of ${packet.length} bytes exceeds the ${MAX_PACKET_BYTES}-byte packet limit`);
    return packet;
  }
  if (format !== 'netstring') m.set('auth', `${opts.key.index} ${computeAuth(opts.key, authText(m))}`);
  if (format === 'classic-wire') {
    return Buffer.from(`${encodeClassicText(m, true)}\0`, 'utf8');
  }
  let body = encodeNetstringBody(m);
  if (opts.compressAbove && body.length > opts.compressAbove) {
    const c = new HaMessage();
    c.add({ name: COMPRESSED_FIELD, type: FieldType.Binary, value: deflateSync(body) });
    c.set(COMPRESSION_ALGORITHM_FIELD, 'zlib');
    body = encodeNetstringBody(c);
  }
  const sig = `${opts.key.index} ${computeAuth(opts.key, body)}`;
  const packet = Buffer.concat([body, Buffer.from(`${Buffer.byteLength(sig)}:${sig},`)]);
  if (packet.length > MAX_PACKET_BYTES) throw new WireFormatError(`message of ${packet.length} bytes exceeds the ${MAX_PACKET_BYTES}-byte packet limit`);
  return packet;
}

export interface DecodedPacket {
  msg: HaMessage;
  format: WireFormat | 'aes-256-gcm';
  /** aes-256-gcm packets: the sender's counter, for replay checks. */
  counter?: bigint;
  authIndex: number;
  compressed: boolean;
}

function parseSig(sig: string, where: string): { index: number; hex: string } {
  const m = /^(\d+) ([0-9a-f]+)$/.exec(sig);
  if (!m) throw new AuthError(`malformed ${where} "${sig.slice(0, 60)}"`);
  return { index: Number(m[1]), hex: m[2]! };
}

function check(keys: ReadonlyMap<number, AuthKey>, sig: { index: number; hex: string }, data: Buffer, from: string | undefined): void {
  const key = keys.get(sig.index);
  if (!key) throw new AuthError(`unknown auth key index ${sig.index}`, from);
  if (key.method === 'aes-256-gcm') throw new AuthError(`key ${sig.index} is for encrypted packets; this one is not encrypted`, from);
  if (!verifyAuth(key, data, sig.hex)) throw new AuthError(`bad ${key.method} signature`, from);
}

/** Decodes and authenticates one datagram. Throws WireFormatError or AuthError; never anything else. */
export function decodePacket(buf: Buffer, keys: ReadonlyMap<number, AuthKey>): DecodedPacket {
  if (buf.length > MAX_PACKET_BYTES) throw new WireFormatError(`packet of ${buf.length} bytes exceeds ${MAX_PACKET_BYTES}`);
  try {
    if (isSealed(buf)) {
      const { body, counter, index } = openPacket(buf, (i) => {
        const k = keys.get(i);
        return k?.method === 'aes-256-gcm' ? k.key : undefined;
      });
      const { msg } = decodeNetstringBody(body, 0);
      return { msg, format: 'aes-256-gcm', counter, authIndex: index, compressed: false };
    }
    if (buf.subarray(0, 4).equals(NETSTRING_START)) {
      const { msg, end } = decodeNetstringBody(buf, 0);
      const from = msg.get('src');
      let sig: { index: number; hex: string };
      if (end < buf.length && buf[end] !== 0) {
        const t = peelNetstring(buf, end);
        sig = parseSig(buf.toString('latin1', t.start, t.end), 'trailer');
        check(keys, sig, buf.subarray(0, end), from);
      } else {
        const a = msg.get('auth');
        if (a === undefined) throw new AuthError('message has neither an authentication trailer nor an auth field', from);
        sig = parseSig(a, 'auth field');
        check(keys, sig, authText(msg), from);
      }
      const format: WireFormat = msg.get('auth') !== undefined ? 'classic' : 'netstring';
      const payload = msg.getBinary(COMPRESSED_FIELD);
      if (!payload) return { msg, format, authIndex: sig.index, compressed: false };
      const alg = msg.get(COMPRESSION_ALGORITHM_FIELD);
      if (alg !== 'zlib') throw new WireFormatError(`unsupported compression "${alg}"`);
      let inner: Buffer;
      try {
        inner = inflateSync(payload, { maxOutputLength: 1 << 20 });
      } catch (e) {
        throw new WireFormatError(`compressed payload does not inflate: ${(e as Error).message}`);
      }
      return { msg: decodeNetstringBody(inner, 0).msg, format, authIndex: sig.index, compressed: true };
    }
    const text = buf.toString('utf8');
    if (text.startsWith(CLASSIC_START)) {
      const msg = decodeClassic(text.endsWith('\0') ? text.slice(0, -1) : text);
      const a = msg.get('auth');
      if (a === undefined) throw new AuthError('classic message without auth field', msg.get('src'));
      const sig = parseSig(a, 'auth field');
      check(keys, sig, authText(msg), msg.get('src'));
      return { msg, format: 'classic-wire', authIndex: sig.index, compressed: false };
    }
    throw new WireFormatError('not a heartbeat message (no "###" or ">>>" start)');
  } catch (e) {
    if (e instanceof WireFormatError || e instanceof AuthError) throw e;
    throw new WireFormatError(`undecodable packet: ${(e as Error).message}`);
  }
}
