/**
 * The constraints crm_resource --move, --ban and --clear work with, named as Pacemaker names
 * them so that either tool clears what the other made: `cli-prefer-RSC` (INFINITY on the target)
 * and `cli-ban-RSC-on-NODE` (-INFINITY); with a lifetime, a rule on `#uname` and a date
 * expression that ends it. Pure.
 */
import type { Cib } from '@heartbeat-ts/cib/client';
import { isElement, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { addDuration, type Duration } from './iso8601-time.js';


function located(id: string, rsc: string, node: string, score: string, lifetime: Duration | undefined, now: Date): XmlElement {
  if (lifetime === undefined) return xmlElement('rsc_location', { id, rsc, role: 'Started', node, score });
  // (The end the calendar's way, as Pacemaker adds a lifetime: a month after Jan 31 is Feb 28.)
  const end = new Date(addDuration(Math.floor(now.getTime() / 1000), lifetime) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return xmlElement('rsc_location', { id, rsc, role: 'Started' }, [
    xmlElement('rule', { id: `${id}-rule`, score, 'boolean-op': 'and' }, [
      xmlElement('expression', { id: `${id}-expr`, attribute: '#uname', operation: 'eq', value: node, type: 'string' }),
      xmlElement('date_expression', { id: `${id}-lifetime`, operation: 'lt', end }),
    ]),
  ]);
}

export function preferConstraint(rsc: string, node: string, lifetime: Duration | undefined, now: Date): XmlElement {
  return located(`cli-prefer-${rsc}`, rsc, node, 'INFINITY', lifetime, now);
}

export function banConstraint(rsc: string, node: string, lifetime: Duration | undefined, now: Date): XmlElement {
  return located(`cli-ban-${rsc}-on-${node}`, rsc, node, '-INFINITY', lifetime, now);
}

/** The ids --clear removes: the move and every ban of the resource (with a node: that node's ban, and the move if it is to that node). */
export function constraintsToClear(cib: Cib, rsc: string, node?: string): string[] {
  const out: string[] = [];
  // The node a constraint names: its node attribute, or its rule's #uname expression.
  const targetOf = (e: XmlElement): string | undefined => {
    if (e.attrs.node !== undefined) return e.attrs.node;
    if (e.name === 'expression' && e.attrs.attribute === '#uname') return e.attrs.value;
    for (const c of e.children) if (isElement(c)) {
      const t = targetOf(c);
      if (t !== undefined) return t;
    }
    return undefined;
  };
  for (const c of cib.section('constraints')?.children ?? []) {
    if (!isElement(c) || c.name !== 'rsc_location') continue;
    const id = c.attrs.id ?? '';
    if (id === `cli-prefer-${rsc}` && (node === undefined || targetOf(c) === node)) out.push(id);
    else if (node === undefined ? id.startsWith(`cli-ban-${rsc}-on-`) : id === `cli-ban-${rsc}-on-${node}`) out.push(id);
  }
  return out;
}
