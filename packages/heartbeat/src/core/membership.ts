/**
 * Membership as this node sees it: the live normal nodes (up or active), a generation that
 * grows with every change, and quorum = a strict majority of the configured nodes. With
 * exactly two configured nodes a single survivor keeps quorum (like corosync's two_node),
 * because no majority exists after a failure; fencing must then protect the data.
 */
export interface MembershipView {
  generation: number;
  members: string[];
  quorum: boolean;
}

export function hasQuorum(live: number, configured: number): boolean {
  if (configured === 2) return live >= 1;
  return live * 2 > configured;
}

export class MembershipTracker {
  private view: MembershipView;

  constructor(
    private readonly configured: number,
    members: string[],
  ) {
    const sorted = [...members].sort();
    this.view = { generation: 0, members: sorted, quorum: hasQuorum(sorted.length, configured) };
  }

  get current(): MembershipView {
    return this.view;
  }

  /** Returns the new view if the member list changed. */
  update(members: string[]): MembershipView | undefined {
    const sorted = [...members].sort();
    if (sorted.length === this.view.members.length && sorted.every((m, i) => m === this.view.members[i])) return undefined;
    this.view = { generation: this.view.generation + 1, members: sorted, quorum: hasQuorum(sorted.length, this.configured) };
    return this.view;
  }
}
