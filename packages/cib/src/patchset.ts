/**
 * Differences between two CIBs as Pacemaker's v2 patchset (`<diff format="2">`): a `<version>`
 * with source and target versions, then `<change>`s — `create` (the new element, its parent's
 * path and position), `delete` (path), `modify` (path, the attributes set and unset, and the
 * element's attributes after) — with paths like
 * `/cib/configuration/resources/primitive[@id='d1']`. Children are matched by tag and id (by
 * tag and order when they have none). Also applies such a patchset to a tree. Pure.
 */
import { createHash } from 'node:crypto';
import { isElement, serializeXml, type XmlElement, type XmlNode } from '@heartbeat-ts/cluster-glue/client';
import { selectXPath } from './xpath.js';

const clone = (e: XmlElement): XmlElement => ({ name: e.name, attrs: { ...e.attrs }, children: e.children.map((c) => (isElement(c) ? clone(c) : { ...c })) });
const seg = (e: XmlElement) => (e.attrs.id !== undefined ? `${e.name}[@id='${e.attrs.id}']` : e.name);
const el = (name: string, attrs: Record<string, string>, children: XmlNode[] = []): XmlElement => ({ name, attrs, children });

function keyed(parent: XmlElement): Map<string, { el: XmlElement; index: number }> {
  const m = new Map<string, { el: XmlElement; index: number }>();
  const count = new Map<string, number>();
  let index = 0;
  for (const c of parent.children) {
    if (!isElement(c)) continue;
    let k: string;
    if (c.attrs.id !== undefined) k = `${c.name}#${c.attrs.id}`;
    else {
      const n = count.get(c.name) ?? 0;
      count.set(c.name, n + 1);
      k = `${c.name}@${n}`;
    }
    m.set(k, { el: c, index: index++ });
  }
  return m;
}

const textOf = (e: XmlElement) =>
  e.children
    .filter((c) => !isElement(c))
    .map((c) => ('text' in c ? `t${c.text}` : `c${(c as { comment: string }).comment}`))
    .join('\u0000');

/**
 * Whether `b`'s children are `a`'s, each element in its place or replaced there by one of the
 * same name and id — what a copy-on-write update of elements leaves: then the children pair by
 * position, without matching them by key (a set of many nvpairs is not indexed at each update).
 */
function inPlace(a: XmlElement, b: XmlElement): boolean {
  if (a.children.length !== b.children.length) return false;
  for (let i = 0; i < a.children.length; i++) {
    const x = a.children[i]!;
    const y = b.children[i]!;
    if (x === y) continue;
    const ex = isElement(x);
    if (ex !== isElement(y)) return false;
    if (ex && ((x as XmlElement).name !== (y as XmlElement).name || (x as XmlElement).attrs.id !== (y as XmlElement).attrs.id)) return false;
  }
  return true;
}

function diffInto(a: XmlElement, b: XmlElement, path: string, out: XmlElement[]): void {
  // (A subtree shared by both trees — copy-on-write — has not changed.)
  if (a === b) return;
  const changes: XmlElement[] = [];
  for (const [k, v] of Object.entries(b.attrs)) if (a.attrs[k] !== v) changes.push(el('change-attr', { name: k, operation: 'set', value: v }));
  for (const k of Object.keys(a.attrs)) if (!(k in b.attrs)) changes.push(el('change-attr', { name: k, operation: 'unset' }));
  if (textOf(a) !== textOf(b)) {
    // Text is not patched piecewise: the element is replaced.
    out.push(el('change', { operation: 'delete', path }));
    const parentPath = path.slice(0, path.lastIndexOf('/'));
    out.push(el('change', { operation: 'create', path: parentPath || '/', position: '0' }, [clone(b)]));
    return;
  }
  if (changes.length) out.push(el('change', { operation: 'modify', path }, [el('change-list', {}, changes), el('change-result', {}, [el(b.name, { ...b.attrs })])]));
  if (inPlace(a, b)) {
    for (let i = 0; i < b.children.length; i++) {
      const x = a.children[i]!;
      const y = b.children[i]!;
      if (x !== y && isElement(x) && isElement(y)) diffInto(x, y, `${path}/${seg(y)}`, out);
    }
    return;
  }
  const ka = keyed(a);
  const kb = keyed(b);
  for (const [k, { el: c }] of ka) if (!kb.has(k)) out.push(el('change', { operation: 'delete', path: `${path}/${seg(c)}` }));
  for (const [k, { el: c, index }] of kb) {
    const old = ka.get(k);
    if (!old) out.push(el('change', { operation: 'create', path, position: String(index) }, [clone(c)]));
    else diffInto(old.el, c, `${path}/${seg(c)}`, out);
  }
}

/** The changes from `before` to `after` (just the `<change>` elements). */
export function diffChanges(before: XmlElement, after: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  diffInto(before, after, `/${after.name}`, out);
  return out;
}

const versionAttrs = (e: XmlElement) => ({ admin_epoch: e.attrs.admin_epoch ?? '0', epoch: e.attrs.epoch ?? '0', num_updates: e.attrs.num_updates ?? '0' });

/** A v2 patchset document for the given changes between two versions. */
export function patchset(before: XmlElement, after: XmlElement, changes: XmlElement[] = diffChanges(before, after)): XmlElement {
  return el('diff', { format: '2' }, [el('version', {}, [el('source', versionAttrs(before)), el('target', versionAttrs(after))]), ...changes]);
}

export class PatchError extends Error {}

const STEP = /^([A-Za-z_][\w.-]*)(?:\[@id='([^']*)'\])?$/;

