/**
 * Message authentication as heartbeat 3.0.6 computes it, plus what we add:
 * - crc:    CRC-32 (polynomial 04C11DB7, MSB first, initial 0, result inverted), no key;
 *           lower-case hex without leading zeros. Detects corruption only.
 * - md5:    HMAC-MD5(key), 32 hex digits.
 * - sha1:   HMAC-SHA1(key), 40 hex digits.
 * - sha256: HMAC-SHA256(key), 64 hex digits — ours; heartbeat 3 nodes do not know it.
 * - aes-256-gcm: encryption and authentication of the whole packet — ours (see aead.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type AuthMethod = 'crc' | 'md5' | 'sha1' | 'sha256' | 'aes-256-gcm';
export const AUTH_METHODS: readonly AuthMethod[] = ['crc', 'md5', 'sha1', 'sha256', 'aes-256-gcm'];

export interface AuthKey {
  index: number;
  method: AuthMethod;
  /** Secret; empty for crc. */
  key: string;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let j = 0; j < 8; j++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function heartbeatCrc(data: Buffer): string {
  let crc = 0;
  for (let i = 0; i < data.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ data[i]!) & 0xff]!) >>> 0;
  return (~crc >>> 0).toString(16);
}

export function computeAuth(key: AuthKey, data: Buffer): string {
  if (key.method === 'crc') return heartbeatCrc(data);
  if (key.method === 'aes-256-gcm') throw new Error('aes-256-gcm keys seal whole packets; they do not sign');
  return createHmac(key.method, key.key).update(data).digest('hex');
}

export function verifyAuth(key: AuthKey, data: Buffer, hex: string): boolean {
  const want = Buffer.from(computeAuth(key, data));
  const got = Buffer.from(hex);
  return want.length === got.length && timingSafeEqual(want, got);
}
