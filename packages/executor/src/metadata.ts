/**
 * An agent's meta-data (the OCF `<resource-agent>` document) read into what the executor and
 * the CRM use: its parameters (required, unique, reloadable, default) and actions (default
 * timeouts and intervals). Bad XML or a document that is not agent metadata is an error that
 * names the agent.
 */
import { child, elements, parseCrmDurationMs as parseDurationMs, parseXml, XmlError, type XmlElement } from '@heartbeat-ts/cluster-glue/client';

export interface ParameterInfo {
  name: string;
  required: boolean;
  unique: boolean;
  reloadable: boolean;
  /** Never shown or put into the secure digest (OCF 1.1 `private`). */
  private: boolean;
  type: string;
  default?: string;
  shortdesc: string;
}

export interface ActionInfo {
  name: string;
  timeoutMs?: number;
  intervalMs?: number;
  depth?: number;
  role?: string;
}

export interface AgentMetadata {
  name: string;
  version: string;
  ocfVersion: string;
  shortdesc: string;
  parameters: ParameterInfo[];
  actions: ActionInfo[];
  /** The document as the agent printed it. */
  xml: string;
}

export class MetadataError extends Error {}

const text = (el: XmlElement | undefined): string => (el?.children ?? []).map((c) => ('text' in c ? c.text : '')).join('').trim();

export function parseMetadata(agent: string, xml: string): AgentMetadata {
  let root: XmlElement;
  try {
    root = parseXml(xml, `${agent} meta-data`);
  } catch (e) {
    throw new MetadataError(`${agent}: its meta-data is not XML: ${(e as XmlError).message}`);
  }
  if (root.name !== 'resource-agent') throw new MetadataError(`${agent}: its meta-data is a <${root.name}>, not a <resource-agent> document`);
  const parameters: ParameterInfo[] = [];
  for (const p of elements(child(root, 'parameters') ?? { name: '', attrs: {}, children: [] }, 'parameter')) {
    if (!p.attrs.name) throw new MetadataError(`${agent}: a <parameter> in its meta-data has no name`);
    const content = child(p, 'content');
    parameters.push({
      name: p.attrs.name,
      required: p.attrs.required === '1' || p.attrs.required === 'true',
      unique: p.attrs.unique === '1' || p.attrs.unique === 'true',
      reloadable: p.attrs.reloadable === '1' || p.attrs.reloadable === 'true',
      private: p.attrs.private === '1' || p.attrs.private === 'true',
      type: content?.attrs.type ?? 'string',
      ...(content?.attrs.default !== undefined ? { default: content.attrs.default } : {}),
      shortdesc: text(child(p, 'shortdesc')),
    });
  }
  const actions: ActionInfo[] = [];
  for (const a of elements(child(root, 'actions') ?? { name: '', attrs: {}, children: [] }, 'action')) {
    if (!a.attrs.name) continue;
    const info: ActionInfo = { name: a.attrs.name };
    const t = a.attrs.timeout !== undefined ? parseDurationMs(a.attrs.timeout) : undefined;
    if (t !== undefined) info.timeoutMs = t;
    const i = a.attrs.interval !== undefined ? parseDurationMs(a.attrs.interval) : undefined;
    if (i !== undefined) info.intervalMs = i;
    const depth = a.attrs.depth ?? a.attrs['OCF_CHECK_LEVEL'];
    if (depth !== undefined && /^\d+$/.test(depth)) info.depth = Number(depth);
    if (a.attrs.role) info.role = a.attrs.role;
    actions.push(info);
  }
  return {
    name: root.attrs.name ?? agent,
    version: text(child(root, 'version')) || root.attrs.version || '',
    ocfVersion: text(child(root, 'version')) || '1.0',
    shortdesc: text(child(root, 'shortdesc')),
    parameters,
    actions,
    xml,
  };
}

/** Whether the agent advertises an action. */
export const supports = (m: AgentMetadata, action: string): boolean => m.actions.some((a) => a.name === action);
