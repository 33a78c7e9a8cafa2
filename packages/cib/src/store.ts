/**
 * The CIB as a versioned store, the way Pacemaker's based keeps it:
 * - versions `admin_epoch.epoch.num_updates`: a change to the configuration bumps `epoch` and
 *   resets `num_updates`; a change to the status bumps `num_updates`; `admin_epoch` changes
 *   only when an administrator sets it;
 * - operations query, create, modify, replace and delete, on a section or on the element with
 *   an id, each applied to a copy and verified: it applies whole or is rejected whole, and
 *   the CIB is unchanged;
 * - every applied change is reported with the versions before and after and the paths it
 *   touched, for subscribers (diff notifications).
 * Pure: no files, no sockets (persistence.ts writes it, the daemon serves it).
 */
import { Cib, CibError } from './model.js';
import { applyPatchset, diffChanges, PatchError, patchset, simplePatch } from './patchset.js';
import { verifyCib } from './validate.js';
import { child, elements, isElement, parseXml, serializeXml, type XmlElement } from './xml.js';
import { selectXPath, XPathError } from './xpath.js';

export const SECTIONS = ['crm_config', 'nodes', 'resources', 'constraints', 'op_defaults', 'rsc_defaults', 'fencing-topology', 'tags', 'alerts', 'acls', 'status'] as const;
export type Section = (typeof SECTIONS)[number];

export interface CibChange {
  op: CibRequest['op'];
  section?: Section;
  before: string;
  after: string;
  /** Paths of the elements created, modified, replaced or deleted. */
  paths: string[];
  /** What changed, as Pacemaker's v2 patchset (<diff format="2">), version change included. */
  patchset: XmlElement;
}

const patchTexts = new WeakMap<XmlElement, string>();
/** A change's patchset as XML text (without indentation), serialized once for all who send or write it. */
export function patchsetText(c: CibChange): string {
  let t = patchTexts.get(c.patchset);
  if (t === undefined) {
    t = serializeXml(c.patchset, { indent: false });
    patchTexts.set(c.patchset, t);
  }
  return t;
}

/** A patchset parsed from `text` (a replica's, from the master) is written and sent as that text, not serialized again. */
export function parsePatchset(text: string, source: string): XmlElement {
  const el = parseXml(text, source);
  patchTexts.set(el, text);
  return el;
}

/** One update, as clients send it and replication carries it. */
export interface CibRequest {
  op: 'create' | 'modify' | 'replace' | 'delete' | 'erase';
  xml?: XmlElement;
  section?: Section;
  /** The element(s) to modify, replace or delete, instead of the XML's id. */
  xpath?: string;
  /** delete: every element the XPath selects (default: the first). */
  all?: boolean;
}

const clone = (e: XmlElement): XmlElement => ({ name: e.name, attrs: { ...e.attrs }, children: e.children.map((c) => (isElement(c) ? clone(c) : { ...c })) });

export function emptyCib(): XmlElement {
  return parseXml('<cib admin_epoch="0" epoch="0" num_updates="0" validate-with="pacemaker-3.7"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>');
}

export function versionString(root: XmlElement): string {
  return `${root.attrs.admin_epoch ?? 0}.${root.attrs.epoch ?? 0}.${root.attrs.num_updates ?? 0}`;
}

