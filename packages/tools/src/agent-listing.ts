/**
 * What crm_resource tells of the installed agents, as Pacemaker 2.1's does — read on this host,
 * without a daemon (`--list-standards`, `--list-ocf-providers`, `--list-agents`,
 * `--list-ocf-alternatives`, `--show-metadata`): the calls management shells make. The OCF path
 * is OCF_RA_PATH's (else `$OCF_ROOT/resource.d`), as for Pacemaker's command.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fenceMetadataXml, installedFencing, resolveFenceAgent } from '@heartbeat-ts/cluster-glue';
import { xmlElement, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { defaultLocations, listAgents, listProviders, parseAgent, runAgent } from '@heartbeat-ts/executor';

/** A listing's result: its lines, its XML, its JSON; or why nothing was found (exit 1 or 105). */
export type Listing = { lines: string[]; xml: XmlElement; json: Record<string, unknown> } | { error: string; code: number };

/** The standards (classes) this host runs: ocf, lsb, service, systemd where it runs, stonith. */
export function standards(): Listing {
  const loc = defaultLocations();
  const list = ['ocf', 'lsb', 'service', ...(loc.systemd ? ['systemd'] : []), 'stonith'];
  return { lines: list, xml: xmlElement('list', { name: 'standards', count: String(list.length) }, list.map((s) => xmlElement('item', {}, [{ text: s }]))), json: { standards: list } };
}

export function ocfProviders(): Listing {
  const list = listProviders(defaultLocations());
  if (!list.length) return { error: 'No OCF providers found', code: 105 };
  return { lines: list, xml: xmlElement('providers', { standard: 'ocf' }, list.map((p) => xmlElement('provider', {}, [{ text: p }]))), json: { standard: 'ocf', providers: list } };
}

/** `--list-agents STD` or `STD:PROVIDER` (ocf): the agents' names, a provider after another. */
export function agents(spec: string): Listing {
  const [std = '', provider] = spec.split(':');
  const loc = defaultLocations();
  let list: string[];
  if (std === 'stonith') list = installedFencing();
  else if (std === 'ocf') list = listAgents(loc, 'ocf', provider).map((a) => a.split(':')[2]!);
  else if (std === 'lsb' || std === 'service') list = listAgents(loc, std).map((a) => a.slice(std.length + 1));
  else list = [];
  if (!list.length) return { error: `No agents found for standard '${spec}'`, code: 1 };
  const attrs = { standard: std, ...(provider ? { provider } : {}) };
  return { lines: list, xml: xmlElement('agents', attrs, list.map((a) => xmlElement('agent', {}, [{ text: a }]))), json: { ...attrs, agents: list } };
}

/** The OCF providers that have an agent of this type. */
export function ocfAlternatives(type: string): Listing {
  const loc = defaultLocations();
  const list = listProviders(loc).filter((p) => loc.ocfRaPath.some((dir) => existsSync(join(dir, p, type))));
  if (!list.length) return { error: `No OCF providers found for ${type}`, code: 105 };
  return { lines: list, xml: xmlElement('providers', { for: type }, list.map((p) => xmlElement('provider', {}, [{ text: p }]))), json: { for: type, providers: list } };
}

/** An agent's meta-data (`ocf:PROVIDER:TYPE`, `lsb:NAME`, `stonith:TYPE`...), as the agent gives it. */
export async function agentMetadata(spec: string): Promise<{ xml: string } | { error: string; code: number }> {
  const failed = `Metadata query for ${spec} failed: No such device or address`;
  if (spec.startsWith('stonith:')) {
    const agent = resolveFenceAgent(spec.slice('stonith:'.length));
    if (!agent) return { error: failed, code: 105 };
    try {
      return { xml: await fenceMetadataXml(agent) };
    } catch {
      return { error: failed, code: 105 };
    }
  }
  let agent;
  try {
    agent = parseAgent(spec);
  } catch (e) {
    return { error: `${spec}: ${(e as Error).message}`, code: 64 };
  }
  // (OCF_RESOURCE_INSTANCE is the agent's type, as Pacemaker runs it for meta-data.)
  const r = await runAgent(agent, 'meta-data', { rsc: agent.type, timeoutMs: 30_000 });
  const start = r.output.indexOf('<');
  if (r.rc !== 0 || start < 0) return { error: failed, code: 105 };
  return { xml: r.output.slice(start) };
}
