import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AuthKey, computeAuth, heartbeatCrc } from '../src/wire/auth.js';
import { decodeClassic, encodeClassicText } from '../src/wire/classic.js';
import { AuthError, decodePacket, encodePacket } from '../src/wire/codec.js';
import { HaMessage, WireFormatError } from '../src/wire/ha-message.js';
import { ReplayWindow } from '../src/wire/aead.js';
import { decodeNetstringBody, encodeNetstringBody } from '../src/wire/netstring.js';
import { readPcapUdp } from './pcap.js';

const shared = join(__dirname, '../../../../shared/reference/captures');
const sha1: AuthKey = { index: 1, method: 'sha1', key: 'bars-secret' };
const keys = new Map([[1, sha1]]);

describe('heartbeat 3.0.6 packets captured on the wire', () => {
  const datagrams = readPcapUdp(join(shared, 'hb306-2node-ucast-sha1.pcap'));

  it('decodes every captured message and verifies both signatures (trailer and auth field)', () => {
    expect(datagrams).toHaveLength(6);
    for (const d of datagrams) {
      expect(d.dstPort).toBe(694);
      const p = decodePacket(d.payload, keys);
      expect(p.format).toBe('classic');
      expect(p.authIndex).toBe(1);
      const src = p.msg.get('src');
      expect(src).toBe(d.src === '10.250.0.1' ? 'nodea' : 'nodeb');
      expect(p.msg.getBinary('srcuuid')).toHaveLength(16);
      expect(p.msg.get('ttl')).toBe('3');
    }
    const types = datagrams.map((d) => decodePacket(d.payload, keys).msg.get('t'));
    expect(types).toEqual(['NS_ackmsg', 'status', 'status', 'status', 'status', 'status']);
    const status = decodePacket(datagrams[1]!.payload, keys).msg;
    expect(status.toObject()).toMatchObject({ t: 'status', st: 'active', dt: '2710', protocol: '1', src: 'nodea', seq: '1d', hg: '6b0605c6' });
    const ack = decodePacket(datagrams[0]!.payload, keys).msg;
    expect(ack.toObject()).toMatchObject({ t: 'NS_ackmsg', dest: 'nodea', ackseq: '1d', src: 'nodea' });
  });

  it('re-encodes each message to the same bytes heartbeat 3.0.6 sent', () => {
    for (const d of datagrams) {
      const { msg } = decodePacket(d.payload, keys);
      expect(encodePacket(msg, { key: sha1, format: 'classic' }).equals(d.payload)).toBe(true);
    }
  });

  it('drops a packet with a flipped byte, a wrong key, or an unknown key index', () => {
    const good = datagrams[1]!.payload;
    const flipped = Buffer.from(good);
    flipped[good.indexOf('active')] = 'A'.charCodeAt(0); // still well-formed, no longer authentic
    expect(() => decodePacket(flipped, keys)).toThrow(AuthError);
    expect(() => decodePacket(good, new Map([[1, { ...sha1, key: 'other' }]]))).toThrow(/bad sha1 signature/);
    expect(() => decodePacket(good, new Map([[2, { ...sha1, index: 2 }]]))).toThrow(/unknown auth key index 1/);
  });
});

