/** The typed client of the heartbeat API, for the CRM and other cluster clients. */
import { IpcClient, type IpcClientOptions, type RuntimePaths, socketPath } from '@heartbeat-ts/cluster-glue/client';
import { HeartbeatProtocol } from './protocol.js';

export type HeartbeatClient = IpcClient<typeof HeartbeatProtocol>;

export function connectHeartbeat(paths: RuntimePaths, opts: Partial<IpcClientOptions> = {}): Promise<HeartbeatClient> {
  return IpcClient.connect(HeartbeatProtocol, { path: socketPath(paths, 'heartbeat'), ...opts });
}
