import { describe, expect, it } from 'vitest';
import { parseHaCf } from '../src/config/ha-cf.js';
import { Engine, type EngineEvent } from '../src/core/engine.js';
import { SeqTrack } from '../src/core/seq-track.js';
import { type AuthKey } from '../src/wire/auth.js';
import { decodePacket, encodePacket } from '../src/wire/codec.js';
import { HaMessage } from '../src/wire/ha-message.js';

const key: AuthKey = { index: 1, method: 'sha1', key: 'k' };
const keys = new Map([[1, key]]);
const cfgText = 'keepalive 100ms\ndeadtime 500ms\nwarntime 300ms\ninitdead 1\nucast eth0 10.0.0.1 10.0.0.2 10.0.0.3\nnode a b c\n';

/** Engines wired through an in-memory network with a fake clock and a drop filter. */
function net(names: string[]) {
  let now = 1_000_000;
  const events: Record<string, EngineEvent[]> = {};
  const sent: Record<string, HaMessage[]> = {};
  const inflight: Array<{ to: string; packet: Buffer }> = [];
  let filter: (from: string, to: string, msg: HaMessage) => boolean = () => true;
  let seed = 7;
  const engines: Record<string, Engine> = {};
  for (const name of names) {
    events[name] = [];
    sent[name] = [];
    const cfg = parseHaCf(cfgText, 'ha.cf', name);
    engines[name] = new Engine(cfg, name, Buffer.alloc(16, name.charCodeAt(0)), 100 + names.indexOf(name), ['eth0'], {
      encode: (m) => encodePacket(m, { key }),
      transmit: (packet) => {
        sent[name]!.push(decodePacket(packet, keys).msg);
        for (const to of names) if (to !== name) inflight.push({ to, packet });
      },
      emit: (ev) => events[name]!.push(ev),
      loadavg: () => '0.00 0.00 0.00 1/1 1',
      random: () => ((seed = (seed * 16807) % 2147483647) / 2147483647),
    }, now);
  }
  const deliver = () => {
    while (inflight.length) {
      const { to, packet } = inflight.shift()!;
      const { msg } = decodePacket(packet, keys);
      if (filter(msg.get('src')!, to, msg)) engines[to]?.receive(msg, 'eth0', now);
    }
  };
  const run = (ms: number, step = 10) => {
    for (let t = 0; t < ms; t += step) {
      now += step;
      for (const e of Object.values(engines)) e.tick(now);
      deliver();
    }
  };
  return { engines, events, sent, run, setFilter: (f: typeof filter) => (filter = f), now: () => now };
}

const statusOf = (e: Engine, n: string) => e.nodes.get(n)!.status;

