/**
 * Optional encryption (ours; heartbeat 3 has none): authkeys method `aes-256-gcm`. A packet is
 *
 *   "HBE1" | key index (1 byte) | counter (8 bytes, big-endian) | nonce (12 random bytes)
 *   | AES-256-GCM(netstring body) | tag (16 bytes)
 *
 * with everything before the ciphertext as additional authenticated data. The key is derived
 * from the authkeys secret with HKDF-SHA256. The counter grows with every packet a node sends
 * during one generation; receivers refuse a (sender, generation, counter) seen before or too
 * old (ReplayWindow), so a recorded packet cannot be played back. Only heartbeat-ts nodes
 * speak it: a cluster with heartbeat 3 nodes uses crc/md5/sha1.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { WireFormatError } from './ha-message.js';

export const AEAD_MAGIC = Buffer.from('HBE1');
const HEADER = AEAD_MAGIC.length + 1 + 8 + 12;
const TAG = 16;
const keyCache = new Map<string, Buffer>();

export function aeadKey(secret: string): Buffer {
  let k = keyCache.get(secret);
  if (!k) {
    k = Buffer.from(hkdfSync('sha256', secret, 'heartbeat-ts', 'aes-256-gcm packet key', 32));
    keyCache.set(secret, k);
  }
  return k;
}

export function sealPacket(body: Buffer, index: number, secret: string, counter: bigint): Buffer {
  const head = Buffer.alloc(HEADER);
  AEAD_MAGIC.copy(head, 0);
  head.writeUInt8(index, 4);
  head.writeBigUInt64BE(counter, 5);
  randomBytes(12).copy(head, 13);
  const c = createCipheriv('aes-256-gcm', aeadKey(secret), head.subarray(13, 25));
  c.setAAD(head);
  const ct = Buffer.concat([c.update(body), c.final()]);
  return Buffer.concat([head, ct, c.getAuthTag()]);
}

export function isSealed(buf: Buffer): boolean {
  return buf.length >= 4 && buf.subarray(0, 4).equals(AEAD_MAGIC);
}

/** Returns the plaintext and the counter, or throws (wrong key, tampered, truncated). */
export function openPacket(buf: Buffer, secretFor: (index: number) => string | undefined): { body: Buffer; counter: bigint; index: number } {
  if (buf.length < HEADER + TAG) throw new WireFormatError('encrypted packet too short');
  const index = buf.readUInt8(4);
  const secret = secretFor(index);
  if (secret === undefined) throw new WireFormatError(`no aes-256-gcm key with index ${index}`);
  const head = buf.subarray(0, HEADER);
  const d = createDecipheriv('aes-256-gcm', aeadKey(secret), head.subarray(13, 25));
  d.setAAD(head);
  d.setAuthTag(buf.subarray(buf.length - TAG));
  try {
    const body = Buffer.concat([d.update(buf.subarray(HEADER, buf.length - TAG)), d.final()]);
    return { body, counter: head.readBigUInt64BE(5), index };
  } catch {
    throw new WireFormatError('encrypted packet fails authentication');
  }
}

/** Refuses replays: per (sender, generation), a counter seen before or more than `size` behind the highest. */
export class ReplayWindow {
  private readonly highest = new Map<string, bigint>();
  private readonly seen = new Map<string, Set<bigint>>();

  constructor(private readonly size = 2048n) {}

  accept(sender: string, generation: number, counter: bigint): boolean {
    const k = `${sender}/${generation}`;
    const hi = this.highest.get(k);
    if (hi !== undefined && counter + this.size <= hi) return false;
    let s = this.seen.get(k);
    if (!s) {
      // A new generation of this sender: forget the old ones.
      for (const key of [...this.seen.keys()]) if (key.startsWith(`${sender}/`)) {
        this.seen.delete(key);
        this.highest.delete(key);
      }
      s = new Set();
      this.seen.set(k, s);
    }
    if (s.has(counter)) return false;
    s.add(counter);
    if (hi === undefined || counter > hi) this.highest.set(k, counter);
    const top = this.highest.get(k)!;
    if (s.size > Number(this.size)) for (const c of s) if (c + this.size <= top) s.delete(c);
    return true;
  }
}
