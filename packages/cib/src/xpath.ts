/**
 * The XPath that people and scripts give cibadmin and crm_* tools: location paths of element
 * steps, absolute (`/cib/configuration/resources`) or with `//` (descendants), `*`, and
 * predicates on attributes and position — `[@id='x']`, `[@name="target-role"]`, `[@id]`,
 * `[@a='x' and @b='y']`, `[@a='x' or @a='y']`, `[not(@a)]`, `[2]`, `[last()]`. Anything else is
 * refused with a message saying so, never guessed at. Pure.
 */
import { isElement, type XmlElement } from '@heartbeat-ts/cluster-glue/client';

export class XPathError extends Error {}

export interface XPathMatch {
  el: XmlElement;
  parent: XmlElement | undefined;
  /** Pacemaker-style path of the match: /cib/configuration/resources/primitive[@id='x']. */
  path: string;
}

type Test = { kind: 'attr'; name: string; value?: string } | { kind: 'not'; test: Test } | { kind: 'and' | 'or'; left: Test; right: Test } | { kind: 'pos'; n: number | 'last' };
interface Step {
  descendant: boolean;
  name: string;
  predicates: Test[];
}

function parsePredicate(src: string, expr: string): Test {
  let i = 0;
  const ws = () => {
    while (src[i] === ' ') i++;
  };
  const fail = (): never => {
    throw new XPathError(`unsupported XPath predicate [${src}] in ${expr} (supported: @attr, @attr='v', and, or, not(), N, last())`);
  };
  const primary = (): Test => {
    ws();
    if (src.startsWith('not(', i)) {
      i += 4;
      const t = or();
      ws();
      if (src[i] !== ')') fail();
      i++;
      return { kind: 'not', test: t };
    }
    if (src[i] === '(') {
      i++;
      const t = or();
      ws();
      if (src[i] !== ')') fail();
      i++;
      return t;
    }
    if (src.startsWith('last()', i)) {
      i += 6;
      return { kind: 'pos', n: 'last' };
    }
    const num = /^\d+/.exec(src.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'pos', n: Number(num[0]) };
    }
    if (src[i] !== '@') fail();
    i++;
    const name = /^[\w:.-]+/.exec(src.slice(i));
    if (!name) fail();
    i += name![0].length;
    ws();
    if (src[i] === '=') {
      i++;
      ws();
      const q = src[i];
      if (q !== "'" && q !== '"') fail();
      const end = src.indexOf(q!, i + 1);
      if (end < 0) fail();
      const value = src.slice(i + 1, end);
      i = end + 1;
      return { kind: 'attr', name: name![0], value };
    }
    return { kind: 'attr', name: name![0] };
  };
  const and = (): Test => {
    let left = primary();
    for (;;) {
      ws();
      if (!src.startsWith('and ', i) && !src.startsWith('and@', i) && !src.startsWith('and(', i)) return left;
      i += 3;
      left = { kind: 'and', left, right: primary() };
    }
  };
  const or = (): Test => {
    let left = and();
    for (;;) {
      ws();
      if (!src.startsWith('or ', i) && !src.startsWith('or@', i) && !src.startsWith('or(', i)) return left;
      i += 2;
      left = { kind: 'or', left, right: and() };
    }
  };
  const t = or();
  ws();
  if (i !== src.length) fail();
  return t;
}

export function parseXPath(expr: string): Step[] {
  const e = expr.trim();
  if (!e.startsWith('/')) throw new XPathError(`XPath ${expr} must start with / or //`);
  const steps: Step[] = [];
  let i = 0;
  while (i < e.length) {
    let descendant = false;
    if (e.startsWith('//', i)) {
      descendant = true;
      i += 2;
    } else if (e[i] === '/') i++;
    else throw new XPathError(`cannot read XPath ${expr} at "${e.slice(i)}"`);
    const name = /^([\w:.-]+|\*)/.exec(e.slice(i));
    if (!name) throw new XPathError(`XPath ${expr}: expected an element name at "${e.slice(i)}" (only element steps are supported)`);
    i += name[0].length;
    const predicates: Test[] = [];
    while (e[i] === '[') {
      let depth = 0;
      let j = i;
      let quote: string | undefined;
      for (; j < e.length; j++) {
        const c = e[j];
        if (quote) {
          if (c === quote) quote = undefined;
        } else if (c === "'" || c === '"') quote = c;
        else if (c === '[') depth++;
        else if (c === ']' && --depth === 0) break;
      }
      if (j >= e.length) throw new XPathError(`XPath ${expr}: unclosed [`);
      predicates.push(parsePredicate(e.slice(i + 1, j).trim(), expr));
      i = j + 1;
    }
    steps.push({ descendant, name: name[0], predicates });
  }
  if (!steps.length) throw new XPathError(`XPath ${expr} selects nothing`);
  return steps;
}

function holds(t: Test, el: XmlElement, pos: number, size: number): boolean {
  switch (t.kind) {
    case 'attr':
      return t.value === undefined ? el.attrs[t.name] !== undefined : el.attrs[t.name] === t.value;
    case 'not':
      return !holds(t.test, el, pos, size);
    case 'and':
      return holds(t.left, el, pos, size) && holds(t.right, el, pos, size);
    case 'or':
      return holds(t.left, el, pos, size) || holds(t.right, el, pos, size);
    case 'pos':
      return t.n === 'last' ? pos === size : pos === t.n;
  }
}

const segment = (el: XmlElement) => (el.attrs.id !== undefined ? `${el.name}[@id='${el.attrs.id}']` : el.name);

/** The elements the XPath selects, in document order. */
export function selectXPath(root: XmlElement, expr: string): XPathMatch[] {
  const steps = parseXPath(expr);
  // The context starts at a virtual document node whose only child is the root.
  let context: XPathMatch[] = [{ el: { name: '#document', attrs: {}, children: [root] }, parent: undefined, path: '' }];
  for (const step of steps) {
    const next: XPathMatch[] = [];
    const seen = new Set<XmlElement>();
    for (const ctx of context) {
      // Candidates per parent, so positions count among siblings as XPath does.
      const groups: XPathMatch[][] = [];
      const visit = (parent: XmlElement, path: string, deep: boolean) => {
        const group: XPathMatch[] = [];
        groups.push(group);
        for (const c of parent.children) {
          if (!isElement(c)) continue;
          const p = `${path}/${segment(c)}`;
          if (step.name === '*' || c.name === step.name) group.push({ el: c, parent: parent.name === '#document' ? undefined : parent, path: p });
          if (deep) visit(c, p, true);
        }
      };
      visit(ctx.el, ctx.path, step.descendant);
      for (let g of groups) {
        for (const pred of step.predicates) {
          const size = g.length;
          g = g.filter((m, idx) => holds(pred, m.el, idx + 1, size));
        }
        for (const m of g) {
          if (!seen.has(m.el)) {
            seen.add(m.el);
            next.push(m);
          }
        }
      }
    }
    context = next;
  }
  if (context.length > 1) {
    const order = new Map<XmlElement, number>();
    let n = 0;
    const number = (el: XmlElement) => {
      order.set(el, n++);
      for (const c of el.children) if (isElement(c)) number(c);
    };
    number(root);
    context.sort((a, b) => order.get(a.el)! - order.get(b.el)!);
  }
  return context;
}
