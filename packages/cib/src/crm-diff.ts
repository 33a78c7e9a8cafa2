#!/usr/bin/env node
/**
 * crm_diff — Pacemaker's: the differences between two CIBs (or any two XML documents) as a v2
 * patchset (`<diff format="2">`), or a patchset applied to a CIB.
 *   -o, --original FILE / -O, --original-string XML   the original
 *   -n, --new FILE / -N, --new-string XML             the new one: print the patchset
 *   -p, --patch FILE                                  apply the patchset to the original: print the result
 *   -s, --stdin                                       the new one (or the patch) on standard input
 *   -c, --cib                                         compare as CIBs: the versions and a digest of the new one
 *   -u, --no-version                                  without the version changes
 * Exit codes (Pacemaker's): 0 no differences (or the patch applied), 1 differences found, 64
 * usage, 66 unreadable input, 65 the patch does not apply.
 */
import { readFileSync } from 'node:fs';
import { EXIT, serializeXml, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { applyPatchset, cibDigest, diffChanges, PatchError, patchset, patchsetOutput } from './patchset.js';
import { parseXml } from './xml.js';

const usage = `Usage: crm_diff -o FILE|-O XML (-n FILE|-N XML|-p PATCH|-s) [-c] [-u]
  -o, --original FILE          the original XML
  -O, --original-string XML
  -n, --new FILE               the new XML: print the differences as a v2 patchset
  -N, --new-string XML
  -p, --patch FILE             apply the patchset in FILE to the original: print the result
  -s, --stdin                  read the new XML (or, with -p -, the patch) from standard input
  -c, --cib                    compare as CIBs (versions, and a digest of the result)
  -u, --no-version             leave the version changes out
`;

const argv = process.argv.slice(2);
let original: { file?: string; text?: string } | undefined;
let next: { file?: string; text?: string } | undefined;
let patch: string | undefined;
let stdin = false;
let asCib = false;
let noVersion = false;
const fail = (msg: string, code: number): never => {
  process.stderr.write(`crm_diff: ${msg}\n`);
  process.exit(code);
};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const eq = a.startsWith('--') ? a.indexOf('=') : -1;
  const name = eq > 0 ? a.slice(0, eq) : a;
  const value = () => (eq > 0 ? a.slice(eq + 1) : (argv[++i] ?? fail(`${name} needs a value\n${usage}`, EXIT.USAGE)));
  switch (name) {
    case '-o': case '--original': original = { file: value() }; break;
    case '-O': case '--original-string': original = { text: value() }; break;
    case '-n': case '--new': next = { file: value() }; break;
    case '-N': case '--new-string': next = { text: value() }; break;
    case '-p': case '--patch': patch = value(); break;
    case '-s': case '--stdin': stdin = true; break;
    case '-c': case '--cib': asCib = true; break;
    case '-u': case '--no-version': noVersion = true; break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (!original) fail(`give the original: -o FILE or -O XML\n${usage}`, EXIT.USAGE);
if (!next && !patch && !stdin) fail(`give the new XML (-n, -N, -s) or a patch (-p)\n${usage}`, EXIT.USAGE);

const read = (what: { file?: string; text?: string }, label: string): XmlElement => {
  let text: string;
  try {
    text = what.text ?? (what.file === '-' ? readFileSync(0, 'utf8') : readFileSync(what.file!, 'utf8'));
  } catch (e) {
    return fail(`cannot read the ${label} ${what.file}: ${(e as Error).message}`, 66);
  }
  try {
    return parseXml(text, what.file ?? label);
  } catch (e) {
    return fail(`the ${label} is not XML: ${(e as Error).message}`, 66);
  }
};
const before = read(original!, 'original');

if (patch !== undefined) {
  const diff = read({ file: stdin && patch === '-' ? '-' : patch }, 'patch');
  try {
    applyPatchset(before, diff);
  } catch (e) {
    if (e instanceof PatchError) fail(`the patch does not apply: ${e.message}`, 65);
    throw e;
  }
  process.stdout.write(`${serializeXml(before, { indent: true }).trimEnd()}\n`);
  process.exit(0);
}

const after = read(next ?? { file: '-' }, 'new XML');
const changes = diffChanges(before, after);
if (!changes.length) process.exit(0);
const diff = patchset(before, after, changes);
if (noVersion) diff.children = diff.children.filter((c) => !('name' in c && c.name === 'version'));
if (asCib) diff.attrs.digest = cibDigest(after);
process.stdout.write(patchsetOutput(diff));
process.exit(1);
