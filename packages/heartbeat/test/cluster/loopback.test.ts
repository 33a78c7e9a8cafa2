import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, waitFor } from '@heartbeat-ts/test-harness';
import { encodePacket } from '../../src/wire/codec.js';
import { HaMessage } from '../../src/wire/ha-message.js';
import { clStatus, hb, heartbeatCluster, SECRET, view } from './hb-cluster.js';
import { subscribeMessages } from '../../src/client.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const allActive = async (c: Cluster, name: string) => Object.values(await view(c.node(name))).every((s) => s === 'active');

describe('heartbeat, 3 nodes on loopback (no root)', () => {
  it('all see each other active; kill -9 of one is noticed within deadtime; it rejoins with a new generation', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', keepalive: '100ms', deadtime: '500ms' });
    const c = cluster;
    for (const n of c.nodes) await waitFor(`${n.name} sees all active`, () => allActive(c, n.name), { timeoutMs: 5000 });
    expect(await clStatus(c.node('n1'), 'nodestatus', 'n3')).toEqual({ stdout: 'active', exitCode: 0 });
    expect((await clStatus(c.node('n2'), 'listnodes')).stdout.split('\n')).toEqual(['n1', 'n2', 'n3']);

    const client = await hb(c.node('n1'));
    const gen1 = (await hb(c.node('n3')).then(async (x) => {
      const s = await x.request('status', {});
      x.close();
      return s.generation;
    }));
    const events: string[] = [];
    await client.subscribe('node-status', (e) => events.push(`${e.node}:${e.status}`));
    const memberships: string[][] = [];
    await client.subscribe('membership', (m) => memberships.push(m.members));

    const t0 = Date.now();
    c.killNode('n3');
    await waitFor('n1 to declare n3 dead', () => events.includes('n3:dead'), { timeoutMs: 3000, intervalMs: 5 });
    const detect = Date.now() - t0;
    expect(detect).toBeLessThan(500 + 100 + 250); // deadtime + keepalive + scheduling slack
    expect(detect).toBeGreaterThan(400);
    await waitFor('membership without n3', () => memberships.at(-1)?.join() === 'n1,n2', { timeoutMs: 2000 });
    expect((await view(c.node('n2'))).n3).toBe('dead');
    expect(await clStatus(c.node('n1'), 'nodestatus', 'n3')).toEqual({ stdout: 'dead', exitCode: 1 });

    await c.startNode('n3');
    await waitFor('n3 back', async () => (await view(c.node('n1'))).n3 === 'active' && (await allActive(c, 'n3')), { timeoutMs: 5000 });
    const x = await hb(c.node('n3'));
    expect((await x.request('status', {})).generation).toBeGreaterThan(gen1);
    x.close();
    await waitFor('membership with n3 again', () => memberships.at(-1)?.join() === 'n1,n2,n3', { timeoutMs: 2000 });
    client.close();
  });

  it('carries cluster messages to every client, and to one node', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 3 });
    const c = cluster;
    for (const n of c.nodes) await waitFor(`${n.name} active`, () => allActive(c, n.name), { timeoutMs: 5000 });
    const got: Record<string, string[]> = { n1: [], n2: [], n3: [] };
    const clients = await Promise.all(c.nodes.map((n) => hb(n)));
    await Promise.all(clients.map((cl, i) => cl.subscribe('message', (m) => got[`n${i + 1}`]!.push(`${m.from}:${m.type}:${m.fields.payload}`))));
    for (let i = 0; i < 20; i++) await clients[0]!.request('send', { type: 'app', fields: { payload: String(i) } });
    await clients[1]!.request('send', { type: 'private', to: 'n3', fields: { payload: 'x' } });
    await waitFor('all messages delivered', () => got.n2!.length === 20 && got.n3!.length === 21, { timeoutMs: 3000 });
    expect(got.n2).toEqual(Array.from({ length: 20 }, (_, i) => `n1:app:${i}`));
    expect(got.n3!.at(-1)).toBe('n2:private:x');
    expect(got.n1).toHaveLength(20); // the sender's own clients see its broadcasts too
    // A client that asked for some message types gets only those from heartbeat (its socket
    // carries nothing else), the listener of subscribeMessages too.
    const picky = await hb(c.node('n3'));
    const onSocket: string[] = [];
    const heard: string[] = [];
    await picky.subscribe('message', (m) => onSocket.push(m.type));
    await subscribeMessages(picky, ['app'], (m) => heard.push(`${m.type}:${m.fields.payload}`));
    await clients[0]!.request('send', { type: 'other', fields: { payload: 'no' } });
    await clients[0]!.request('send', { type: 'app_x', fields: { payload: 'yes' } });
    await clients[1]!.request('send', { type: 'private', to: 'n3', fields: { payload: 'no' } });
    await waitFor('the wanted message', () => heard.length === 1 && got.n3!.length === 24, { timeoutMs: 3000 });
    await picky.ping(); // (whatever heartbeat wrote to it before has been read)
    expect(heard).toEqual(['app_x:yes']);
    expect(onSocket).toEqual(['app_x']);
    picky.close();
    await expect(clients[0]!.request('send', { type: 'app', fields: { seq: '1' } })).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(clients[0]!.request('send', { type: 'app', to: 'n9', fields: {} })).rejects.toMatchObject({ code: 'ENOSUCH' });
    for (const cl of clients) cl.close();
  });

  it('refuses to start on a bad ha.cf, naming the file and line', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 2, extra: 'keepalive soon' });
    const n1 = cluster.node('n1');
    await waitFor('heartbeat to exit with a config error', () => /ha\.cf:\d+: keepalive: "soon" is not a time/.test(n1.output('heartbeat')), { timeoutMs: 5000 });
    await waitFor('heartbeat to exit', () => n1.pids().length === 0, { timeoutMs: 3000 });
  });
});

