/**
 * Parameter digests, as the CRM records them with each operation (`op-digest`,
 * `op-restart-digest`, `op-secure-digest`), computed as Pacemaker does (cluster-glue's
 * paramDigest; recurring operations also cover CRM_meta_timeout). A changed op-digest means the
 * resource's definition changed; a changed restart digest means the change needs a restart
 * (a change to reloadable parameters only can be applied with reload-agent).
 */
import { paramDigest as paramsDigest } from '@heartbeat-ts/cluster-glue/client';
import type { AgentMetadata } from './metadata.js';

export { paramsDigest };

export interface Digests {
  opDigest: string;
  /** Over the parameters whose change forces a restart; absent without metadata. */
  restartDigest?: string;
  /** The parameters left out of the restart digest (Pacemaker's op-force-restart lists the others). */
  reloadable?: string[];
  /** Without private parameters (passwords), for showing to users. */
  secureDigest?: string;
}

export function digests(params: Record<string, string>, meta?: AgentMetadata): Digests {
  const d: Digests = { opDigest: paramsDigest(params) };
  if (!meta) return d;
  const byName = new Map(meta.parameters.map((p) => [p.name, p]));
  const hasReloadAgent = meta.actions.some((a) => a.name === 'reload-agent');
  const hasReload = meta.actions.some((a) => a.name === 'reload');
  // OCF 1.1: parameters marked reloadable; older agents with "reload": every non-unique parameter.
  const reloadable = (n: string) => {
    const p = byName.get(n);
    if (!p) return false;
    return hasReloadAgent ? p.reloadable : hasReload ? !p.unique : false;
  };
  d.restartDigest = paramsDigest(params, (n) => !reloadable(n));
  d.reloadable = Object.keys(params).filter(reloadable).sort();
  if (meta.parameters.some((p) => p.private)) d.secureDigest = paramsDigest(params, (n) => !byName.get(n)?.private);
  return d;
}
