#!/usr/bin/env node
/**
 * crm_verify [-x FILE | -p | -L] [-V]: checks a CIB and says what is wrong, with Pacemaker's
 * exit codes: 0 valid, 78 invalid or with warnings (as Pacemaker 2.1.5 does), 64 usage,
 * 66 cannot read input.
 * 66 cannot read input, 102 the CIB daemon (for -L) is not running. --root DIR as every command.
 */
import { readFileSync } from 'node:fs';
import { EXIT, isOutputFormat, type OutputFormat, parseOutputFormat, takeRootOption, writeResult } from '@heartbeat-ts/cluster-glue/client';
import { queryLiveCib } from './protocol.js';
import { Cib } from './model.js';
import { verifyCib } from './validate.js';
import { XmlError } from './xml.js';

const { root, rest: args } = takeRootOption(process.argv.slice(2));
const verbose = args.filter((a) => /^-V+$/.test(a) || a === '--verbose').length > 0;
let file: string | undefined;
let fromStdin = false;
let live = false;
let format: OutputFormat = 'text';
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--output-as' || a.startsWith('--output-as=')) {
    const f = parseOutputFormat(a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[++i] ?? ''));
    if (!isOutputFormat(f)) {
      process.stderr.write(`crm_verify: ${f}\n`);
      process.exit(EXIT.USAGE);
    }
    format = f as OutputFormat;
  } else if (a === '-x' || a === '--xml-file') file = args[++i];
  else if (a.startsWith('--xml-file=')) file = a.slice(11);
  else if (a === '-p' || a === '--xml-pipe') fromStdin = true;
  else if (a === '-L' || a === '--live-check') live = true;
  else if (/^-V+$/.test(a) || a === '--verbose') continue;
  else if (a === '-h' || a === '--help') {
    console.log('Usage: crm_verify [-x FILE | -p | -L] [-V] [--output-as text|xml|json]\n  -x, --xml-file FILE   check the CIB in FILE\n  -p, --xml-pipe        check the CIB on standard input\n  -L, --live-check      check the running cluster\'s CIB\n  -V, --verbose         show warnings and details');
    process.exit(0);
  } else {
    process.stderr.write(`crm_verify: unknown option ${a} (see --help)\n`);
    process.exit(EXIT.USAGE);
  }
}
if (!file && !fromStdin) live = true;
let text: string;
if (live) {
  try {
    text = await queryLiveCib('crm_verify', root);
  } catch (e) {
    process.stderr.write(`crm_verify: cannot read the live CIB: ${(e as Error).message} (check a file with -x FILE)\n`);
    process.exit(102);
  }
} else {
  try {
    text = fromStdin ? readFileSync(0, 'utf8') : readFileSync(file!, 'utf8');
  } catch (e) {
    process.stderr.write(`crm_verify: cannot read ${fromStdin ? 'standard input' : file}: ${(e as Error).message}\n`);
    process.exit(EXIT.NOINPUT);
  }
}
let issues;
try {
  issues = verifyCib(Cib.parse(text, live ? 'the live CIB' : fromStdin ? '(stdin)' : file));
} catch (e) {
  if (e instanceof XmlError || (e as Error).name === 'CibError') {
    process.stderr.write(`crm_verify: ${(e as Error).message}\ncrm_verify: Errors found during check: config not valid\n`);
    process.exit(EXIT.CONFIG);
  }
  throw e;
}
const errors = issues.filter((i) => i.severity === 'error');
const warnings = issues.filter((i) => i.severity === 'warning');
if (format !== 'text') {
  // (Pacemaker's XML: the status alone; ours lists the problems too, and JSON has them.)
  const code = errors.length || warnings.length ? EXIT.CONFIG : 0;
  writeResult(format, { name: 'crm_verify', version: 1, request: ['crm_verify', ...process.argv.slice(2)].join(' ') }, { xml: [], json: { errors: errors.map((i) => ({ path: i.path, message: i.message })), warnings: warnings.map((i) => ({ path: i.path, message: i.message })) } }, { code, ...(code ? { message: 'Invalid configuration' } : {}) });
  process.exit(code);
}
for (const i of errors) process.stderr.write(`error: ${i.path}: ${i.message}\n`);
if (verbose) for (const i of warnings) process.stderr.write(`warning: ${i.path}: ${i.message}\n`);
if (errors.length) {
  process.stderr.write('crm_verify: Errors found during check: config not valid\n');
  if (!verbose) process.stderr.write('  -V may provide more details\n');
  process.exit(EXIT.CONFIG);
}
if (warnings.length) {
  process.stderr.write('crm_verify: Warnings found during check: config may not be valid\n');
  if (!verbose) process.stderr.write('  -V may provide more details\n');
  process.exit(EXIT.CONFIG);
}
process.exit(EXIT.OK);
