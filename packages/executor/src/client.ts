/** The typed client of the executor's socket, for the CRM, ha-exec and tests. */
import { IpcClient, type IpcClientOptions, type RuntimePaths, socketPath } from '@heartbeat-ts/cluster-glue/client';
import { ExecutorProtocol } from './protocol.js';

export type ExecutorClient = IpcClient<typeof ExecutorProtocol>;

export function connectExecutor(paths: RuntimePaths, opts: Partial<IpcClientOptions> = {}): Promise<ExecutorClient> {
  return IpcClient.connect(ExecutorProtocol, { path: socketPath(paths, 'executor'), ...opts });
}

/** A request timeout for exec that outlasts the operation: its timeout, start delay, kill grace and a queue allowance. */
export const execRequestTimeout = (op: { timeout?: number; startDelay?: number }): number => (op.timeout ?? 20_000) + (op.startDelay ?? 0) + 5_000 + 60_000;
