/** What the tools share as commands. */
import type { Cib } from '@heartbeat-ts/cib/client';
import { EXIT } from '@heartbeat-ts/cluster-glue/client';

/** Connects (or asks) a daemon of this node; when it does not answer, says so and exits 102, as Pacemaker's tools do
 * (`xml`: the error as the tool's XML output, on stdout). */
export async function clusterOrExit<T>(tool: string, connect: () => Promise<T>, xml?: (message: string) => string): Promise<T> {
  try {
    return await connect();
  } catch (e) {
    // (Machine-readable output: the error in that format, on stdout.)
    if (xml) process.stdout.write(xml((e as Error).message));
    else process.stderr.write(`${tool}: Error: cluster is not available on this node: ${(e as Error).message}\n`);
    process.exit(EXIT.DISCONNECT);
  }
}

/** A tool's way to stop with an error: `TOOL: message` on stderr, and the exit code. */
export function failWith(tool: string): (msg: string, code: number) => never {
  return (msg, code) => {
    process.stderr.write(`${tool}: ${msg}\n`);
    process.exit(code);
  };
}

/** Whether the CIB knows the node: configured, or with a state in the status. */
export function cibKnowsNode(cib: Cib, name: string): boolean {
  return cib.nodes.some((n) => n.uname === name) || cib.status.some((s) => s.uname === name);
}

/** The ids closest to a mistyped one (edit distance at most 2, or a quarter of its length), nearest first. */
export function closestIds(ids: readonly string[], wanted: string): string[] {
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  return ids
    .map((id) => ({ id, d: editDistance(id.toLowerCase(), wanted.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || a.id.localeCompare(b.id))
    .slice(0, 5)
    .map((x) => x.id);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