describe('encodings', () => {
  const msg = () =>
    new HaMessage()
      .set('t', 'test')
      .set('text', 'line one\nline two')
      .setBinary('srcuuid', Buffer.from('00112233445566778899aabbccddeeff', 'hex'))
      .setList('nodes', ['nodea', 'nodeb', 'n,3'])
      .setStruct('inner', new HaMessage().set('a', '1').set('multi', 'x\ny').setStruct('deeper', new HaMessage().set('z', 'q\nr')));

  it('round-trips every field type through netstring and classic', () => {
    const m = msg();
    const ns = decodeNetstringBody(encodeNetstringBody(m)).msg;
    const cl = decodeClassic(encodeClassicText(m));
    for (const back of [ns, cl]) {
      expect(back.get('text')).toBe('line one\nline two');
      expect(back.getBinary('srcuuid')!.toString('hex')).toBe('00112233445566778899aabbccddeeff');
      expect(back.getList('nodes')).toEqual(['nodea', 'nodeb', 'n,3']);
      expect(back.getStruct('inner')!.get('multi')).toBe('x\ny');
      expect(back.getStruct('inner')!.getStruct('deeper')!.get('z')).toBe('q\nr');
    }
    expect(encodeClassicText(m)).toContain('text=line one\x13line two\n');
    expect(encodeClassicText(m)).toContain('(1)srcuuid=ABEiM0RVZneImaq7zN3u/w==\n');
  });

  it('signs and verifies with crc, md5, sha1 and sha256, in each wire format', () => {
    for (const method of ['crc', 'md5', 'sha1', 'sha256'] as const) {
      const key: AuthKey = { index: 3, method, key: method === 'crc' ? '' : 'secret' };
      for (const format of ['classic', 'netstring', 'classic-wire'] as const) {
        const p = decodePacket(encodePacket(msg().set('src', 'n1'), { key, format }), new Map([[3, key]]));
        expect(p.msg.get('text')).toBe('line one\nline two');
        expect(p.format).toBe(format);
      }
    }
  });

  it('computes heartbeat’s CRC (MSB-first CRC-32, inverted, unpadded hex)', () => {
    // This is the catalogued CRC-32/POSIX (cksum's CRC without the length): check value 0x765e7680.
    expect(heartbeatCrc(Buffer.alloc(0))).toBe('ffffffff');
    expect(heartbeatCrc(Buffer.from('123456789'))).toBe('765e7680');
    expect(computeAuth({ index: 1, method: 'md5', key: 'key' }, Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe('80070713463e7749b90c2dc24911e275');
  });

  it('compresses large messages and expands them on receipt', () => {
    const big = new HaMessage().set('t', 'crm').set('src', 'n1').set('xml', '<cib>'.padEnd(40000, 'x'));
    const packet = encodePacket(big, { key: sha1, compressAbove: 2048 });
    expect(packet.length).toBeLessThan(2048);
    const p = decodePacket(packet, keys);
    expect(p.compressed).toBe(true);
    expect(p.msg.get('xml')).toHaveLength(40000);
  });

  it('rejects garbage with WireFormatError and nothing else', () => {
    const inputs = [Buffer.from(''), Buffer.from('###\n'), Buffer.from('###\n9999:(0)t=x,%%%\n'), Buffer.from('###\n5:(9)a=b,%%%\n'), Buffer.from('>>>\nno equals\n<<<\n'), Buffer.from('hello')];
    for (const i of inputs) {
      try {
        decodePacket(i, keys);
        expect.unreachable(`accepted ${JSON.stringify(i.toString())}`);
      } catch (e) {
        expect(e instanceof WireFormatError || e instanceof AuthError).toBe(true);
      }
    }
    // Random bytes, many times: never another kind of exception.
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = encodePacket(msg().set('src', 'n1'), { key: sha1 });
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(base);
      for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.3 ? b.subarray(0, Math.floor(rnd() * b.length)) : b;
      try {
        decodePacket(cut, keys);
      } catch (e) {
        if (!(e instanceof WireFormatError || e instanceof AuthError)) throw e;
      }
    }
  });
});

describe('aes-256-gcm (ours)', () => {
  const aes: AuthKey = { index: 2, method: 'aes-256-gcm', key: 'a secret phrase' };
  const aesKeys = new Map([[2, aes]]);
  let counter = 0n;
  const seal = (m: HaMessage) => encodePacket(m, { key: aes, counter: () => ++counter });

  it('encrypts whole packets: the text is not on the wire, and it decodes back', () => {
    const packet = seal(new HaMessage().set('t', 'status').set('st', 'active').set('src', 'n1'));
    expect(packet.includes(Buffer.from('active'))).toBe(false);
    const p = decodePacket(packet, aesKeys);
    expect(p).toMatchObject({ format: 'aes-256-gcm', counter: counter, authIndex: 2 });
    expect(p.msg.get('st')).toBe('active');
  });

  it('refuses a tampered packet, the wrong key, and an unencrypted packet signed with no usable key', () => {
    const packet = seal(new HaMessage().set('t', 'x').set('src', 'n1'));
    const bad = Buffer.from(packet);
    bad[30] = bad[30]! ^ 0x40;
    expect(() => decodePacket(bad, aesKeys)).toThrow(/fails authentication/);
    expect(() => decodePacket(packet, new Map([[2, { ...aes, key: 'other' }]]))).toThrow(/fails authentication/);
    const signed = encodePacket(new HaMessage().set('t', 'x').set('src', 'n1'), { key: { index: 2, method: 'sha1', key: 'k' } });
    expect(() => decodePacket(signed, aesKeys)).toThrow(/encrypted packets; this one is not encrypted/);
  });

  it('the replay window refuses a counter seen before or far behind, per sender and generation', () => {
    const w = new ReplayWindow(4n);
    expect(w.accept('n1', 7, 1n)).toBe(true);
    expect(w.accept('n1', 7, 3n)).toBe(true);
    expect(w.accept('n1', 7, 2n)).toBe(true); // out of order is fine
    expect(w.accept('n1', 7, 3n)).toBe(false); // replay
    expect(w.accept('n1', 7, 10n)).toBe(true);
    expect(w.accept('n1', 7, 5n)).toBe(false); // too old
    expect(w.accept('n2', 7, 3n)).toBe(true); // another sender
    expect(w.accept('n1', 8, 1n)).toBe(true); // a new generation starts over
  });
});
