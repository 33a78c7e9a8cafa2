/**
 * XML for the CIB, agent metadata and every other XML we read: a plain element tree parsed with saxes (a strict, conforming XML parser:
 * well-formedness errors come with line and column) and written back by us, deterministic
 * and Pacemaker-like (two-space indentation, `<tag attr="v"/>` for empty elements).
 * Whitespace between elements is not kept; everything else is — elements, attributes in
 * their order, text, comments — so a round trip keeps what the model does not know.
 */
import { createRequire } from 'node:module';

// saxes is CommonJS: required, not imported, because an ESM import of it runs Node's CommonJS
// export scanner over its source first — a quarter of every command's start-up time.
const { SaxesParser } = createRequire(import.meta.url)('saxes') as typeof import('saxes');

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | { text: string } | { comment: string };

export function isElement(n: XmlNode): n is XmlElement {
  return (n as XmlElement).name !== undefined;
}

export class XmlError extends Error {
  readonly code = 'EXML';
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`${file ?? '(xml)'}${line !== undefined ? `:${line}:${column}` : ''}: ${message}`);
    this.name = 'XmlError';
  }
}

export function parseXml(text: string, file?: string): XmlElement {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let error: XmlError | undefined;
  parser.on('error', (e) => {
    error ??= new XmlError(e.message.replace(/^\d+:\d+: /, ''), file, parser.line, parser.column);
  });
  parser.on('opentag', (tag) => {
    // (Copied key by key: saxes's attribute object has no prototype, which V8 keeps as a slow dictionary.)
    const attrs: Record<string, string> = {};
    const from = tag.attributes as Record<string, string>;
    for (const k in from) attrs[k] = from[k]!;
    const el: XmlElement = { name: tag.name, attrs, children: [] };
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else if (!root) root = el;
    stack.push(el);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => {
    const parent = stack.at(-1);
    if (parent && t.trim() !== '') parent.children.push({ text: t });
  });
  parser.on('cdata', (t) => stack.at(-1)?.children.push({ text: t }));
  parser.on('comment', (c) => stack.at(-1)?.children.push({ comment: c }));
  try {
    parser.write(text).close();
  } catch (e) {
    error ??= new XmlError((e as Error).message, file, parser.line, parser.column);
  }
  if (error) throw error;
  if (!root) throw new XmlError('no root element', file);
  return root;
}

// (Most values need no escaping: one test instead of seven replacements for each.)
const ATTR_SPECIAL = /[&<>"\n\t\r]/;
const TEXT_SPECIAL = /[&<>]/;
const escAttr = (s: string) => (ATTR_SPECIAL.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;').replace(/\r/g, '&#13;') : s);
const escText = (s: string) => (TEXT_SPECIAL.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') : s);

/** Serializes an element; `indent` false gives one line (for digests and the wire). */
export function serializeXml(el: XmlElement, opts: { indent?: boolean } = {}): string {
  const indent = opts.indent ?? true;
  const out: string[] = [];
  const write = (e: XmlElement, depth: number) => {
    const pad = indent ? '  '.repeat(depth) : '';
    let open = `${pad}<${e.name}`;
    for (const [k, v] of Object.entries(e.attrs)) open += ` ${k}="${escAttr(v)}"`;
    if (e.children.length === 0) {
      out.push(`${open}/>`);
      return;
    }
    if (e.children.some((c) => 'text' in c)) {
      // Mixed content is written on one line, as is: indentation would change the text.
      out.push(`${open}>${e.children.map((c) => (isElement(c) ? serializeXml(c, { indent: false }) : 'text' in c ? escText(c.text) : `<!--${c.comment}-->`)).join('')}</${e.name}>`);
      return;
    }
    out.push(`${open}>`);
    for (const c of e.children) {
      if (isElement(c)) write(c, depth + 1);
      else out.push(`${indent ? '  '.repeat(depth + 1) : ''}<!--${(c as { comment: string }).comment}-->`);
    }
    out.push(`${pad}</${e.name}>`);
  };
  write(el, 0);
  return out.join(indent ? '\n' : '') + (indent ? '\n' : '');
}

/** Child elements, optionally of one name. */
export function elements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) if (isElement(c) && (name === undefined || c.name === name)) out.push(c);
  return out;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) if (isElement(c) && c.name === name) return c;
  return undefined;
}

/**
 * Depth-first walk with the path of element names (for error messages). The path is one array
 * that the walk changes as it goes: a visitor that keeps it keeps a copy.
 */
export function walk(el: XmlElement, visit: (e: XmlElement, path: readonly string[]) => void, path: string[] = []): void {
  const stack = [...path];
  const go = (e: XmlElement) => {
    stack.push(e.name);
    visit(e, stack);
    for (const c of e.children) if (isElement(c)) go(c);
    stack.pop();
  };
  go(el);
}

/** A new element (what callers build to write into a CIB). */
export function xmlElement(name: string, attrs: Record<string, string> = {}, children: XmlNode[] = []): XmlElement {
  return { name, attrs, children };
}
