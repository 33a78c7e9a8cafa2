/**
 * DC election. The Designated Controller of a partition is its member with the lowest node name
 * (heartbeat's names: lower-case, compared as strings). Every member computes it from the same
 * agreed membership (heartbeat's, with its generation), so a partition has exactly one DC and
 * needs no vote; it is computed again at every membership change. The CIB's master copy follows
 * the same rule (@heartbeat-ts/cib replication), so the DC's own CIB daemon is the master: what
 * the DC reads there is what the cluster has.
 *
 * Pacemaker elects by comparing versions and uptimes in a round of messages; a deterministic
 * rule over an agreed membership gives the same guarantee (one DC per partition) without the
 * round trip, which is part of how we fail over faster.
 */
export function electDc(members: readonly string[]): string | undefined {
  return [...members].sort()[0];
}
