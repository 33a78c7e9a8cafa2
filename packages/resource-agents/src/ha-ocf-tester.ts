#!/usr/bin/env node
/**
 * ha-ocf-tester [-n NAME] [-o NAME=VALUE]... [--ocf-ra-path DIR:DIR] [--json] AGENT
 * Runs an OCF agent (a file path or ocf:PROVIDER:TYPE) through the OCF contract checks.
 * Exit codes: 0 every check passed, 1 some failed, 64 usage.
 */
import { runOcfChecks } from './tester.js';

const usage = 'usage: ha-ocf-tester [-n NAME] [-o NAME=VALUE]... [--ocf-ra-path DIR:DIR] [--timeout MS] [--json] AGENT\n  AGENT: /path/to/agent or ocf:PROVIDER:TYPE\n';
const argv = process.argv.slice(2);
const params: Record<string, string> = {};
let instance: string | undefined;
let agent: string | undefined;
let json = false;
let ocfRaPath: string[] | undefined;
let timeoutMs: number | undefined;
const die = (msg: string): never => {
  process.stderr.write(`ha-ocf-tester: ${msg}\n${usage}`);
  process.exit(64);
};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const val = () => argv[++i] ?? die(`${a} needs a value`);
  if (a === '-n') instance = val();
  else if (a === '-o') {
    const v = val();
    const eq = v.indexOf('=');
    if (eq < 1) die(`-o takes NAME=VALUE, not "${v}"`);
    params[v.slice(0, eq)] = v.slice(eq + 1);
  } else if (a === '--json') json = true;
  else if (a === '--ocf-ra-path') ocfRaPath = val().split(':').filter(Boolean);
  else if (a === '--timeout') timeoutMs = Number(val());
  else if (a === '-h' || a === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  } else if (a.startsWith('-')) die(`unknown option ${a}`);
  else agent = a;
}
if (!agent) die('say which agent');
const results = await runOcfChecks({ agent: agent!, params, ...(instance ? { instance } : {}), ...(ocfRaPath ? { locations: { ocfRaPath } } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
const failed = results.filter((r) => !r.ok);
if (json) process.stdout.write(`${JSON.stringify({ agent, passed: failed.length === 0, results }, null, 2)}\n`);
else {
  for (const r of results) process.stdout.write(`${r.ok ? (r.skipped ? 'skip' : ' ok ') : 'FAIL'}  ${r.check}${r.detail ? `: ${r.detail.replace(/\n/g, '\n        ')}` : ''}\n`);
  process.stdout.write(failed.length ? `${agent}: ${failed.length} of ${results.length} checks failed\n` : `${agent} passed all ${results.length} checks\n`);
}
process.exit(failed.length ? 1 : 0);