describe('messaging engine (pure, fake clock)', () => {
  it('brings three nodes to active, then declares a silent node dead after its deadtime', () => {
    const { engines, events, run, setFilter, now } = net(['a', 'b', 'c']);
    run(300);
    for (const e of Object.values(engines)) expect(['a', 'b', 'c'].map((n) => statusOf(e, n))).toEqual(['active', 'active', 'active']);
    expect(events.a!.some((e) => e.type === 'comm-up')).toBe(true);
    // c goes silent.
    setFilter((from) => from !== 'c');
    const lastHeard = engines.a!.nodes.get('c')!.lastHeard;
    let deadAt = 0;
    for (let i = 0; i < 100 && !deadAt; i++) {
      run(10);
      if (statusOf(engines.a!, 'c') === 'dead') deadAt = now();
    }
    // Dead one tick after deadtime of silence.
    expect(deadAt - lastHeard).toBeGreaterThan(500);
    expect(deadAt - lastHeard).toBeLessThanOrEqual(510);
    expect(events.a!).toContainEqual({ type: 'node-status', node: 'c', status: 'dead', previous: 'active' });
    expect(events.a!).toContainEqual({ type: 'link-status', node: 'c', link: 'eth0', status: 'dead' });
    expect(statusOf(engines.a!, 'b')).toBe('active');
  });

  it('recovers lost cluster messages by retransmission, in order, exactly once', () => {
    const { engines, events, run, setFilter, now } = net(['a', 'b']);
    run(300);
    let dropNext = 3;
    setFilter((from, _to, msg) => !(from === 'a' && msg.get('t') === 'app' && dropNext-- > 0));
    for (let i = 0; i < 10; i++) engines.a!.sendClusterMessage(new HaMessage().set('t', 'app').set('n', String(i)), now());
    run(1000);
    const got = events.b!.filter((e) => e.type === 'message').map((e) => (e as { msg: HaMessage }).msg.get('n'));
    expect(got.sort((x, y) => Number(x) - Number(y))).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(engines.b!.counters.rexmitRequested).toBeGreaterThan(0);
    expect(engines.a!.counters.rexmitSent).toBeGreaterThanOrEqual(3);
    expect(engines.b!.nodes.get('a')!.track.missing.size).toBe(0);
  });

  it('notices a restart (higher generation) and drops replays of an older generation', () => {
    const t = new SeqTrack(0);
    expect(t.accept(5, 1, true, false)).toMatchObject({ action: 'keep' });
    expect(t.accept(5, 2, false, false)).toMatchObject({ action: 'keep' });
    expect(t.accept(5, 2, false, false)).toEqual({ action: 'duplicate' });
    expect(t.accept(4, 9, true, false)).toMatchObject({ action: 'drop', reason: expect.stringContaining('old generation') });
    expect(t.accept(6, 1, true, false)).toMatchObject({ action: 'keep', restart: true });
    expect(t.accept(6, 5, false, false)).toMatchObject({ action: 'keep', missing: [2, 3, 4] });
    expect(t.accept(6, 3, false, false)).toMatchObject({ action: 'keep', recovered: true });
    expect(t.accept(6, 3, false, false)).toEqual({ action: 'duplicate' });
  });

  it('acknowledges every tenth message and answers reqnodes with the node list', () => {
    const { engines, run, events, sent, now } = net(['a', 'b']);
    run(300);
    for (let i = 0; i < 30; i++) engines.a!.sendClusterMessage(new HaMessage().set('t', 'app'), now());
    run(50);
    expect((engines.a as unknown as { history: { ackedBy(p: string): number } }).history.ackedBy('b')).toBeGreaterThan(10);
    engines.b!.sendClusterMessage(new HaMessage().set('t', 'reqnodes'), now(), 'a');
    run(20);
    const rep = sent.a!.find((m) => m.get('t') === 'repnodes');
    expect(rep?.toObject()).toMatchObject({ dest: 'b', nodelist: 'a b c ', delnodelist: ' ' });
    // Protocol messages are handled by the engine, never passed to clients.
    expect(events.b!.some((e) => e.type === 'message' && e.msg.get('t') === 'repnodes')).toBe(false);
    // Field order of a status message is heartbeat 3.0.6's.
    expect(sent.a!.find((m) => m.get('t') === 'status')!.fields.map((f) => f.name)).toEqual(['t', 'st', 'dt', 'protocol', 'src', 'srcuuid', 'seq', 'hg', 'ts', 'ld', 'ttl', 'auth']);
  });

  it('does not call communication up on a non-status message from a node whose status it does not know yet', () => {
    const { engines, events, run, setFilter, now } = net(['a', 'b', 'c']);
    // b's status messages do not reach a; one of b's other messages does.
    setFilter((from, to, msg) => !(from === 'b' && to === 'a' && msg.get('t') === 'status'));
    run(50);
    engines.b!.sendClusterMessage(new HaMessage().set('t', 'resource').set('rsc_hold', 'all'), now());
    run(50);
    expect(engines.a!.nodes.get('b')!.anyPackets).toBe(true);
    expect(events.a!.some((e) => e.type === 'comm-up')).toBe(false);
    setFilter(() => true);
    run(200);
    expect(events.a!.some((e) => e.type === 'comm-up')).toBe(true);
    expect(engines.a!.nodes.get('b')!.status).toBe('active');
  });
});
