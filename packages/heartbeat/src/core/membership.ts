/**
 * Membership: the live normal nodes, a generation, and quorum — agreed across nodes so that
 * every node delivers the same membership changes in the same order.
 *
 * Each node computes a *local view* from node status (up/active). The *leader* of a view is
 * its lowest node name. Only the leader announces a view (`t=hbts_membership`, fields `gen`
 * and `members`), as a sequenced cluster message, with a generation above any it has seen;
 * every node — the leader included — delivers announced views in generation order and ignores
 * older ones. Per-sender reliable, ordered delivery then gives all members of a partition the
 * same sequence. After a partition heals, the leader of the whole announces above both sides'
 * generations. A node that hears no announcement within `adoptAfterMs` of a local change (the
 * leader is a heartbeat 3 node, which does not announce) adopts its local view itself.
 *
 * Quorum = a strict majority of configured nodes; with exactly two configured nodes a single
 * survivor keeps quorum (like corosync's two_node), fencing then protects the data.
 * Pure: the caller passes the time and sends the announcements.
 */
export interface MembershipView {
  generation: number;
  members: string[];
  quorum: boolean;
}

export const MEMBERSHIP_MESSAGE = 'hbts_membership';
/** A member's answer to a stale announcement: field `gen` = its agreed generation. */
export const MEMBERSHIP_GEN_MESSAGE = 'hbts_membership_gen';

export function hasQuorum(live: number, configured: number): boolean {
  if (configured === 2) return live >= 1;
  return live * 2 > configured;
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class MembershipTracker {
  private agreed: MembershipView;
  private local: string[];
  private maxGen = 0;
  private pendingSince: number | undefined;

  constructor(
    readonly me: string,
    private readonly configured: number,
    private readonly adoptAfterMs: number,
  ) {
    this.local = [me];
    this.agreed = { generation: 0, members: [me], quorum: hasQuorum(1, configured) };
  }

  get current(): MembershipView {
    return this.agreed;
  }

  private view(generation: number, members: string[]): MembershipView {
    return { generation, members, quorum: hasQuorum(members.length, this.configured) };
  }

  /**
   * Our local view changed (or not). Returns an announcement to send if we lead it, and the
   * view to deliver if we adopt it ourselves.
   */
  localView(members: string[], now: number): { announce?: { gen: number; members: string[] }; deliver?: MembershipView } {
    const sorted = [...members].sort();
    if (!same(sorted, this.local)) {
      this.local = sorted;
      this.pendingSince = same(sorted, this.agreed.members) ? undefined : now;
      if (sorted[0] === this.me && !same(sorted, this.agreed.members)) {
        const gen = ++this.maxGen;
        const deliver = this.accept(gen, sorted);
        return { announce: { gen, members: sorted }, ...(deliver ? { deliver } : {}) };
      }
      return {};
    }
    if (this.pendingSince !== undefined && now - this.pendingSince >= this.adoptAfterMs && !same(sorted, this.agreed.members)) {
      const gen = ++this.maxGen;
      const deliver = this.accept(gen, sorted);
      // We lead our view and the agreed one differs (a node announced before it saw us): announce
      // ours again. Otherwise nobody announced (the leader is not one of ours): adopt it ourselves.
      if (sorted[0] === this.me) return { announce: { gen, members: sorted }, ...(deliver ? { deliver } : {}) };
      return deliver ? { deliver } : {};
    }
    return {};
  }

  /**
   * An announcement from the cluster (or our own). Returns the view to deliver, if newer. If we
   * lead a different view of our own (its sender had not seen us yet), ours is announced again
   * once `adoptAfterMs` has passed without the views agreeing (see `localView`).
   */
  announcement(gen: number, members: string[], now = Date.now()): MembershipView | undefined {
    const delivered = this.accept(gen, [...members].sort());
    if (this.local[0] === this.me && !same(this.local, this.agreed.members)) this.pendingSince ??= now;
    return delivered;
  }

  /**
   * Our agreed generation, if an announcement was stale: its sender (a leader that restarted
   * and counts from zero) must learn it and announce above it.
   */
  staleAnswer(gen: number, members?: string[]): number | undefined {
    if (gen > this.agreed.generation) return undefined;
    // A repeat of the view we agreed on is not stale.
    if (gen === this.agreed.generation && members && same([...members].sort(), this.agreed.members)) return undefined;
    return this.agreed.generation;
  }

  /**
   * A member told us its generation is `gen` (with its view `theirs`): count from above it,
   * and if we lead, announce our view again. An equal generation with another view is two
   * leaders (say, before they saw each other) having used the same number: also above it.
   */
  learnGeneration(gen: number, theirs?: string[]): { gen: number; members: string[] } | undefined {
    if (gen < this.maxGen) return undefined;
    if (gen === this.maxGen && theirs && same([...theirs].sort(), this.agreed.members)) return undefined;
    this.maxGen = gen;
    if (this.local[0] !== this.me) return undefined;
    const next = ++this.maxGen;
    this.accept(next, this.local);
    return { gen: next, members: this.local };
  }

  private accept(gen: number, members: string[]): MembershipView | undefined {
    this.maxGen = Math.max(this.maxGen, gen);
    if (gen <= this.agreed.generation) return undefined;
    this.agreed = this.view(gen, members);
    if (same(members, this.local)) this.pendingSince = undefined;
    return this.agreed;
  }

  /** Time at which `localView` should be called again to adopt a view nobody announced. */
  adoptDeadline(): number | undefined {
    return this.pendingSince === undefined ? undefined : this.pendingSince + this.adoptAfterMs;
  }
}
