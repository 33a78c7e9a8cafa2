import { describe, expect, it } from 'vitest';
import { hasQuorum, MembershipTracker } from '../src/core/membership.js';

/** Trackers wired so that announcements reach every node (in order, as reliable delivery gives). */
function nodes(names: string[]) {
  const t = Object.fromEntries(names.map((n) => [n, new MembershipTracker(n, names.length, 300)]));
  const delivered: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
  const note = (n: string, v?: { generation: number; members: string[] }) => v && delivered[n]!.push(`${v.generation}:${v.members.join(',')}`);
  const local = (n: string, members: string[], now = 0, reach = names) => {
    const r = t[n]!.localView(members, now);
    note(n, r.deliver);
    if (r.announce) for (const o of reach) if (o !== n) note(o, t[o]!.announcement(r.announce.gen, r.announce.members));
  };
  return { t, delivered, local };
}

describe('membership (pure)', () => {
  it('the leader announces; every node delivers the same changes in the same order', () => {
    const { delivered, local } = nodes(['a', 'b', 'c']);
    // Local views change at different moments on each node; only a (the leader) announces.
    local('c', ['a', 'b', 'c']);
    local('b', ['a', 'b', 'c']);
    local('a', ['a', 'b', 'c']);
    local('b', ['a', 'b']); // b notices c's death first: not the leader, no announcement
    local('a', ['a', 'b']);
    local('c', ['c'], 0, ['c']); // c is cut off: it leads its own view, which reaches nobody else
    expect(delivered.c).toEqual(['1:a,b,c', '2:a,b', '3:c']);
    expect(delivered.a).toEqual(['1:a,b,c', '2:a,b']);
    expect(delivered.b).toEqual(['1:a,b,c', '2:a,b']);
  });

  it('after a partition heals, the leader announces above both sides', () => {
    const { t, delivered, local } = nodes(['a', 'b', 'c']);
    local('c', ['a', 'b', 'c']);
    local('a', ['a', 'b', 'c']);
    local('a', ['a', 'b'], 0, ['a', 'b']);
    local('c', ['c'], 0, ['c']); // c alone: gen 2 on its side too
    expect(t.c!.current).toMatchObject({ generation: 2, members: ['c'], quorum: false });
    expect(t.a!.current).toMatchObject({ generation: 2, members: ['a', 'b'], quorum: true });
    local('c', ['a', 'b', 'c'], 10, []);
    local('a', ['a', 'b', 'c'], 10);
    expect(delivered.c!.at(-1)).toBe('3:a,b,c');
    expect(delivered.b!.at(-1)).toBe('3:a,b,c');
  });

  it('adopts its own view when nobody announces (the leader runs heartbeat 3)', () => {
    const t = new MembershipTracker('b', 2, 300);
    expect(t.localView(['a', 'b'], 0)).toEqual({});
    expect(t.adoptDeadline()).toBe(300);
    expect(t.localView(['a', 'b'], 299)).toEqual({});
    expect(t.localView(['a', 'b'], 300).deliver).toMatchObject({ generation: 1, members: ['a', 'b'], quorum: true });
  });

  it('quorum is a strict majority, except that one of two keeps it', () => {
    expect([hasQuorum(1, 3), hasQuorum(2, 3), hasQuorum(2, 4), hasQuorum(3, 4), hasQuorum(1, 2)]).toEqual([false, true, false, true, true]);
  });

  it('a restarted leader that counts from zero learns the members’ generation and announces above it', () => {
    const b = new MembershipTracker('b', 3, 300);
    b.localView(['a', 'b', 'c'], 0);
    b.announcement(7, ['a', 'b', 'c']);
    const a = new MembershipTracker('a', 3, 300); // restarted
    const first = a.localView(['a', 'b', 'c'], 0).announce!;
    expect(first.gen).toBe(1);
    const stale = b.staleAnswer(first.gen);
    expect(stale).toBe(7);
    const again = a.learnGeneration(stale!)!;
    expect(again).toEqual({ gen: 8, members: ['a', 'b', 'c'] });
    expect(b.announcement(again.gen, again.members)).toMatchObject({ generation: 8 });
    expect(b.staleAnswer(9)).toBeUndefined();
  });

  it('a leader that accepted a newer view made without it announces its own again after adoptAfterMs', () => {
    // n1 led [n1,n2,n3] (generation 1); n2, not having seen n1 yet, announced [n2,n3] as 3 and n1 took it.
    const n1 = new MembershipTracker('n1', 3, 300);
    expect(n1.localView(['n1', 'n2', 'n3'], 0).announce).toEqual({ gen: 1, members: ['n1', 'n2', 'n3'] });
    expect(n1.announcement(3, ['n2', 'n3'], 50)).toMatchObject({ generation: 3, members: ['n2', 'n3'] });
    expect(n1.localView(['n1', 'n2', 'n3'], 200)).toEqual({});
    const again = n1.localView(['n1', 'n2', 'n3'], 350);
    expect(again.announce).toEqual({ gen: 4, members: ['n1', 'n2', 'n3'] });
    expect(again.deliver).toMatchObject({ generation: 4, members: ['n1', 'n2', 'n3'] });
    // Agreed now: nothing more to say.
    expect(n1.localView(['n1', 'n2', 'n3'], 1000)).toEqual({});
  });

  it('two leaders that used the same generation (before they saw each other) converge on the whole view', () => {
    // n2 led [n2,n3] as generation 1 and n3 took it; n1, not having heard it, leads [n1,n2,n3] also as 1.
    const n3 = new MembershipTracker('n3', 3, 300);
    n3.localView(['n2', 'n3'], 0);
    n3.announcement(1, ['n2', 'n3']);
    n3.localView(['n1', 'n2', 'n3'], 10);
    const n1 = new MembershipTracker('n1', 3, 300);
    const first = n1.localView(['n1', 'n2', 'n3'], 0).announce!;
    expect(first.gen).toBe(1);
    const stale = n3.staleAnswer(first.gen, first.members);
    expect(stale).toBe(1);
    const again = n1.learnGeneration(stale!, n3.current.members)!;
    expect(again).toEqual({ gen: 2, members: ['n1', 'n2', 'n3'] });
    expect(n3.announcement(again.gen, again.members)).toMatchObject({ generation: 2, members: ['n1', 'n2', 'n3'] });
    // A repeat of the agreed view is not stale; an answer that agrees with us changes nothing.
    expect(n3.staleAnswer(2, ['n1', 'n2', 'n3'])).toBeUndefined();
    expect(n1.learnGeneration(2, ['n1', 'n2', 'n3'])).toBeUndefined();
  });
});
