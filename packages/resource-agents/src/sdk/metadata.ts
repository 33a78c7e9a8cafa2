/**
 * Meta-data generated from an agent's declaration. The document follows OCF's ra-api-1.dtd
 * (what Debian's ocf-tester validates with xmllint): reload is the 1.0 "reload" action, and
 * a parameter that is not unique is reloadable, which is how Pacemaker reads 1.0 agents.
 */
import type { ActionDecl, AgentDecl, ParamDecl } from './types.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Actions every agent has, with Pacemaker's customary timeouts. */
export function declaredActions(decl: AgentDecl<Record<string, ParamDecl>>): [string, ActionDecl][] {
  const out: [string, ActionDecl][] = [];
  const has = (a: string) => typeof (decl.handlers as unknown as Record<string, unknown>)[a] === 'function';
  const timeout = (a: string, d: string) => decl.actions?.[a]?.timeout ?? d;
  out.push(['start', { timeout: timeout('start', '20s') }]);
  out.push(['stop', { timeout: timeout('stop', '20s') }]);
  for (const [k, v] of Object.entries(decl.actions ?? {})) if (k.startsWith('monitor')) out.push(['monitor', { timeout: '20s', interval: '10s', ...v }]);
  if (!out.some(([n]) => n === 'monitor')) out.push(['monitor', { timeout: '20s', interval: '10s' }]);
  for (const a of ['promote', 'demote', 'notify', 'migrate_to', 'migrate_from']) if (has(a)) out.push([a, { timeout: timeout(a, '20s') }]);
  if (has('reload')) out.push(['reload', { timeout: timeout('reload', '20s') }]);
  out.push(['meta-data', { timeout: '5s' }]);
  out.push(['validate-all', { timeout: timeout('validate-all', '20s') }]);
  return out;
}

export function metadataXml(decl: AgentDecl<Record<string, ParamDecl>>): string {
  const lines = [
    '<?xml version="1.0"?>',
    '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">',
    `<resource-agent name="${esc(decl.name)}" version="${esc(decl.version)}">`,
    '<version>1.0</version>',
    `<longdesc lang="en">\n${esc(decl.longdesc ?? decl.shortdesc)}\n</longdesc>`,
    `<shortdesc lang="en">${esc(decl.shortdesc)}</shortdesc>`,
    '<parameters>',
  ];
  for (const [name, p] of Object.entries(decl.parameters)) {
    const def = p.default === undefined ? '' : ` default="${esc(String(p.default))}"`;
    lines.push(
      `<parameter name="${esc(name)}" unique="${p.unique ? 1 : 0}" required="${p.required ? 1 : 0}">`,
      `<longdesc lang="en">\n${esc(p.longdesc ?? p.shortdesc)}\n</longdesc>`,
      `<shortdesc lang="en">${esc(p.shortdesc)}</shortdesc>`,
      `<content type="${p.type ?? 'string'}"${def} />`,
      '</parameter>',
    );
  }
  lines.push('</parameters>', '<actions>');
  for (const [name, a] of declaredActions(decl)) {
    const attrs = [`name="${name}"`, `timeout="${esc(a.timeout ?? '20s')}"`];
    if (a.interval) attrs.push(`interval="${esc(a.interval)}"`);
    if (a.depth !== undefined) attrs.push(`depth="${a.depth}"`);
    if (a.role) attrs.push(`role="${esc(a.role)}"`);
    lines.push(`<action ${attrs.join(' ')} />`);
  }
  lines.push('</actions>', '</resource-agent>', '');
  return lines.join('\n');
}
