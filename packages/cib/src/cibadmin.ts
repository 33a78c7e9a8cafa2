#!/usr/bin/env node
/**
 * cibadmin — Pacemaker's CIB command, on the cib daemon's socket:
 *   -Q/--query  -C/--create  -M/--modify  -R/--replace  -D/--delete  -E/--erase (--force)
 *   -o/--scope SECTION   -X/--xml-text XML   -x/--xml-file FILE   -p/--xml-pipe
 *   -A/--xpath XPATH (element steps, / and //, attribute and position predicates)
 *   --delete-all (with -D -A)   -l/--local (accepted: every request is local here)
 *   --root DIR as every command.
 * Exit codes as Pacemaker: 0 ok, 64 usage, 65 rejected update, 66 unreadable input,
 * 102 daemon not running, 105 no such object, 108 already exists.
 */
import { readFileSync } from 'node:fs';
import { EXIT, HaError, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectCib } from './protocol.js';

const HELP = `Usage: cibadmin (-Q|-C|-M|-R|-D|-E) [-o SECTION] [-X XML | -x FILE | -p] [-A XPATH]
  -Q, --query      print the CIB, a section (-o) or what an XPath selects (-A)
  -C, --create     add the XML to a section (-o)
  -M, --modify     update the element with the XML's id (attributes and children merged)
  -R, --replace    replace a section, the whole CIB, or the element with the XML's id
  -D, --delete     delete the element with the XML's tag and id, or the first one -A selects
                   (every one with --delete-all)
  -E, --erase      empty the configuration and status (needs --force)
  -o, --scope      crm_config, nodes, resources, constraints, op_defaults, rsc_defaults,
                   fencing-topology, tags, alerts, acls, status
  -X, --xml-text   the XML;  -x, --xml-file FILE;  -p, --xml-pipe (standard input)
  -P, --patch      apply a v2 patchset (crm_diff's) from -X, -x or -p; its source version must be the CIB's
  -A, --xpath      e.g. "//primitive[@id='vip']", "/cib/configuration/crm_config//nvpair[@name='stonith-enabled']"
                   with -M or -R it names the element to change
`;

const { root, rest } = takeRootOption(process.argv.slice(2));
let op: 'query' | 'create' | 'modify' | 'replace' | 'delete' | 'erase' | 'patch' | undefined;
let force = false;
let deleteAll = false;
let scope: string | undefined;
let xml: string | undefined;
let xpath: string | undefined;
const ops: Record<string, typeof op> = { '-Q': 'query', '--query': 'query', '-C': 'create', '--create': 'create', '-M': 'modify', '--modify': 'modify', '-R': 'replace', '--replace': 'replace', '-D': 'delete', '--delete': 'delete', '-E': 'erase', '--erase': 'erase', '-P': 'patch', '--patch': 'patch' };
const die = (code: number, msg: string): never => {
  process.stderr.write(`cibadmin: ${msg}\n`);
  process.exit(code);
};
for (let i = 0; i < rest.length; i++) {
  let a = rest[i]!;
  let val: string | undefined;
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq > 0) {
    val = a.slice(eq + 1);
    a = a.slice(0, eq);
  }
  const arg = () => val ?? rest[++i] ?? die(EXIT.USAGE, `${a} needs a value`);
  if (ops[a]) op = ops[a];
  else if (a === '-o' || a === '--scope') scope = arg();
  else if (a === '-X' || a === '--xml-text') xml = arg();
  else if (a === '-x' || a === '--xml-file') {
    const f = arg();
    try {
      xml = readFileSync(f, 'utf8');
    } catch (e) {
      die(EXIT.NOINPUT, `cannot read ${f}: ${(e as Error).message}`);
    }
  } else if (a === '-p' || a === '--xml-pipe') xml = readFileSync(0, 'utf8');
  else if (a === '-A' || a === '--xpath') xpath = arg();
  else if (a === '-f' || a === '--force') force = true;
  else if (a === '--delete-all') deleteAll = true;
  else if (a === '-l' || a === '--local' || a === '-s' || a === '--sync-call') continue;
  else if (a === '-h' || a === '--help') {
    process.stdout.write(HELP);
    process.exit(0);
  } else die(EXIT.USAGE, `unknown option ${a} (see --help)`);
}
if (!op) die(EXIT.USAGE, 'say what to do: -Q, -C, -M, -R, -D or -P (see --help)');
if (op !== 'query' && op !== 'erase' && op !== 'delete' && !xml) die(EXIT.USAGE, `${op} needs XML: -X, -x or -p`);
if (op === 'delete' && !xml && !xpath) die(EXIT.USAGE, 'delete needs XML (-X, -x, -p) or an XPath (-A)');
if (op === 'create' && !scope) die(EXIT.USAGE, 'create needs a section: -o SECTION');
if (op === 'erase' && !force) die(EXIT.USAGE, 'erasing the whole CIB needs --force');

