/**
 * The CIB in a file, for commands, as Pacemaker's tools do with CIB_file=FILE (or
 * CIB_shadow=NAME: the shadow copy crm_shadow made): the same requests as the CIB daemon's
 * (query, create, modify, replace, delete, erase) on a store loaded from the file, each change
 * written back at once. Nothing else reads the file meanwhile: it is the operator's copy.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { HaError, serializeXml } from '@heartbeat-ts/cluster-glue/client';
import { CibError } from './model.js';
import { CibStore, type Section } from './store.js';
import { parseXml, XmlError } from './xml.js';

type Params = { section?: Section; id?: string; xpath?: string; xml?: string; all?: boolean };

export class CibFile {
  private readonly store: CibStore;

  constructor(readonly file: string) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new HaError('ENOENT', `cannot read the CIB file ${file}: ${(e as Error).message}`);
    }
    try {
      this.store = new CibStore(parseXml(text));
    } catch (e) {
      throw new HaError('EINVAL', `${file}: ${(e as Error).message}`);
    }
  }

  async request(name: string, p: Params): Promise<{ xml?: string; version: string; matches?: number }> {
    try {
      if (name === 'query') {
        if (p.xpath !== undefined) {
          const found = this.store.queryXPath(p.xpath);
          if (!found.length) throw new CibError('ENOSUCH', `nothing matches ${p.xpath}`);
          return { xml: found.length === 1 ? serializeXml(found[0]!) : serializeXml({ name: 'xpath-query', attrs: {}, children: found }), version: this.store.version, matches: found.length };
        }
        return { xml: serializeXml(this.store.query({ ...(p.section ? { section: p.section } : {}), ...(p.id ? { id: p.id } : {}) })), version: this.store.version };
      }
      if (!['create', 'modify', 'replace', 'delete', 'erase'].includes(name)) throw new HaError('EINVAL', `${name}: not a request a CIB file takes`);
      const c = this.store.applyRequest({ op: name as 'create', ...(p.xml !== undefined ? { xml: parseXml(p.xml) } : {}), ...(p.section ? { section: p.section } : {}), ...(p.xpath !== undefined ? { xpath: p.xpath } : {}), ...(p.all ? { all: true } : {}) });
      // (Written whole and renamed into place: a crash never leaves half a file.)
      writeFileSync(`${this.file}.tmp`, this.store.xml({ indent: true }));
      renameSync(`${this.file}.tmp`, this.file);
      return { version: c.after };
    } catch (e) {
      if (e instanceof CibError) throw new HaError(e.code, e.message, e.id ? { id: e.id } : {});
      if (e instanceof XmlError) throw new HaError('EINVAL', e.message);
      throw e;
    }
  }

  close(): void {}
}
