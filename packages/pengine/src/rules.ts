/**
 * Rules in location constraints and attribute sets: `<rule boolean-op score|score-attribute>`
 * with `<expression attribute operation value type>` (lt gt lte gte eq ne defined
 * not_defined; string, integer/number, version), nested rules and `<date_expression>`
 * (lt, gt, in_range with start/end; date_spec is not evaluated and counts as false). Node
 * attributes include #uname, #id, #kind and #is_dc; value-source="param"/"meta" compares with
 * the resource's parameter or meta-attribute; rsc_expression and op_expression (rules of
 * rsc_defaults and op_defaults) test the resource's agent and the operation. Pure.
 */
import { elements, parseCrmDurationMs, type XmlElement } from '@heartbeat-ts/cluster-glue/client';

export interface RuleContext {
  /** The node's attributes (#uname and friends included). */
  attrs: Record<string, string>;
  /** "Now", seconds since the epoch (crm_simulate -t, else the CIB's execution-date, else the clock). */
  now: number;
  /** The agent rsc_expression tests (rules of rsc_defaults/op_defaults). */
  agent?: { class?: string; provider?: string; type?: string };
  /** The operation op_expression tests (rules of op_defaults). */
  op?: { name: string; intervalMs: number };
  /** The resource a location rule is evaluated for (value-source="param"/"meta" read it). */
  rsc?: { params: Record<string, string>; meta: Record<string, string> };
}

function compare(a: string, b: string, type: string): number {
  if (type === 'integer' || type === 'number') {
    // An integer comparison reads the leading integer of each value ("10.4" is 10).
    const x = type === 'integer' ? Number.parseInt(a, 10) : Number(a);
    const y = type === 'integer' ? Number.parseInt(b, 10) : Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return a < b ? -1 : a > b ? 1 : 0;
    return x - y;
  }
  if (type === 'version') {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function expression(e: XmlElement, ctx: RuleContext): boolean {
  const name = e.attrs.attribute ?? '';
  const op = e.attrs.operation ?? 'eq';
  const have = ctx.attrs[name];
  if (op === 'defined') return have !== undefined;
  if (op === 'not_defined') return have === undefined;
  if (have === undefined) return op === 'ne';
  const source = e.attrs['value-source'];
  const want = source === 'param' ? ctx.rsc?.params[e.attrs.value ?? ''] : source === 'meta' ? ctx.rsc?.meta[e.attrs.value ?? ''] : e.attrs.value;
  if (want === undefined) return false;
  // Without a type, ordering comparisons are numeric (Pacemaker: a decimal point makes it a
  // number, else an integer), equality compares strings.
  const type = e.attrs.type ?? (op === 'eq' || op === 'ne' ? 'string' : 'number');
  const c = compare(have, want, type);
  switch (op) {
    case 'lt':
      return c < 0;
    case 'gt':
      return c > 0;
    case 'lte':
      return c <= 0;
    case 'gte':
      return c >= 0;
    case 'eq':
      return c === 0;
    case 'ne':
      return c !== 0;
    default:
      return false;
  }
}

function parseDate(text: string | undefined): number | undefined {
  if (!text) return undefined;
  // ISO 8601 as Pacemaker writes it: "2019-09-20 15:00:00 +00:00", "2019-09-20T15:00:00Z"...
  const normalized = text.trim().replace(/^(\d{4}-\d{2}-\d{2})[ T]/, '$1T').replace(/\s+([+-]\d{2}:?\d{2}|Z)$/, '$1');
  const t = Date.parse(normalized.replace(/(\d{4})-(\d{1,3})$/, '$1-01-01'));
  return Number.isNaN(t) ? undefined : t / 1000;
}

function dateExpression(e: XmlElement, ctx: RuleContext): boolean {
  const op = e.attrs.operation ?? 'in_range';
  const start = parseDate(e.attrs.start);
  const end = parseDate(e.attrs.end);
  if (op === 'gt') return start !== undefined && ctx.now > start;
  if (op === 'lt') return end !== undefined && ctx.now < end;
  if (op === 'in_range') {
    if (start !== undefined && ctx.now < start) return false;
    if (end !== undefined && ctx.now > end) return false;
    return start !== undefined || end !== undefined;
  }
  return false;
}

/** rsc_expression: the resource's class, provider and type, those given must match. */
function rscExpression(e: XmlElement, ctx: RuleContext): boolean {
  if (!ctx.agent) return false;
  return (['class', 'provider', 'type'] as const).every((k) => e.attrs[k] === undefined || e.attrs[k] === ctx.agent![k]);
}

/** op_expression: the operation's name and (if given) interval. */
function opExpression(e: XmlElement, ctx: RuleContext): boolean {
  if (!ctx.op || e.attrs.name !== ctx.op.name) return false;
  return e.attrs.interval === undefined || (parseCrmDurationMs(e.attrs.interval) ?? -1) === ctx.op.intervalMs;
}

/** Whether a rule holds for the context. */
export function ruleHolds(rule: XmlElement, ctx: RuleContext): boolean {
  const kinds = new Set(['expression', 'rule', 'date_expression', 'rsc_expression', 'op_expression']);
  const parts = elements(rule).filter((c) => kinds.has(c.name));
  const test = (c: XmlElement) =>
    c.name === 'expression' ? expression(c, ctx) : c.name === 'rule' ? ruleHolds(c, ctx) : c.name === 'rsc_expression' ? rscExpression(c, ctx) : c.name === 'op_expression' ? opExpression(c, ctx) : dateExpression(c, ctx);
  if (parts.length === 0) return true;
  return (rule.attrs['boolean-op'] ?? 'and').toLowerCase() === 'or' ? parts.some(test) : parts.every(test);
}
