/**
 * Finding the processes a cluster started, however they were started (directly, through
 * nsenter, daemonized, or as grandchildren): every one carries HBTS_CLUSTER=<id> and
 * HBTS_NODE=<name> in its environment, which /proc shows.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const CLUSTER_ENV = 'HBTS_CLUSTER';
export const NODE_ENV = 'HBTS_NODE';

export function processEnv(pid: number): Map<string, string> | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const env = new Map<string, string>();
  for (const kv of raw.split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return env;
}

/** Pids whose environment marks them as belonging to cluster `id` (and node, if given). */
export function markedPids(id: string, node?: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const env = processEnv(pid);
    if (!env || env.get(CLUSTER_ENV) !== id) continue;
    if (node !== undefined && env.get(NODE_ENV) !== node) continue;
    // A zombie's environ is empty, so it is never matched here.
    out.push(pid);
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie is not alive for our purposes.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return false;
  }
}

export function killPids(pids: number[], signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}
