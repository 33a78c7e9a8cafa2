#!/usr/bin/env node
/**
 * crm_shadow — Pacemaker's sandbox: a copy of the cluster's CIB in a file (shadow.NAME under
 * $CIB_shadow_dir, else <stateDir>/cib) that the other commands work on while CIB_shadow=NAME is
 * set (see connectCib), then committed to the cluster — or thrown away.
 *   -c, --create NAME / -e, --create-empty NAME   a copy of the live CIB / an empty one
 *   -r, --reset NAME            the copy made again from the live CIB (--force)
 *   -C, --commit NAME           the copy's configuration replaces the cluster's (--all: the status too)
 *   -D, --delete NAME           the copy removed (--force)
 *   -s, --switch NAME           print how to use another copy
 *   -w, --which / -F, --file / -p, --display / -d, --diff / -E, --edit   about the active copy
 *   -b, --batch                 do not start a shell with CIB_shadow set (create)
 * Exit codes: 0; 1 differences (--diff); 64 usage; 73 the copy exists (without --force); 102 no
 * cluster to copy from or commit to; 105 no such copy.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { EXIT, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { diffChanges, patchset, patchsetOutput } from './patchset.js';
import { connectCib, connectLiveCib, shadowFile } from './protocol.js';
import { emptyCib } from './store.js';
import { parseXml, serializeXml, type XmlElement } from './xml.js';

const usage = `Usage: crm_shadow <query>|<command> [options]
Queries:
  -w, --which                 the active shadow copy (CIB_shadow)
  -p, --display               its contents
  -E, --edit                  edit it with $EDITOR
  -d, --diff                  its changes against the cluster's CIB (a v2 patchset; exit 1 if any)
  -F, --file                  where it is
Commands:
  -c, --create NAME           a shadow copy of the cluster's CIB
  -e, --create-empty NAME     an empty one
  -C, --commit NAME           upload its configuration to the cluster (--all: the status too)
  -D, --delete NAME           remove it (needs --force)
  -r, --reset NAME            make it again from the cluster's CIB (needs --force)
  -s, --switch NAME           print how to switch to another copy
Options:
  -f, --force   -b, --batch (no new shell)   -a, --all   --root DIR
`;

const fail = (msg: string, code: number): never => {
  process.stderr.write(`crm_shadow: ${msg}\n`);
  process.exit(code);
};
const { root, rest } = takeRootOption(process.argv.slice(2));
let command: string | undefined;
let name: string | undefined;
let force = false;
let batch = false;
let all = false;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const eq = a.startsWith('--') ? a.indexOf('=') : -1;
  const opt = eq > 0 ? a.slice(0, eq) : a;
  const value = () => (eq > 0 ? a.slice(eq + 1) : (rest[++i] ?? fail(`${opt} needs a name\n${usage}`, EXIT.USAGE)));
  switch (opt) {
    case '-w': case '--which': command = 'which'; break;
    case '-p': case '--display': command = 'display'; break;
    case '-E': case '--edit': command = 'edit'; break;
    case '-d': case '--diff': command = 'diff'; break;
    case '-F': case '--file': command = 'file'; break;
    case '-c': case '--create': command = 'create'; name = value(); break;
    case '-e': case '--create-empty': command = 'create-empty'; name = value(); break;
    case '-C': case '--commit': command = 'commit'; name = value(); break;
    case '-D': case '--delete': command = 'delete'; name = value(); break;
    case '-r': case '--reset': command = 'reset'; name = value(); break;
    case '-s': case '--switch': command = 'switch'; name = value(); break;
    case '-f': case '--force': force = true; break;
    case '-b': case '--batch': batch = true; break;
    case '-a': case '--all': all = true; break;
    case '-V': case '--verbose': break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (!command) fail(`give a query or a command\n${usage}`, EXIT.USAGE);

/** The active copy's name (CIB_shadow), for the queries. */
const active = (): string => process.env.CIB_shadow || fail('No active shadow configuration defined', EXIT.NOSUCH);
const fileOf = (n: string) => shadowFile(n, root);
const mustExist = (n: string) => {
  if (!existsSync(fileOf(n))) fail(`No shadow copy named '${n}' (${fileOf(n)})`, EXIT.NOSUCH);
  return fileOf(n);
};

/** The cluster's CIB (or CIB_file's), whatever CIB_shadow says. */
async function liveCib(): Promise<XmlElement> {
  const shadow = process.env.CIB_shadow;
  delete process.env.CIB_shadow;
  try {
    const c = await connectCib('crm_shadow', root);
    try {
      return parseXml((await c.request('query', {})).xml);
    } finally {
      c.close();
    }
  } catch (e) {
    return fail(`Could not connect to the CIB: ${(e as Error).message}`, EXIT.DISCONNECT);
  } finally {
    if (shadow !== undefined) process.env.CIB_shadow = shadow;
  }
}

