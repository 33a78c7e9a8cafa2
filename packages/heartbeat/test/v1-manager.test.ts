import { describe, expect, it } from 'vitest';
import { parseHaresources } from '../src/config/haresources.js';
import { V1ResourceManager } from '../src/haresources/v1-manager.js';

const HARES = 'a IPaddr2::10.0.0.10/24/eth0 Dummy::one\nb IPaddr2::10.0.0.11/24/eth0\nc Dummy::three\n';

/** Managers wired by an in-memory message bus; `running` is where each group runs. */
function cluster(names: string[], autoFailback: 'on' | 'off' = 'on') {
  const groups = parseHaresources(HARES, 'haresources', ['a', 'b', 'c']).filter((g) => names.includes(g.node) || names.length === 3);
  const running = new Map<string, Set<string>>();
  const sent: string[] = [];
  const mgrs: Record<string, V1ResourceManager> = {};
  const inbox: Array<() => Promise<void>> = [];
  for (const me of names) {
    running.set(me, new Set());
    mgrs[me] = new V1ResourceManager(groups, me, names, autoFailback, {
      start: async (g) => {
        running.get(me)!.add(g.resources[0]!.spec);
        return true;
      },
      stop: async (g) => {
        running.get(me)!.delete(g.resources[0]!.spec);
        return true;
      },
      send: (type, fields, to) => {
        sent.push(`${me}>${to ?? '*'}:${type}`);
        for (const n of names) if (n !== me && (!to || to === n)) inbox.push(() => mgrs[n]!.message(me, type, fields));
      },
      log: () => undefined,
    });
  }
  const settle = async () => {
    for (let i = 0; i < 100 && inbox.length; i++) await inbox.shift()!();
    await Promise.all(Object.values(mgrs).map((m) => m.idle()));
    if (inbox.length) await settle();
  };
  const where = () => Object.fromEntries([...running].map(([n, s]) => [n, [...s].sort()]));
  return { mgrs, settle, where, sent };
}

describe('v1 resource manager (haresources), pure', () => {
  it('a node alone takes its own groups; the others take a dead node’s groups and give them back (auto_failback on)', async () => {
    const { mgrs, settle, where } = cluster(['a', 'b']);
    await mgrs.b!.commUp(['b']);
    await settle();
    expect(where()).toEqual({ a: [], b: ['IPaddr2::10.0.0.11/24/eth0'] });
    await mgrs.b!.nodeDead('a');
    await settle();
    expect(where().b).toEqual(['IPaddr2::10.0.0.10/24/eth0', 'IPaddr2::10.0.0.11/24/eth0']);
    expect(mgrs.b!.rscStatus).toBe('all');
    // a comes back and asks for its group: b releases it, a takes it.
    mgrs.b!.nodeUp('a');
    await mgrs.a!.commUp(['a', 'b']);
    await settle();
    expect(where()).toEqual({ a: ['IPaddr2::10.0.0.10/24/eth0'], b: ['IPaddr2::10.0.0.11/24/eth0'] });
    expect(mgrs.a!.rscStatus).toBe('local');
  });

  it('with auto_failback off a returning node leaves its group where it is', async () => {
    const { mgrs, settle, where } = cluster(['a', 'b'], 'off');
    await mgrs.b!.commUp(['b']);
    await mgrs.b!.nodeDead('a');
    await settle();
    expect(where().b).toEqual(['IPaddr2::10.0.0.10/24/eth0', 'IPaddr2::10.0.0.11/24/eth0']);
    mgrs.b!.nodeUp('a');
    await mgrs.a!.commUp(['a', 'b']);
    await settle();
    expect(where()).toEqual({ a: [], b: ['IPaddr2::10.0.0.10/24/eth0', 'IPaddr2::10.0.0.11/24/eth0'] });
    // hb_takeover from a: b gives up a's group (its foreign one), a takes it.
    mgrs.a!.takeover('local');
    await settle();
    expect(where().a).toEqual(['IPaddr2::10.0.0.10/24/eth0']);
  });

  it('both starting together each take their own groups', async () => {
    const { mgrs, settle, where } = cluster(['a', 'b']);
    await Promise.all([mgrs.a!.commUp(['a', 'b']), mgrs.b!.commUp(['a', 'b'])]);
    await settle();
    expect(where()).toEqual({ a: ['IPaddr2::10.0.0.10/24/eth0'], b: ['IPaddr2::10.0.0.11/24/eth0'] });
  });

  it('three nodes: a dead node’s group goes to the next live node in ha.cf order, and only there', async () => {
    const { mgrs, settle, where } = cluster(['a', 'b', 'c']);
    await Promise.all(['a', 'b', 'c'].map((n) => mgrs[n]!.commUp(['a', 'b', 'c'])));
    await settle();
    expect(where()).toEqual({ a: ['IPaddr2::10.0.0.10/24/eth0'], b: ['IPaddr2::10.0.0.11/24/eth0'], c: ['Dummy::three'] });
    await Promise.all([mgrs.b!.nodeDead('a'), mgrs.c!.nodeDead('a')]);
    await settle();
    expect(where().b).toEqual(['IPaddr2::10.0.0.10/24/eth0', 'IPaddr2::10.0.0.11/24/eth0']);
    expect(where().c).toEqual(['Dummy::three']);
    // Then b dies too: c has everything.
    await mgrs.c!.nodeDead('b');
    await settle();
    expect(where().c).toEqual(['Dummy::three', 'IPaddr2::10.0.0.10/24/eth0', 'IPaddr2::10.0.0.11/24/eth0']);
  });

  it('standby hands groups over, and a clean shutdown releases everything and says so', async () => {
    const { mgrs, settle, where, sent } = cluster(['a', 'b']);
    await Promise.all([mgrs.a!.commUp(['a', 'b']), mgrs.b!.commUp(['a', 'b'])]);
    await settle();
    await mgrs.a!.standby('all');
    await settle();
    expect(where()).toEqual({ a: [], b: ['IPaddr2::10.0.0.10/24/eth0', 'IPaddr2::10.0.0.11/24/eth0'] });
    await mgrs.b!.shutdown();
    expect(where().b).toEqual([]);
    expect(sent.slice(-2)).toEqual(['b>*:resource', 'b>*:shutdone']);
  });

  it('asks for its groups only once the other node is active (a starting heartbeat 3 ignores requests)', async () => {
    const { mgrs, settle, where, sent } = cluster(['a', 'b']);
    await mgrs.b!.commUp(['b']);
    await settle();
    await mgrs.a!.commUp(['a', 'b'], ['a']);
    expect(sent.filter((s) => s.startsWith('a>'))).toEqual([]);
    mgrs.a!.nodeUp('b', 'active');
    await settle();
    expect(sent).toContain('a>*:ip-request');
    expect(where().a).toEqual(['IPaddr2::10.0.0.10/24/eth0']);
  });

  it('a node that thinks it is alone does not take a group another node says it holds', async () => {
    const { mgrs, settle, where } = cluster(['a', 'b']);
    await mgrs.b!.commUp(['b']);
    await mgrs.b!.nodeDead('a');
    await settle();
    expect(where().b).toContain('IPaddr2::10.0.0.10/24/eth0');
    // a restarts and hears b's holdings before b's status: it must not start the group too.
    await mgrs.a!.message('b', 'resource', { rsc_hold: 'all', hbts_groups: 'IPaddr2::10.0.0.10/24/eth0|IPaddr2::10.0.0.11/24/eth0' });
    await mgrs.a!.commUp(['a']);
    await settle();
    expect(where().a).toEqual([]);
  });
});
