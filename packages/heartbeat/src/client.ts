/** The typed client of the heartbeat API, for the CRM and other cluster clients. */
import { IpcClient, type IpcClientOptions, type RuntimePaths, socketPath } from '@heartbeat-ts/cluster-glue/client';
import { HeartbeatProtocol } from './protocol.js';

export type HeartbeatClient = IpcClient<typeof HeartbeatProtocol>;

export function connectHeartbeat(paths: RuntimePaths, opts: Partial<IpcClientOptions> = {}): Promise<HeartbeatClient> {
  return IpcClient.connect(HeartbeatProtocol, { path: socketPath(paths, 'heartbeat'), ...opts });
}

type MessageListener = (m: { from: string; type: string; fields: Record<string, string> }) => void;
const wantedTypes = new WeakMap<HeartbeatClient, Set<string>>();

/**
 * Listens to the cluster messages whose type starts with one of `prefixes` (e.g. `cib_`).
 * heartbeat is told to send this connection only those — every message to every client of
 * every node would be read and dropped by most — and told again after each reconnect; the
 * listener hears only those either way. Several calls on one connection add up.
 */
export async function subscribeMessages(hb: HeartbeatClient, prefixes: string[], listener: MessageListener): Promise<() => Promise<void>> {
  let wanted = wantedTypes.get(hb);
  if (!wanted) {
    const all = new Set<string>();
    wanted = all;
    wantedTypes.set(hb, all);
    // (A heartbeat without the request sends everything: the listeners still filter.)
    hb.on('reconnect', () => void hb.request('message-types', { prefixes: [...all] }).catch(() => undefined));
  }
  for (const p of prefixes) wanted.add(p);
  await hb.request('message-types', { prefixes: [...wanted] }).catch(() => undefined);
  return hb.subscribe('message', (m) => {
    if (prefixes.some((p) => m.type.startsWith(p))) listener(m);
  });
}
