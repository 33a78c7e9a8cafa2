/**
 * /etc/ha.d/haresources (heartbeat's v1 resource manager, `crm off`): one resource group per
 * line, "NODE RESOURCE...", a trailing backslash continues the line. A resource is
 * "NAME::arg1::arg2" (a script in /etc/ha.d/resource.d or /etc/init.d, given its args), and a
 * bare IP address stands for IPaddr::ADDRESS.
 */
import { ConfigError } from '@heartbeat-ts/cluster-glue';

export interface HaResource {
  /** Script name, e.g. IPaddr2. */
  agent: string;
  args: string[];
  /** As written, e.g. IPaddr2::10.0.0.10/24/eth0 — heartbeat's resource id. */
  spec: string;
}

export interface ResourceGroup {
  /** Preferred node (lower-case). */
  node: string;
  resources: HaResource[];
  line: number;
}

export function parseResource(spec: string): HaResource {
  if (/^\d+\.\d+\.\d+\.\d+(\/\d+)?/.test(spec)) return { agent: 'IPaddr', args: [spec], spec };
  const [agent, ...args] = spec.split('::');
  return { agent: agent!, args, spec };
}

export function parseHaresources(text: string, file = 'haresources', nodes?: string[]): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let line = raw[i]!.replace(/#.*/, '');
    while (line.trimEnd().endsWith('\\') && i + 1 < raw.length) {
      line = line.trimEnd().slice(0, -1) + ' ' + raw[++i]!.replace(/#.*/, '');
    }
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) continue;
    const node = parts[0]!.toLowerCase();
    if (parts.length < 2) throw new ConfigError(`resource group for ${node} names no resources`, file, start);
    if (nodes && !nodes.includes(node)) throw new ConfigError(`node "${node}" is not declared in ha.cf`, file, start);
    const resources = parts.slice(1).map(parseResource);
    for (const r of resources) {
      if (!/^[A-Za-z0-9_.+-]+$/.test(r.agent)) throw new ConfigError(`bad resource name "${r.agent}" in ${r.spec}`, file, start);
    }
    groups.push({ node, resources, line: start });
  }
  return groups;
}
