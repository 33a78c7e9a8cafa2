import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, waitFor } from '@heartbeat-ts/test-harness';
import { encodePacket } from '../../src/wire/codec.js';
import { HaMessage } from '../../src/wire/ha-message.js';
import { deflateSync } from 'node:zlib';
import { hb, heartbeatCluster, SECRET, view } from './hb-cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const FUZZ_MS = Number(process.env.HBTS_FUZZ_MS ?? 10_000);
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

describe('bad input at a live heartbeat node', () => {
  it('random, forged, replayed and oversized packets and garbage API frames: membership kept, memory flat', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 3, keepalive: '100ms', deadtime: '500ms' });
    const c = cluster;
    for (const n of c.nodes) await waitFor(`${n.name} active`, async () => Object.values(await view(n)).every((s) => s === 'active'), { timeoutMs: 5000 });
    const target = c.node('n1');
    const pid = target.pids()[0]!;
    const watcher = await hb(c.node('n2'));
    // The agreed membership settles a moment after every node is active (leaders that announced
    // the same generation before they saw each other announce once more): wait for it.
    await waitFor('n2 agrees on n1,n2,n3', async () => (await watcher.request('membership', {})).members.join(',') === 'n1,n2,n3', { timeoutMs: 5000 });
    // "Membership kept": no node leaves or joins (a new generation of the same members is not a change).
    const changes: string[] = [];
    await watcher.subscribe('membership', (m) => m.members.join(',') !== 'n1,n2,n3' && changes.push(m.members.join(',')));
    const targetClient = await hb(target);
    const targetChanges: string[] = [];
    await targetClient.subscribe('node-status', (e) => targetChanges.push(`${e.node}:${e.status}`));

    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
    const key = { index: 1, method: 'sha1' as const, key: SECRET };
    const wrongKey = { index: 1, method: 'sha1' as const, key: 'not-the-secret' };
    const status = (src: string, gen: number, seq: number, st = 'dead') =>
      new HaMessage().set('t', 'status').set('st', st).set('dt', '1f4').set('protocol', '1').set('src', src).set('seq', seq.toString(16)).set('hg', gen.toString(16)).set('ts', Math.floor(Date.now() / 1000).toString(16)).set('ttl', '4');
    const valid = encodePacket(status('n2', 1, 1), { key });
    const bomb = encodePacket(
      new HaMessage().set('_compression_algorithm', 'zlib').setBinary('_compressed_payload', deflateSync(Buffer.alloc(20_000_000))).set('src', 'n2'),
      { key, format: 'netstring' },
    );
    const packets: Array<() => Buffer> = [
      () => bytes(1 + Math.floor(rnd() * 1400)), // noise
      () => {
        const b = Buffer.from(valid); // mutated valid packet
        for (let k = 0; k < 1 + Math.floor(rnd() * 6); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
        return b;
      },
      () => encodePacket(status('n2', 2 ** 31, 1), { key: wrongKey }), // forged: a huge generation, wrong key
      () => encodePacket(status('n3', 1, Math.floor(rnd() * 1000) + 1), { key }), // replay: generation 1 is long gone
      () => encodePacket(status('intruder', 9, 1, 'active'), { key }), // authentic but not a cluster node
      () => Buffer.concat([Buffer.from('###\n'), Buffer.alloc(70_000, 0x41)]), // oversized
      () => bomb, // decompression bomb: 20 MB of zeros in a few KB
    ];
    const udp = createSocket('udp4');
    const start = Date.now();
    const deadline = start + FUZZ_MS;
    // Memory is compared between the end of a warm-up half and the end: churn makes the heap
    // grow towards a plateau (V8 collects its old space lazily); a leak of ~1 KB per packet
    // would add well over the margin in the second half (about 40 000 packets).
    let rss0 = 0;
    const samples: number[] = [];
    let sent = 0;
    let apiGarbage = 0;
    while (Date.now() < deadline) {
      for (let i = 0; i < 50; i++) {
        udp.send(packets[Math.floor(rnd() * packets.length)]!(), 7694, target.address);
        sent++;
      }
      if (rnd() < 0.3) {
        // Garbage on the API socket: noise, an absurd frame length, or JSON that is no envelope.
        const s = createConnection(target.socket('heartbeat'));
        s.on('error', () => undefined);
        const choice = rnd();
        const frame = choice < 0.33 ? bytes(200) : choice < 0.66 ? Buffer.from([0x7f, 0xff, 0xff, 0xff]) : Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from('{"k":"x"}')]);
        s.end(frame);
        apiGarbage++;
      }
      await new Promise((r) => setTimeout(r, 5));
      if (!rss0 && Date.now() - start > FUZZ_MS / 2) rss0 = rssKb(pid);
      if (samples.length < (Date.now() - start) / 1000) samples.push(Math.round(rssKb(pid) / 1024));
    }
    udp.close();
    await new Promise((r) => setTimeout(r, 500));
    const rss1 = rssKb(pid);

    expect(target.pids()).toContain(pid); // still the same process
    expect(Object.values(await view(target))).toEqual(['active', 'active', 'active']);
    expect(changes).toEqual([]); // n2 never saw a membership change
    expect(targetChanges).toEqual([]); // n1 never changed anyone's status
    const st = await targetClient.request('status', {});
    const dropped = Object.values(st.badPackets).reduce((a, b) => a + b, 0);
    expect(dropped).toBeGreaterThan(sent * 0.5);
    console.log(`fuzz: ${sent} packets, ${apiGarbage} garbage API connections, ${dropped} dropped and counted, RSS per second (MB): ${samples.join(' ')} -> ${Math.round(rss1 / 1024)}`);
    expect(rss1 - rss0).toBeLessThan(24 * 1024); // flat after warm-up
    watcher.close();
    targetClient.close();
  });
});
