/**
 * Fencing devices as the CIB configures them, the way Pacemaker reads them: every `class="stonith"`
 * primitive is a device running its fence agent (`type`) with its instance attributes as agent
 * options, except Pacemaker's own `pcmk_*` settings:
 * - `pcmk_host_list` (names separated by spaces, commas or semicolons) and `pcmk_host_map`
 *   (`node:port;node:port`, the port the agent is given as `plug` for that node);
 * - `pcmk_host_check`: static-list (the default when either is set), dynamic-list (the agent's
 *   `list` output; the default otherwise), status (the agent's `status` for the node), none
 *   (any node);
 * - `pcmk_reboot_action`/`pcmk_off_action`/`pcmk_on_action` (the agent action to run instead),
 *   `pcmk_delay_base` and `pcmk_delay_max`, `pcmk_<action>_timeout`, `pcmk_<action>_retries`;
 * and the `fencing-topology`: levels per target (`target`, `target-pattern`), tried in `index`
 * order, a level succeeding when every one of its devices does. Pure.
 */
import type { AttributeSet, Cib, Primitive, Resource } from '@heartbeat-ts/cib/client';
import { isElement, parseCrmDurationMs, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { buildWorkingSet, isTrue, locationScoresOf } from '@heartbeat-ts/pengine';

export type HostCheck = 'static-list' | 'dynamic-list' | 'status' | 'none';

export interface FenceDevice {
  id: string;
  /** The fence agent: fence_xvm, fence_ipmilan... */
  agent: string;
  /** Options for the agent (instance attributes without pcmk_*). */
  options: Record<string, string>;
  hostList: string[];
  /** Node → the port (plug) to give the agent. */
  hostMap: Map<string, string>;
  hostCheck: HostCheck;
  /** The agent action for each fencing action (pcmk_<action>_action). */
  actions: Record<string, string>;
  delayBaseMs: number;
  /** pcmk_delay_max: a random delay up to this (ms), on top of the base. */
  delayMaxMs: number;
  /** meta provides=unfencing: a device for unfencing (when any device is, unfencing uses only those). */
  providesUnfencing?: boolean;
  /** Per-action timeouts (pcmk_<action>_timeout), ms. */
  timeoutsMs: Record<string, number>;
  /** Per-action tries within the timeout (pcmk_<action>_retries; the fencer's default 2). */
  retries: Record<string, number>;
}

const split = (v: string | undefined) => (v ?? '').split(/[\s,;]+/).filter(Boolean);

/** The values of attribute sets (the CIB model's), the first set naming a value winning. */
function values(sets: AttributeSet[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const set of sets) for (const nv of set.nvpairs) out[nv.name] ??= nv.value ?? '';
  return out;
}

/** The CIB's fencing devices, in configuration order (disabled ones left out). */
export function fenceDevices(cib: Cib): FenceDevice[] {
  const prims: Primitive[] = [];
  const visit = (r: Resource | undefined): void => {
    if (!r) return;
    if (r.kind === 'primitive') {
      if (r.class === 'stonith') prims.push(r);
    } else if (r.kind === 'group') r.children.forEach(visit);
    else if (r.kind === 'clone' || r.kind === 'master') visit(r.child);
  };
  cib.resources.forEach(visit);
  return prims.flatMap((p) => {
    const meta = values(p.meta);
    if (/^stopped$/i.test(meta['target-role'] ?? '')) return [];
    return [{ ...fenceDevice(p.id, p.type ?? '', values(p.instance)), ...(meta.provides?.toLowerCase() === 'unfencing' ? { providesUnfencing: true } : {}) }];
  });
}

/** A device from its id, agent and parameters (a CIB primitive's instance attributes, or `stonith_admin --register`'s options). */
export function fenceDevice(id: string, agent: string, all: Record<string, string>): FenceDevice {
  const options: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (!k.startsWith('pcmk_')) options[k] = v;
  const hostMap = new Map<string, string>();
  for (const entry of (all.pcmk_host_map ?? '').split(/[;\s]+/).filter(Boolean)) {
    const [node, port] = entry.split(/[:=]/);
    if (node && port) hostMap.set(node, port);
  }
  const hostList = split(all.pcmk_host_list);
  const check = all.pcmk_host_check as HostCheck | undefined;
  const actions: Record<string, string> = {};
  const timeoutsMs: Record<string, number> = {};
  const retries: Record<string, number> = {};
  for (const a of ['reboot', 'off', 'on', 'list', 'status', 'monitor']) {
    if (all[`pcmk_${a}_action`]) actions[a] = all[`pcmk_${a}_action`]!;
    const t = all[`pcmk_${a}_timeout`];
    if (t !== undefined) timeoutsMs[a] = parseCrmDurationMs(t) ?? 60_000;
    const n = Number.parseInt(all[`pcmk_${a}_retries`] ?? '', 10);
    if (Number.isInteger(n) && n >= 1) retries[a] = n;
  }
  return {
    id,
    agent,
    options,
    hostList,
    hostMap,
    hostCheck: check && ['static-list', 'dynamic-list', 'status', 'none'].includes(check) ? check : hostList.length || hostMap.size ? 'static-list' : 'dynamic-list',
    actions,
    delayBaseMs: parseCrmDurationMs(all.pcmk_delay_base ?? '0') ?? 0,
    delayMaxMs: parseCrmDurationMs(all.pcmk_delay_max ?? '0') ?? 0,
    timeoutsMs,
    retries,
  };
}

/**
 * How long to wait before the device acts: pcmk_delay_base, plus a random part up to
 * pcmk_delay_max (so that two nodes fencing each other at once do not both succeed). As
 * Pacemaker 2.1: a base above the max counts as the max.
 */
export function fencingDelayMs(d: FenceDevice, random = Math.random): number {
  if (d.delayMaxMs <= 0) return d.delayBaseMs;
  const base = Math.min(d.delayBaseMs, d.delayMaxMs);
  return base + Math.floor(random() * (d.delayMaxMs - base + 1));
}

/**
 * Where each device may be used, as Pacemaker's fencer decides where to register it: from the
 * device's location constraints alone (rules included) — a node where its score is negative
 * (say `-INFINITY`, the usual "a node does not fence itself with its own switch") does not use
 * it; with symmetric-cluster=false, only nodes a positive constraint names do. Pure.
 */
export function deviceLocations(cib: Cib): (device: string, node: string) => boolean {
  // (Every fencing asks: the working set — the status unpacked — is built only when a location
  // constraint could concern a device; in a symmetric cluster without one, every node may.)
  const symmetric = isTrue(cib.property('symmetric-cluster') ?? 'true');
  if (symmetric && !cib.constraints.some((c) => c.kind === 'rsc_location')) return () => true;
  let ws: ReturnType<typeof buildWorkingSet> | undefined;
  const cache = new Map<string, Map<string, number> | undefined>();
  return (device, node) => {
    ws ??= buildWorkingSet(cib);
    if (!cache.has(device)) cache.set(device, locationScoresOf(ws, device));
    const score = cache.get(device)?.get(node);
    // (A node the CIB does not list yet: as any node without a constraint.)
    return (score ?? (ws.options.symmetric ? 0 : -1)) >= 0;
  };
}

/** Whether the device can fence `target` without asking its agent (undefined: ask it — dynamic-list or status). */
export function canFenceStatically(d: FenceDevice, target: string): boolean | undefined {
  if (d.hostCheck === 'none') return true;
  if (d.hostCheck === 'static-list') return d.hostList.includes(target) || d.hostMap.has(target);
  return undefined;
}

/** Node names in a fence agent's `list` output: the device layer's. */
export { parseAgentList } from '@heartbeat-ts/cluster-glue';

/** The options a device's agent gets to act on `target`: its own, and the port. */
export function agentOptions(d: FenceDevice, target: string): Record<string, string> {
  return { ...d.options, plug: d.hostMap.get(target) ?? target };
}

/** The agent action that performs a fencing action on this device. */
export const agentAction = (d: FenceDevice, action: string) => d.actions[action] ?? action;

/** A level outside the CIB (stonith_admin -r): target as a name, `@PATTERN` or `ATTR=VALUE`. */
export interface ExtraLevel {
  target: string;
  index: number;
  devices: string[];
}

/**
 * The topology for a target with levels registered outside the CIB: the CIB's, plus the others'
 * (a CIB level of the same index wins), in index order. `attrs`: the target's node attributes.
 */
export function topologyWith(cib: Cib, target: string, extra: ExtraLevel[], attrs: Record<string, string> = {}): string[][] {
  const fromCib = cibLevels(cib, target, attrs);
  const taken = new Set(fromCib.map((l) => l.index));
  const matches = (t: string) => (t.startsWith('@') ? safeRegex(t.slice(1))?.test(target) === true : t.includes('=') ? attrs[t.slice(0, t.indexOf('='))] === t.slice(t.indexOf('=') + 1) : t === target);
  const more = extra.filter((l) => !taken.has(l.index) && matches(l.target));
  return [...fromCib, ...more].sort((a, b) => a.index - b.index).map((l) => l.devices);
}

/** The CIB's levels for a target: by name, `target-pattern`, or `target-attribute`/`target-value`. */
function cibLevels(cib: Cib, target: string, attrs: Record<string, string>): { index: number; devices: string[] }[] {
  const topo = cib.section('fencing-topology');
  if (!topo) return [];
  return topo.children
    .filter((c): c is XmlElement => isElement(c) && c.name === 'fencing-level')
    .filter((l) => l.attrs.target === target || (l.attrs['target-pattern'] !== undefined && safeRegex(l.attrs['target-pattern'])?.test(target)) || (l.attrs['target-attribute'] !== undefined && attrs[l.attrs['target-attribute']] === l.attrs['target-value']))
    .map((l) => ({ index: Number(l.attrs.index ?? 0), devices: split(l.attrs.devices) }));
}

/**
 * The fencing topology for a target: its levels in index order, each a list of device ids; an
 * empty list when the CIB has no level for it (then any capable device may fence it). `attrs`:
 * the target's node attributes (for levels by target-attribute/target-value).
 */
export function topologyFor(cib: Cib, target: string, attrs: Record<string, string> = {}): string[][] {
  return topologyWith(cib, target, [], attrs);
}

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** stonith-timeout (default 60 s) unless the device sets a timeout for the action. */
export function actionTimeoutMs(cib: Cib, d: FenceDevice, action: string): number {
  return d.timeoutsMs[action] ?? parseCrmDurationMs(cib.property('stonith-timeout') ?? '60s') ?? 60_000;
}
