import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseXml, serializeXml, walk, XmlError } from '../src/xml.js';

const corpus = join(__dirname, '../../../../shared/pacemaker-scheduler/xml');

describe('CIB XML', () => {
  it('round-trips every input of the scheduler corpus, keeping every element and attribute', () => {
    const files = readdirSync(corpus).filter((f) => f.endsWith('.xml'));
    expect(files.length).toBe(799);
    for (const f of files) {
      const text = readFileSync(join(corpus, f), 'utf8');
      const tree = parseXml(text, f);
      const again = parseXml(serializeXml(tree), f);
      expect(again, f).toEqual(tree);
      // Every element and attribute of the input is in the tree.
      let els = 0;
      let attrs = 0;
      walk(tree, (e) => {
        els++;
        attrs += Object.keys(e.attrs).length;
      });
      const inputEls = (text.match(/<[A-Za-z_][^\s/>]*/g) ?? []).length;
      expect(els, f).toBe(inputEls);
      expect(attrs, f).toBeGreaterThan(0);
    }
  });

  it('escapes what must be escaped and keeps text and comments', () => {
    const t = parseXml('<a x="1 &amp; &quot;2&quot; &lt;3&gt;"><!-- note --><b>text &amp; more</b><c/></a>');
    const s = serializeXml(t);
    expect(s).toContain('x="1 &amp; &quot;2&quot; &lt;3&gt;"');
    expect(s).toContain('<!-- note -->');
    expect(s).toContain('<b>text &amp; more</b>');
    expect(parseXml(s)).toEqual(t);
  });

  it('reports malformed XML with file, line and column', () => {
    expect(() => parseXml('<cib>\n  <configuration>\n</cib>', 'cib.xml')).toThrow(XmlError);
    try {
      parseXml('<cib>\n  <configuration>\n</cib>', 'cib.xml');
    } catch (e) {
      expect((e as XmlError).message).toMatch(/^cib\.xml:3:\d+: /);
    }
    expect(() => parseXml('', 'empty.xml')).toThrow(/empty\.xml/);
  });
});
