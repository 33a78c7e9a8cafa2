import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCib, saveCib } from '../src/persistence.js';
import { CibStore, compareVersions } from '../src/store.js';
import { parseXml, serializeXml } from '../src/xml.js';

const x = parseXml;
const dummy = (id: string) => x(`<primitive id="${id}" class="ocf" provider="heartbeat" type="Dummy"/>`);

describe('CIB store', () => {
  it('bumps epoch for configuration changes and num_updates for status changes', () => {
    const s = new CibStore();
    expect(s.version).toBe('0.0.0');
    expect(s.create('resources', dummy('d1'))).toMatchObject({ op: 'create', before: '0.0.0', after: '0.1.0' });
    s.create('status', x('<node_state id="1" uname="n1" in_ccm="true"/>'));
    expect(s.version).toBe('0.1.1');
    s.modify(x('<node_state id="1" crmd="online"/>'));
    expect(s.version).toBe('0.1.2');
    s.modify(x('<primitive id="d1" description="a test"/>'));
    expect(s.version).toBe('0.2.0');
    expect(s.query({ id: 'd1' }).attrs.description).toBe('a test');
    s.replace(x('<resources><primitive id="d2" class="lsb" type="x"/></resources>'));
    expect(s.cib.resources.map((r) => r.id)).toEqual(['d2']);
    s.delete(x('<primitive id="d2"/>'));
    expect(s.cib.resources).toEqual([]);
    expect(s.version).toBe('0.4.0');
  });

  it('rejects an update whole and leaves the CIB unchanged', () => {
    const s = new CibStore();
    s.create('resources', dummy('d1'));
    const before = serializeXml(s.query());
    expect(() => s.create('resources', dummy('d1'))).toThrow(/already exists/);
    expect(() => s.create('constraints', x('<rsc_location id="l" rsc="ghost" node="n1" score="10"/>'))).toThrow(/update rejected, the CIB is unchanged: .*rsc "ghost" is not a resource/);
    expect(() => s.modify(x('<primitive id="nope" a="b"/>'))).toThrow(/no <primitive> with id "nope"/);
    expect(() => s.replace(x('<resources><group id="g"><clone id="c"><primitive id="p" class="lsb" type="y"/></clone></group></resources>'))).toThrow(/may contain only primitives/);
    expect(serializeXml(s.query())).toBe(before);
  });

  it('tells subscribers what changed', () => {
    const s = new CibStore();
    const seen: string[] = [];
    s.onChange((c) => seen.push(`${c.op} ${c.before}->${c.after} ${c.paths.join(',')}`));
    s.create('resources', dummy('d1'));
    s.modify(x('<primitive id="d1" description="x"/>'));
    expect(seen).toEqual(["create 0.0.0->0.1.0 /cib/.../resources/primitive[@id='d1']", "modify 0.1.0->0.2.0 /cib/configuration/resources/primitive[@id='d1']"]);
  });

  it('compares versions admin_epoch first', () => {
    expect(compareVersions(x('<cib admin_epoch="1" epoch="0" num_updates="0"/>'), x('<cib admin_epoch="0" epoch="9" num_updates="9"/>'))).toBe(1);
    expect(compareVersions(x('<cib admin_epoch="0" epoch="3" num_updates="1"/>'), x('<cib admin_epoch="0" epoch="3" num_updates="2"/>'))).toBe(-1);
  });
});

describe('CIB on disk', () => {
  it('writes atomically with a digest and numbered backups, and falls back to the last good backup on a flipped byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-cib-'));
    const s = new CibStore();
    for (let i = 1; i <= 3; i++) {
      s.create('resources', dummy(`d${i}`));
      saveCib(dir, s.query());
    }
    expect(readdirSync(dir).sort()).toEqual(['cib-1.raw', 'cib-1.raw.sig', 'cib-2.raw', 'cib-2.raw.sig', 'cib.last', 'cib.xml', 'cib.xml.sig']);
    expect(new CibStore(loadCib(dir)!.root).cib.resources.map((r) => r.id)).toEqual(['d1', 'd2', 'd3']);
    // Flip one byte of the current file: detected, and the newest backup is used.
    const f = join(dir, 'cib.xml');
    const text = readFileSync(f, 'utf8');
    writeFileSync(f, text.replace('d3', 'd4'));
    const loaded = loadCib(dir)!;
    expect(loaded.file).toBe(join(dir, 'cib-2.raw'));
    expect(loaded.problems[0]).toMatch(/cib\.xml: digest mismatch/);
    expect(new CibStore(loaded.root).cib.resources.map((r) => r.id)).toEqual(['d1', 'd2']);
  });
});