/**
 * The elements along a simple patch path (`/cib/configuration/resources/primitive[@id='x']`:
 * names, each with at most an id), root first; undefined for any other XPath, or no match.
 */
function simplePath(root: XmlElement, path: string): XmlElement[] | undefined {
  const steps = path.split('/').slice(1);
  if (!steps.length || steps[0] !== root.name) return undefined;
  const chain = [root];
  for (const step of steps.slice(1)) {
    const m = STEP.exec(step);
    if (!m) return undefined;
    const parent = chain[chain.length - 1]!;
    const next = parent.children.find((c): c is XmlElement => isElement(c) && c.name === m[1] && (m[2] === undefined ? c.attrs.id === undefined : c.attrs.id === m[2]));
    if (!next) return undefined;
    chain.push(next);
  }
  return chain;
}

/** Whether every change of the patchset has a simple path (so it can be applied copy-on-write). */
export function simplePatch(diff: XmlElement): boolean {
  return diff.children.every((c) => !isElement(c) || c.name !== 'change' || (c.attrs.path ?? '').split('/').slice(1).every((st) => STEP.test(st)));
}

/**
 * Applies a v2 patchset to `root` in place (the source version must match); throws PatchError.
 * `copyOnWrite`: `root` is a copy of its own that shares its children with the tree it was
 * copied from; the elements changed, and those above them, are copied before they change, so
 * that tree stays as it was (only for simplePatch() patchsets).
 */
export function applyPatchset(root: XmlElement, diff: XmlElement, opts: { copyOnWrite?: boolean } = {}): void {
  if (diff.name !== 'diff' || diff.attrs.format !== '2') throw new PatchError('not a format 2 <diff>');
  const version = diff.children.find((c): c is XmlElement => isElement(c) && c.name === 'version');
  const source = version?.children.find((c): c is XmlElement => isElement(c) && c.name === 'source');
  if (source) {
    const have = versionAttrs(root);
    if (have.admin_epoch !== source.attrs.admin_epoch || have.epoch !== source.attrs.epoch || have.num_updates !== source.attrs.num_updates) {
      throw new PatchError(`the patch applies to ${source.attrs.admin_epoch}.${source.attrs.epoch}.${source.attrs.num_updates}, this CIB is ${have.admin_epoch}.${have.epoch}.${have.num_updates}`);
    }
  }
  const find = (path: string): { el: XmlElement; parent: XmlElement | undefined } => {
    if (opts.copyOnWrite) {
      const chain = simplePath(root, path);
      if (!chain) throw new PatchError(`${path} matches no element`);
      for (let i = 1; i < chain.length; i++) {
        const parent = chain[i - 1]!;
        const own: XmlElement = { name: chain[i]!.name, attrs: { ...chain[i]!.attrs }, children: [...chain[i]!.children] };
        parent.children[parent.children.indexOf(chain[i]!)] = own;
        chain[i] = own;
      }
      return { el: chain[chain.length - 1]!, parent: chain[chain.length - 2] };
    }
    const m = selectXPath(root, path);
    if (m.length !== 1) throw new PatchError(`${path} matches ${m.length} elements`);
    return { el: m[0]!.el, parent: m[0]!.parent };
  };
  for (const c of diff.children) {
    if (!isElement(c) || c.name !== 'change') continue;
    const path = c.attrs.path ?? '';
    switch (c.attrs.operation) {
      case 'create': {
        const target = find(path).el;
        const node = c.children.find(isElement);
        if (!node) throw new PatchError(`create at ${path} has no element`);
        const pos = Number(c.attrs.position ?? -1);
        const elems = target.children.filter(isElement);
        const before = pos >= 0 && pos < elems.length ? target.children.indexOf(elems[pos]!) : target.children.length;
        target.children.splice(before, 0, clone(node));
        break;
      }
      case 'delete': {
        const { el: e, parent } = find(path);
        if (!parent) throw new PatchError('cannot delete the root');
        parent.children.splice(parent.children.indexOf(e), 1);
        break;
      }
      case 'modify': {
        const target = find(path).el;
        const list = c.children.find((x): x is XmlElement => isElement(x) && x.name === 'change-list');
        for (const a of list?.children ?? []) {
          if (!isElement(a)) continue;
          if (a.attrs.operation === 'set') target.attrs[a.attrs.name!] = a.attrs.value ?? '';
          else if (a.attrs.operation === 'unset') delete target.attrs[a.attrs.name!];
        }
        break;
      }
      default:
        throw new PatchError(`unknown change operation ${c.attrs.operation}`);
    }
  }
}

/** Attributes Pacemaker leaves out of a CIB's digest (they change with every write, not the content). */
const DIGEST_FILTERED = ['origin', 'crm-debug-origin', 'cib-last-written', 'update-origin', 'update-client', 'update-user'];

/** A CIB's digest as Pacemaker computes it for a patchset (`<diff digest>`): MD5 of the tree on one line, elements only, without the write-stamp attributes. */
export function cibDigest(root: XmlElement): string {
  const strip = (e: XmlElement): XmlElement => {
    const attrs = { ...e.attrs };
    for (const k of DIGEST_FILTERED) delete attrs[k];
    return { name: e.name, attrs, children: e.children.filter(isElement).map(strip) };
  };
  return createHash('md5').update(serializeXml(strip(root), { indent: false })).digest('hex');
}

/** A patchset as Pacemaker's tools print it (indented; apostrophes escaped as its writer does, the paths being full of them). */
export function patchsetOutput(diff: XmlElement): string {
  return `${serializeXml(diff, { indent: true }).trimEnd().replace(/'/g, '&apos;')}\n`;
}