/**
 * -P: a v2 patchset (crm_diff's, or a management shell's) applied to the CIB as it is — its
 * source version must be the CIB's — and the result written back whole (without the status,
 * which the daemon keeps, unless the patch touches it).
 */
async function applyPatch(c: Awaited<ReturnType<typeof connectCib>>, text: string): Promise<void> {
  const { applyPatchset, PatchError } = await import('./patchset.js');
  const { parseXml, serializeXml, child, elements } = await import('./xml.js');
  let diff;
  try {
    diff = parseXml(text, 'the patch');
  } catch (e) {
    die(65, (e as Error).message);
  }
  if (diff!.name !== 'diff' || diff!.attrs.format !== '2') die(65, 'the patch is not a v2 patchset (<diff format="2">, as crm_diff writes)');
  const cib = parseXml((await c.request('query', {})).xml, 'the CIB');
  const version = child(diff!, 'version');
  const v = (e: { attrs: Record<string, string> }) => ['admin_epoch', 'epoch', 'num_updates'].map((k) => Number(e.attrs[k] ?? 0));
  const cmp = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  // As Pacemaker: a patch must lead from the CIB's version to a newer one (one without a version applies as it is).
  const source = version && child(version, 'source');
  const target = version && child(version, 'target');
  if (target && cmp(v(target), v(cib)) <= 0) die(103, `Update was older than existing configuration: the patch leads to ${v(target).join('.')}, the CIB is at ${v(cib).join('.')}`);
  if (source && cmp(v(source), v(cib)) !== 0) die(EXIT.ERROR, `Application of update diff failed: the patch is from ${v(source).join('.')}, the CIB is at ${v(cib).join('.')}`);
  try {
    applyPatchset(cib, diff!);
  } catch (e) {
    if (e instanceof PatchError) die(EXIT.ERROR, `Application of update diff failed: ${e.message}`);
    throw e;
  }
  // (Then the update counts as one: a configuration change raises the epoch, as Pacemaker's does.)
  const touchesConfig = elements(diff!, 'change').some((ch) => !(ch.attrs.path ?? '').startsWith('/cib/status'));
  if (touchesConfig) {
    cib.attrs.epoch = String(Number(cib.attrs.epoch ?? 0) + 1);
    cib.attrs.num_updates = '0';
  } else cib.attrs.num_updates = String(Number(cib.attrs.num_updates ?? 0) + 1);
  const touchesStatus = elements(diff!, 'change').some((ch) => (ch.attrs.path ?? '').startsWith('/cib/status'));
  if (!touchesStatus) cib.children = cib.children.filter((ch) => !('name' in ch && ch.name === 'status'));
  await c.request('replace', { xml: serializeXml(cib, { indent: false }) });
}

const exitFor = (code: string): number => ({ ENOSUCH: 105, EEXIST: 108, EINVAL: 65, ENOTRUNNING: 102, EACCES: EXIT.INSUFFICIENT_PRIV, ETIMEDOUT: EXIT.TIMEOUT })[code] ?? EXIT.ERROR;
try {
  const c = await connectCib('cibadmin', root);
  const sec = scope as never;
  if (op === 'query') {
    const r = await c.request('query', { ...(scope ? { section: sec } : {}), ...(xpath ? { xpath } : {}) });
    process.stdout.write(r.xml);
  } else if (op === 'create') await c.request('create', { section: sec, xml: xml! });
  else if (op === 'erase') await c.request('erase', {});
  else if (op === 'delete') await c.request('delete', { ...(scope ? { section: sec } : {}), ...(xml ? { xml } : {}), ...(xpath ? { xpath } : {}), ...(deleteAll ? { all: true } : {}) });
  else if (op === 'patch') await applyPatch(c, xml!);
  else await c.request(op!, { ...(scope ? { section: sec } : {}), xml: xml!, ...(xpath ? { xpath } : {}) });
  c.close();
  process.exit(0);
} catch (e) {
  const code = e instanceof HaError ? e.code : 'ERROR';
  die(exitFor(code), code === 'ENOTRUNNING' ? `Could not connect to the CIB: ${(e as Error).message}` : (e as Error).message);
}
