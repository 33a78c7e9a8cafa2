/** What the tools share as commands. */
import { EXIT } from '@heartbeat-ts/cluster-glue';

/** Connects (or asks) a daemon of this node; when it does not answer, says so and exits 102, as Pacemaker's tools do. */
export async function clusterOrExit<T>(tool: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (e) {
    process.stderr.write(`${tool}: Error: cluster is not available on this node: ${(e as Error).message}\n`);
    process.exit(EXIT.DISCONNECT);
  }
}
