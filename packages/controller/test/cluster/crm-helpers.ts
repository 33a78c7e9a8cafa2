/** What the CRM cluster tests ask of a node: its CIB, its controller, where resources run, the tools. */
import { it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { buildWorkingSet, simulate, transitionGraph } from '@heartbeat-ts/pengine';
import { type Cluster, type HarnessNode, resolveBin } from '@heartbeat-ts/test-harness';
import { IpcClient } from '@heartbeat-ts/cluster-glue';
import { ControllerProtocol } from '../../src/status.js';

/** Runs one of our commands (package, bin) on the node. */
export async function tool(n: HarnessNode, pkg: string, bin: string, ...args: string[]) {
  const r = await n.exec(process.execPath, [resolveBin(pkg, bin), ...args]);
  return { out: String(r.stdout), err: String(r.stderr), code: r.exitCode ?? -1 };
}

export const cibadmin = (n: HarnessNode, ...args: string[]) => tool(n, '@heartbeat-ts/cib', 'cibadmin', ...args);
export const crmResource = (n: HarnessNode, ...args: string[]) => tool(n, '@heartbeat-ts/tools', 'crm_resource', ...args);
export const crmAttribute = (n: HarnessNode, ...args: string[]) => tool(n, '@heartbeat-ts/tools', 'crm_attribute', ...args);

/** The node's controller status (its socket, seen from the host). */
export async function controller(n: HarnessNode) {
  const c = await IpcClient.connect(ControllerProtocol, { path: n.socket('controller'), name: 'test' });
  try {
    return await c.request('status', {});
  } finally {
    c.close();
  }
}

/** Where the CIB (as this node has it) says each primitive runs. */
export async function placement(n: HarnessNode): Promise<Record<string, string[]>> {
  const r = await cibadmin(n, '-Q');
  if (r.code !== 0) return {};
  const ws = buildWorkingSet(Cib.parse(r.out, 'live'));
  const out: Record<string, string[]> = {};
  for (const rsc of ws.byId.values()) if (rsc.kind === 'primitive') out[rsc.id] = [...rsc.active.keys()].sort();
  return out;
}

/** Whether the scheduler, given this node's CIB, has nothing to do. */
export async function settled(n: HarnessNode): Promise<boolean> {
  const r = await cibadmin(n, '-Q');
  if (r.code !== 0) return false;
  const sim = simulate(r.out, 'live');
  return !transitionGraph(sim.ws, sim.schedule.fenced).actions.some((a) => a.type !== 'pseudo_event');
}

/** The DC among `nodes`, idle with nothing left to do. */
export async function settledDc(nodes: HarnessNode[]): Promise<HarnessNode | undefined> {
  for (const n of nodes) {
    const s = await controller(n).catch(() => undefined);
    if (s?.isDc && !s.current && (await settled(n))) return n;
  }
  return undefined;
}

/** On a failed test: the tail of each node's CRM logs. */
export function dumpCrmLogs(cluster: Cluster | undefined, files = ['controller.log', 'crm.log', 'cib.log', 'executor.log'], lines = 25): void {
  for (const n of cluster?.nodes ?? []) {
    const logs = n.logs();
    for (const f of files) console.error(`--- ${n.name} ${f}\n${(logs[f] ?? '').split('\n').slice(-lines).join('\n')}`);
  }
}

/**
 * One story on one cluster, told in steps (each an it()): a step that fails marks the story
 * failed, so that the end can show the nodes' logs. The set-up sets `failed` itself.
 */
export function storySteps(timeoutMs = 180_000) {
  const story = {
    failed: false,
    step(name: string, fn: () => Promise<void>) {
      it(name, async () => {
        try {
          await fn();
        } catch (e) {
          story.failed = true;
          throw e;
        }
      }, timeoutMs);
    },
  };
  return story;
}
