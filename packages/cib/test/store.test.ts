import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CibDisk, loadCib, replayJournal, saveCib } from '../src/persistence.js';
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

describe('copy-on-write updates', () => {
  it('leave the CIB a reader holds as it was, and share what they did not change', () => {
    const s = new CibStore();
    s.create('resources', x('<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="d1-m"><nvpair id="d1-t" name="target-role" value="Started"/></meta_attributes></primitive>'));
    s.create('resources', dummy('d2'));
    const held = s.current;
    const text = serializeXml(held);
    s.modify(x('<meta_attributes id="d1-m"><nvpair id="d1-t" value="Stopped"/><nvpair id="d1-x" name="x" value="1"/></meta_attributes>'));
    s.replace(x('<primitive id="d2" class="ocf" provider="pacemaker" type="Dummy"/>'));
    s.delete(x('<primitive id="d2"/>'), 'resources');
    expect(serializeXml(held)).toBe(text);
    expect(s.xml()).toContain('<nvpair id="d1-t" name="target-role" value="Stopped"/>');
    // The status section, untouched, is the same object in both.
    const status = (r: typeof held) => r.children.find((c) => 'name' in c && c.name === 'status');
    expect(status(s.current)).toBe(status(held));
    // A patchset applied copy-on-write (a replica) leaves the tree it had alone too.
    const now = s.xml();
    const replica = new CibStore(parseXml(now));
    const had = replica.current;
    const c = s.modify(x('<primitive id="d1" description="web"/>'));
    replica.applyPatch('modify', c.patchset);
    expect(serializeXml(had)).toBe(now);
    expect(replica.xml()).toBe(s.xml());
  });
});

describe('the CIB journal', () => {
  it('replays the changes made since the CIB file was written, and stops at a torn line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-cib-journal-'));
    try {
      const s = new CibStore();
      saveCib(dir, s.current);
      const disk = new CibDisk(dir, () => s.current, { snapshotEvery: 1000, idleMs: 60_000 });
      s.onChange((c) => disk.record(c));
      s.create('resources', dummy('d1'));
      s.create('resources', dummy('d2'));
      s.modify(x('<primitive id="d2" description="two"/>'));
      // (The daemon is killed here: the file is as it was at the start, the journal has 3 changes.)
      const again = new CibStore(loadCib(dir)!.root);
      expect(replayJournal(dir, again)).toEqual({ replayed: 3, problems: [] });
      expect(again.version).toBe(s.version);
      expect(again.xml()).toBe(s.xml());
      // A snapshot writes the file and empties the journal; a torn line after it is reported.
      disk.snapshot();
      s.create('resources', dummy('d3'));
      appendFileSync(join(dir, 'cib.journal'), '{"op":"create","befo');
      const third = new CibStore(loadCib(dir)!.root);
      const r = replayJournal(dir, third);
      expect(r.replayed).toBe(1);
      expect(r.problems[0]).toMatch(/cib\.journal line 2: not a complete entry/);
      expect(third.cib.resources.map((p) => p.id)).toEqual(['d1', 'd2', 'd3']);
      disk.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