describe('cl_status', () => {
  it('answers like heartbeat 3: output and exit codes', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 2 });
    const c = cluster;
    const n1 = c.node('n1');
    await waitFor('n1 sees n2 active', async () => (await view(n1)).n2 === 'active', { timeoutMs: 5000 });
    expect(await clStatus(n1, 'hbstatus')).toEqual({ stdout: 'Heartbeat is running on this machine.', exitCode: 0 });
    expect(await clStatus(n1, 'nodetype', 'n2')).toEqual({ stdout: 'normal', exitCode: 0 });
    expect(await clStatus(n1, 'hbparameter', '-p', 'keepalive')).toEqual({ stdout: '100ms', exitCode: 0 });
    expect(await clStatus(n1, '-m', 'nodestatus', 'n2')).toEqual({ stdout: 'The cluster node n2 is active', exitCode: 0 });
    expect(await clStatus(n1, 'clientstatus', 'n1', 'cl_status')).toEqual({ stdout: 'online', exitCode: 0 });
    expect(await clStatus(n1, 'rscstatus')).toEqual({ stdout: 'none', exitCode: 0 });
    expect((await clStatus(n1, 'nodestatus', 'nobody')).exitCode).toBe(11);
    expect((await clStatus(n1, 'nodestatus')).exitCode).toBe(11);
    expect((await clStatus(n1, 'frobnicate')).exitCode).toBe(11);
    c.killNode('n1');
    expect(await clStatus(n1, 'hbstatus')).toEqual({ stdout: 'Heartbeat is stopped on this machine.', exitCode: 1 });
    expect((await clStatus(n1, 'nodestatus', 'n2')).exitCode).toBe(1);
  });
});

describe('heartbeat with aes-256-gcm (ours)', () => {
  it('3 nodes with encrypted packets see each other; the same sealed packet twice is refused the second time', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 3, authMethod: 'aes-256-gcm' });
    const c = cluster;
    for (const n of c.nodes) await waitFor(`${n.name} active`, () => allActive(c, n.name), { timeoutMs: 5000 });
    const n1 = c.node('n1');
    const client = await hb(n1);
    // n3 goes away; then a well-formed packet "from n3" that the engine takes silently (an
    // ack), sealed with the cluster key: the first copy is accepted, the second is a replay.
    c.killNode('n3');
    await waitFor('n3 dead', async () => (await view(n1)).n3 === 'dead', { timeoutMs: 3000 });
    const sealed = encodePacket(
      new HaMessage().set('t', 'NS_ackmsg').set('dest', 'n1').set('ackseq', '1').set('src', 'n3').set('hg', '1').set('ts', Math.floor(Date.now() / 1000).toString(16)).set('ttl', '4'),
      { key: { index: 1, method: 'aes-256-gcm', key: SECRET }, counter: () => 5n },
    );
    const bad = async () => Object.values((await client.request('status', {})).badPackets).reduce((a, b) => a + b, 0);
    const udp = createSocket('udp4');
    const send = () => new Promise((r) => udp.send(sealed, 7694, n1.address, r));
    const before = await bad();
    await send();
    await new Promise((r) => setTimeout(r, 200));
    expect(await bad()).toBe(before);
    await send();
    await waitFor('the replay refused and counted', async () => (await bad()) === before + 1, { timeoutMs: 2000 });
    expect(Object.values(await view(n1))).toEqual(['active', 'active', 'dead']);
    udp.close();
    client.close();
  });
});
