/**
 * The beacon: the harness's trivial daemon. Each node sends a UDP datagram to every peer
 * each keepalive and declares a peer dead after deadtime of silence — the smallest thing
 * that exercises processes, sockets, UDP between nodes and node death in the harness.
 *
 * Wire (UDP, JSON): {"t":"beacon","v":1,"src":NODE,"seq":N}
 * IPC (Unix socket <runDir>/beacon.sock): request `status`, event `peer`.
 */
import { defineProtocol, type Infer, s } from '@heartbeat-ts/cluster-glue';

export const PeerState = s.enum(['unknown', 'up', 'dead'] as const);
export type PeerState = Infer<typeof PeerState>;

export const PeerStatus = s.object({
  name: s.string(),
  state: PeerState,
  /** ms since the last beacon from this peer; null if never heard. */
  silentMs: s.nullable(s.integer({ min: 0 })),
  received: s.integer({ min: 0 }),
});
export type PeerStatus = Infer<typeof PeerStatus>;

export const BeaconProtocol = defineProtocol({
  name: 'beacon',
  version: 1,
  requests: {
    status: {
      params: s.object({}),
      result: s.object({
        node: s.string(),
        pid: s.integer(),
        peers: s.array(PeerStatus),
        malformed: s.integer({ min: 0 }),
      }),
    },
  },
  events: {
    peer: s.object({ name: s.string(), state: PeerState }),
  },
});

export const BeaconPacket = s.object({
  t: s.literal('beacon'),
  v: s.literal(1),
  src: s.string({ minLength: 1, maxLength: 64 }),
  seq: s.integer({ min: 0 }),
});

/** `<confDir>/beacon.json`, written by the harness for each node. */
export const BeaconConfig = s.object({
  node: s.string({ minLength: 1 }),
  listen: s.object({ address: s.string(), port: s.integer({ min: 1, max: 65535 }) }),
  peers: s.array(s.object({ name: s.string({ minLength: 1 }), address: s.string(), port: s.integer({ min: 1, max: 65535 }) })),
  keepaliveMs: s.integer({ min: 10 }),
  deadtimeMs: s.integer({ min: 20 }),
});
export type BeaconConfig = Infer<typeof BeaconConfig>;