function writeShadow(n: string, cib: XmlElement): void {
  mkdirSync(dirname(fileOf(n)), { recursive: true });
  writeFileSync(fileOf(n), serializeXml(cib, { indent: true }));
}

const howToUse = (n: string) => `  CIB_shadow=${n} ; export CIB_shadow\n`;

switch (command) {
  case 'which':
    process.stdout.write(`${active()}\n`);
    break;
  case 'file':
    process.stdout.write(`${fileOf(active())}\n`);
    break;
  case 'display':
    process.stdout.write(readFileSync(mustExist(active()), 'utf8'));
    break;
  case 'edit': {
    const editor = process.env.EDITOR || process.env.VISUAL || 'vi';
    const r = spawnSync(editor, [mustExist(active())], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
    break;
  }
  case 'diff': {
    const shadow = parseXml(readFileSync(mustExist(active()), 'utf8'));
    const live = await liveCib();
    const changes = diffChanges(live, shadow);
    if (!changes.length) break;
    process.stdout.write(patchsetOutput(patchset(live, shadow, changes)));
    process.exit(1);
    break;
  }
  case 'create':
  case 'create-empty':
  case 'reset': {
    if (command === 'reset') mustExist(name!);
    if (command === 'reset' ? !force : existsSync(fileOf(name!)) && !force) {
      fail(command === 'reset' ? 'The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.' : `A shadow instance '${name}' already exists.\n  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.`, command === 'reset' ? EXIT.USAGE : 73);
    }
    writeShadow(name!, command === 'create-empty' ? emptyCib() : await liveCib());
    if (command === 'reset') {
      process.stdout.write(`The shadow instance '${name}' is now a copy of the active configuration\n`);
      break;
    }
    process.stdout.write(`Setting up shadow instance\nA new shadow instance was created.  To begin using it paste the following into your shell:\n${howToUse(name!)}`);
    if (!batch && process.stdin.isTTY) {
      // A shell with CIB_shadow set, as Pacemaker's crm_shadow starts one.
      const r = spawnSync(process.env.SHELL || '/bin/sh', [], { stdio: 'inherit', env: { ...process.env, CIB_shadow: name! } });
      process.exit(r.status ?? 0);
    }
    break;
  }
  case 'commit': {
    const shadow = parseXml(readFileSync(mustExist(name!), 'utf8'));
    const shadowEnv = process.env.CIB_shadow;
    delete process.env.CIB_shadow;
    let client;
    try {
      client = process.env.CIB_file ? await connectCib('crm_shadow', root) : await connectLiveCib('crm_shadow', root);
    } catch (e) {
      fail(`Could not connect to the CIB: ${(e as Error).message}`, EXIT.DISCONNECT);
    }
    try {
      const live = parseXml((await client!.request('query', {})).xml);
      // The copy's configuration (and, --all, its status) on the cluster's CIB, at a version above both.
      // (A whole CIB without a status: the daemon keeps the cluster's, as it changes meanwhile.)
      const next: XmlElement = { name: 'cib', attrs: { ...live.attrs }, children: shadow.children.filter((c) => all || !('name' in c && c.name === 'status')) };
      const epoch = Math.max(Number(live.attrs.epoch ?? 0), Number(shadow.attrs.epoch ?? 0)) + 1;
      next.attrs.epoch = String(epoch);
      next.attrs.num_updates = '0';
      next.attrs.admin_epoch = String(Math.max(Number(live.attrs.admin_epoch ?? 0), Number(shadow.attrs.admin_epoch ?? 0)));
      await client!.request('replace', { xml: serializeXml(next, { indent: false }) });
    } catch (e) {
      fail(`Could not commit the shadow copy '${name}': ${(e as Error).message}`, EXIT.ERROR);
    } finally {
      client!.close();
      if (shadowEnv !== undefined) process.env.CIB_shadow = shadowEnv;
    }
    break;
  }
  case 'delete':
    mustExist(name!);
    if (!force) fail('The supplied command is considered dangerous.  To prevent accidental destruction of the cluster, the --force flag is required in order to proceed.', EXIT.USAGE);
    rmSync(fileOf(name!));
    if (process.env.CIB_shadow === name) process.stdout.write('Please remember to unset the CIB_shadow variable by pasting the following into your shell:\n  unset CIB_shadow\n');
    break;
  case 'switch':
    mustExist(name!);
    process.stdout.write(`To switch to the named shadow instance, paste the following into your shell:\n${howToUse(name!)}`);
    break;
}