/** Compares two CIBs' versions: which is newer (Pacemaker's rule, admin_epoch first). */
export function compareVersions(a: XmlElement, b: XmlElement): number {
  for (const k of ['admin_epoch', 'epoch', 'num_updates']) {
    const d = Number(a.attrs[k] ?? 0) - Number(b.attrs[k] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function sectionOf(root: XmlElement, section: Section, create = false): XmlElement {
  const parent = section === 'status' ? root : child(root, 'configuration');
  if (!parent) throw new CibError('EINVAL', 'the CIB has no <configuration>');
  let s = child(parent, section);
  if (!s && create) {
    s = { name: section, attrs: {}, children: [] };
    parent.children.push(s);
  }
  if (!s) throw new CibError('ENOSUCH', `section ${section} does not exist`);
  return s;
}

/** Finds the element with `id` (and tag, if given) and its parent. */
function findById(root: XmlElement, id: string, tag?: string): { el: XmlElement; parent: XmlElement; path: string } | undefined {
  const stack: Array<{ el: XmlElement; path: string }> = [{ el: root, path: `/${root.name}` }];
  while (stack.length) {
    const { el, path } = stack.pop()!;
    for (const c of el.children) {
      if (!isElement(c)) continue;
      const p = `${path}/${c.name}`;
      if (c.attrs.id === id && (tag === undefined || c.name === tag)) return { el: c, parent: el, path: `${p}[@id='${id}']` };
      stack.push({ el: c, path: p });
    }
  }
  return undefined;
}

/** A copy of the element itself, sharing its children (copy-on-write along a path). */
const shallow = (e: XmlElement): XmlElement => ({ name: e.name, attrs: { ...e.attrs }, children: [...e.children] });

/** Puts a shallow copy of `parent`'s child `c` in its place and returns it. */
function writableChild(parent: XmlElement, c: XmlElement): XmlElement {
  const copy = shallow(c);
  parent.children[parent.children.indexOf(c)] = copy;
  return copy;
}

/**
 * The element with `id` (and tag) under `top`, ready to be changed: `top` must be a copy of its
 * own; the elements between and the element itself are copied (sharing their children: what
 * changes below is copied by whoever changes it, as merge() does), so the tree the copy was made
 * from stays as it was.
 */
function findForWrite(top: XmlElement, topPath: string, id: string, tag?: string): { el: XmlElement; parent: XmlElement; path: string } | undefined {
  const stack: Array<{ chain: XmlElement[]; path: string }> = [{ chain: [top], path: topPath }];
  while (stack.length) {
    const { chain, path } = stack.pop()!;
    const el = chain[chain.length - 1]!;
    for (const c of el.children) {
      if (!isElement(c)) continue;
      const p = `${path}/${c.name}`;
      if (c.attrs.id === id && (tag === undefined || c.name === tag)) {
        let parent = top;
        for (const a of chain.slice(1)) parent = writableChild(parent, a);
        return { el: writableChild(parent, c), parent, path: `${p}[@id='${id}']` };
      }
      stack.push({ chain: [...chain, c], path: p });
    }
  }
  return undefined;
}

/** A section ready to be changed (see findForWrite): `root` must be a copy of its own. */
function sectionForWrite(root: XmlElement, section: Section, create = false): XmlElement {
  let parent = root;
  if (section !== 'status') {
    const conf = child(root, 'configuration');
    if (!conf) throw new CibError('EINVAL', 'the CIB has no <configuration>');
    parent = writableChild(root, conf);
  }
  const s = child(parent, section);
  if (s) return writableChild(parent, s);
  if (!create) throw new CibError('ENOSUCH', `section ${section} does not exist`);
  const made: XmlElement = { name: section, attrs: {}, children: [] };
  parent.children.push(made);
  return made;
}

const sectionPath = (section: Section) => (section === 'status' ? '/cib/status' : `/cib/configuration/${section}`);

/**
 * Merges `src` into `dst`: attributes set, children matched by tag and id, created if missing.
 * `dst` must be a copy of its own; the children it changes are copied first (copy-on-write).
 */
function merge(dst: XmlElement, src: XmlElement): void {
  for (const [k, v] of Object.entries(src.attrs)) {
    dst.attrs[k] = v;
  }
  for (const c of elements(src)) {
    const existing = elements(dst, c.name).find((d) => (c.attrs.id !== undefined ? d.attrs.id === c.attrs.id : d.attrs.id === undefined));
    if (existing) merge(writableChild(dst, existing), c);
    else dst.children.push(clone(c));
  }
}

export class CibStore {
  private root: XmlElement;
  private readonly listeners = new Set<(c: CibChange) => void>();

  constructor(root: XmlElement = emptyCib()) {
    new Cib(root); // checks the root element
    this.root = root;
  }

  /** Copies of the elements an XPath selects (in document order); EINVAL for XPath we do not support. */
  queryXPath(xpath: string): XmlElement[] {
    return this.select(this.root, xpath).map((m) => clone(m.el));
  }

  private select(root: XmlElement, xpath: string) {
    try {
      return selectXPath(root, xpath);
    } catch (e) {
      if (e instanceof XPathError) throw new CibError('EINVAL', e.message);
      throw e;
    }
  }

  /** A copy of the whole CIB, or of a section, or of the element with an id. */
  query(opts: { section?: Section; id?: string } = {}): XmlElement {
    if (opts.id !== undefined) {
      const f = findById(this.root, opts.id);
      if (!f) throw new CibError('ENOSUCH', `no element with id "${opts.id}"`, opts.id);
      return clone(f.el);
    }
    return clone(opts.section ? sectionOf(this.root, opts.section) : this.root);
  }

  get cib(): Cib {
    return new Cib(this.root);
  }

  /** The live tree, for reading and writing out without a copy; never modify it. */
  get current(): Readonly<XmlElement> {
    return this.root;
  }

  /** The whole CIB as XML text. */
  xml(opts: { indent?: boolean } = {}): string {
    return serializeXml(this.root, opts);
  }

  get version(): string {
    return versionString(this.root);
  }

  /** Takes a whole CIB from the master copy as it is (no version bump, no verification). */
  adopt(root: XmlElement): void {
    new Cib(root);
    this.root = clone(root);
  }

  /** Applies an operation by name (what replication carries). */
  applyOp(op: Exclude<CibRequest['op'], 'erase'>, xml: XmlElement, section?: Section): CibChange {
    return this.applyRequest({ op, xml, ...(section ? { section } : {}) });
  }

  applyRequest(req: CibRequest): CibChange {
    const need = (): XmlElement => req.xml ?? (() => { throw new CibError('EINVAL', `${req.op} needs XML`); })();
    if (req.xpath !== undefined) {
      switch (req.op) {
        case 'delete':
          return this.deleteXPath(req.xpath, req.all ?? false);
        case 'modify':
        case 'replace':
          return this.editXPath(req.op, req.xpath, need());
        default:
          throw new CibError('EINVAL', `${req.op} does not take an XPath`);
      }
    }
    switch (req.op) {
      case 'create':
        if (!req.section) throw new CibError('EINVAL', 'create needs a section');
        return this.create(req.section, need());
      case 'modify':
        return this.modify(need(), req.section);
      case 'replace':
        return this.replace(need(), req.section);
      case 'delete':
        return this.delete(need(), req.section);
      case 'erase':
        return this.erase();
    }
  }

  /**
   * Applies the master's patchset (replication): no verification (the master did it), the
   * source version must be ours and the result must be the target version, or nothing changes.
   */
  applyPatch(op: CibChange['op'], diff: XmlElement): CibChange {
    const before = this.root;
    const cow = simplePatch(diff);
    const next = cow ? shallow(before) : clone(before);
    try {
      applyPatchset(next, diff, { copyOnWrite: cow });
    } catch (e) {
      if (e instanceof PatchError) throw new CibError('EINVAL', e.message);
      throw e;
    }
    const target = child(child(diff, 'version') ?? { name: '', attrs: {}, children: [] }, 'target');
    if (target && versionString(target) !== versionString(next)) throw new CibError('EINVAL', `the patch gives ${versionString(next)}, not its target ${versionString(target)}`);
    this.root = next;
    const change: CibChange = { op, before: versionString(before), after: versionString(next), paths: elements(diff, 'change').map((c) => c.attrs.path ?? ''), patchset: diff };
    for (const l of this.listeners) l(change);
    return change;
  }

  /** Empties the configuration and the status; admin_epoch goes up so the empty CIB wins (cibadmin -E). */
  erase(): CibChange {
    return this.apply('erase', undefined, (root) => {
      const empty = emptyCib();
      root.children = empty.children;
      root.attrs.admin_epoch = String(Number(root.attrs.admin_epoch ?? 0) + 1);
      root.attrs.epoch = '0';
      root.attrs.num_updates = '0';
      return ['/cib'];
    }, true);
  }

  /** Deletes the first element an XPath selects, or all of them; ENOSUCH if none. */
  deleteXPath(xpath: string, all: boolean): CibChange {
    return this.apply('delete', undefined, (root) => {
      const found = this.select(root, xpath);
      if (!found.length) throw new CibError('ENOSUCH', `nothing matches ${xpath}`);
      const gone = all ? found : found.slice(0, 1);
      for (const m of gone) {
        if (!m.parent) throw new CibError('EINVAL', 'the <cib> element itself cannot be deleted (cibadmin -E empties the CIB)');
        m.parent.children.splice(m.parent.children.indexOf(m.el), 1);
      }
      return gone.map((m) => m.path);
    }, true);
  }

  /** modify: merges the XML into the element the XPath selects; replace: puts the XML in its place. */
  private editXPath(op: 'modify' | 'replace', xpath: string, xml: XmlElement): CibChange {
    return this.apply(op, undefined, (root) => {
      const found = this.select(root, xpath);
      if (!found.length) throw new CibError('ENOSUCH', `nothing matches ${xpath}`);
      if (found.length > 1) throw new CibError('EINVAL', `${xpath} matches ${found.length} elements; ${op} needs exactly one`);
      const m = found[0]!;
      if (op === 'modify') merge(m.el, xml);
      else if (!m.parent) throw new CibError('EINVAL', 'replace the whole CIB without an XPath');
      else m.parent.children[m.parent.children.indexOf(m.el)] = clone(xml);
      return [m.path];
    }, true);
  }

  onChange(fn: (c: CibChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Adds `xml` under `section`; EEXIST if its id is taken. */
  create(section: Section, xml: XmlElement): CibChange {
    return this.apply('create', section, (root) => {
      if (xml.attrs.id !== undefined && findById(root, xml.attrs.id)) throw new CibError('EEXIST', `an element with id "${xml.attrs.id}" already exists`, xml.attrs.id);
      const s = sectionForWrite(root, section, true);
      if (xml.name === section) {
        for (const c of elements(xml)) s.children.push(clone(c));
        return [`/cib/.../${section}`];
      }
      s.children.push(clone(xml));
      return [`/cib/.../${section}/${xml.name}${xml.attrs.id ? `[@id='${xml.attrs.id}']` : ''}`];
    });
  }

  /** Updates the element with `xml`'s id (attributes merged, children merged by id); ENOSUCH if absent. */
  modify(xml: XmlElement, section?: Section): CibChange {
    // (Merging into the whole CIB or a whole section works on a deep copy; by id, copy-on-write.)
    const deep = xml.name === 'cib' || xml.attrs.id === undefined;
    return this.apply('modify', section, (root) => {
      if (xml.name === 'cib') {
        merge(root, xml);
        return ['/cib'];
      }
      if (xml.attrs.id === undefined) {
        const s = sectionOf(root, (section ?? xml.name) as Section);
        merge(s, xml.name === s.name ? xml : { name: s.name, attrs: {}, children: [xml] });
        return [`/cib/.../${s.name}`];
      }
      const f = section ? findForWrite(sectionForWrite(root, section), sectionPath(section), xml.attrs.id, xml.name) : findForWrite(root, '/cib', xml.attrs.id, xml.name);
      if (!f) throw new CibError('ENOSUCH', `no <${xml.name}> with id "${xml.attrs.id}" to modify`, xml.attrs.id);
      merge(f.el, xml);
      return [f.path];
    }, deep);
  }

  /** Replaces a whole section, the whole CIB, or the element with `xml`'s id. */
  replace(xml: XmlElement, section?: Section): CibChange {
    return this.apply('replace', section, (root) => {
      if (xml.name === 'cib') {
        const keepStatus = !child(xml, 'status');
        const status = child(root, 'status');
        root.attrs = { ...xml.attrs };
        root.children = xml.children.map((c) => (isElement(c) ? clone(c) : { ...c }));
        if (keepStatus && status) root.children.push(status);
        return ['/cib'];
      }
      if ((SECTIONS as readonly string[]).includes(xml.name)) {
        const s = sectionForWrite(root, xml.name as Section, true);
        s.attrs = { ...xml.attrs };
        s.children = xml.children.map((c) => (isElement(c) ? clone(c) : { ...c }));
        return [`/cib/.../${xml.name}`];
      }
      if (xml.attrs.id === undefined) throw new CibError('EINVAL', `<${xml.name}> has no id to replace`);
      const f = section ? findForWrite(sectionForWrite(root, section), sectionPath(section), xml.attrs.id, xml.name) : findForWrite(root, '/cib', xml.attrs.id, xml.name);
      if (!f) throw new CibError('ENOSUCH', `no <${xml.name}> with id "${xml.attrs.id}" to replace`, xml.attrs.id);
      f.parent.children[f.parent.children.indexOf(f.el)] = clone(xml);
      return [f.path];
    });
  }

  /** Deletes the element with `xml`'s tag and id. */
  delete(xml: XmlElement, section?: Section): CibChange {
    return this.apply('delete', section, (root) => {
      if (xml.attrs.id === undefined) throw new CibError('EINVAL', `<${xml.name}> has no id: say which element to delete`);
      const f = section ? findForWrite(sectionForWrite(root, section), sectionPath(section), xml.attrs.id, xml.name) : findForWrite(root, '/cib', xml.attrs.id, xml.name);
      if (!f) throw new CibError('ENOSUCH', `no <${xml.name}> with id "${xml.attrs.id}" to delete`, xml.attrs.id);
      f.parent.children.splice(f.parent.children.indexOf(f.el), 1);
      return [f.path];
    });
  }

  /**
   * Runs `edit` on a copy, bumps the versions as Pacemaker does, verifies, and swaps the copy
   * in — or throws and leaves the CIB as it was. The copy shares what `edit` does not change
   * (it copies what it changes: findForWrite, sectionForWrite), unless `deep` (edits that change
   * elements in place wherever they are: XPath, merges into a section).
   */
  private apply(op: CibChange['op'], section: Section | undefined, edit: (root: XmlElement) => string[], deep = false): CibChange {
    const before = this.root;
    const next = deep ? clone(before) : shallow(before);
    const paths = edit(next);
    // One walk over both trees gives what changed: the patchset, and whether the configuration did.
    const changes = diffChanges(before, next).filter((c) => c.attrs.path !== '/cib' || c.attrs.operation !== 'modify');
    const configChanged = changes.some((c) => c.attrs.path!.startsWith('/cib/configuration') || (c.attrs.path === '/cib' && c.children.some((x) => isElement(x) && x.name === 'configuration')));
    const adminSet = next.attrs.admin_epoch !== before.attrs.admin_epoch || next.attrs.epoch !== before.attrs.epoch;
    if (!adminSet) {
      if (configChanged) {
        next.attrs.epoch = String(Number(before.attrs.epoch ?? 0) + 1);
        next.attrs.num_updates = '0';
      } else {
        next.attrs.num_updates = String(Number(before.attrs.num_updates ?? 0) + 1);
      }
    }
    const errors = verifyCib(new Cib(next)).filter((i) => i.severity === 'error' && !i.message.startsWith('Resource start-up disabled'));
    if (errors.length) {
      throw new CibError('EINVAL', `update rejected, the CIB is unchanged: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    }
    this.root = next;
    // The root's attribute changes (versions included) as one modify, first, as Pacemaker writes it.
    const rootChange = diffChanges({ ...before, children: [] }, { ...next, children: [] });
    const change: CibChange = { op, ...(section ? { section } : {}), before: versionString(before), after: versionString(next), paths, patchset: patchset(before, next, [...rootChange, ...changes]) };
    for (const l of this.listeners) l(change);
    return change;
  }
}
