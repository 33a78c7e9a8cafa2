#!/usr/bin/env node
/**
 * stonith: test a fencing device by hand, as cluster-glue's `stonith` command does — with any
 * fence agent (`fence_*`) or stonith plugin (`null`, `external/ssh`...) the device layer runs:
 *   stonith -L                                  the agents and plugins installed
 *   stonith -t TYPE -n                          its parameters' names
 *   stonith -t TYPE -m                          its meta-data
 *   stonith -t TYPE PARAMS -l                   the nodes it controls
 *   stonith -t TYPE PARAMS -S                   whether the device works (monitor)
 *   stonith -t TYPE PARAMS -T reset|on|off NODE act on a node (reset is a reboot)
 * PARAMS: NAME=VALUE arguments, `-p "V1 V2..."` (values in the order -n lists the names, the
 * last taking the rest),
 * `-F FILE` (NAME=VALUE lines), or `-E` (from OCF_RESKEY_NAME variables). `-s` silent, `-v` the
 * agent's output too, `-W SECONDS` a timeout (default 60), `--fence-agent-path DIR:DIR`.
 * Exit codes: 0 success; 1 the device failed or timed out; 2 usage; 5 no such agent or plugin.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_FENCE_AGENT_DIRS, type FenceAgentDirs, fenceAgentMetadata, fenceAgentWhere, fenceMetadataXml, installedFencing, parseAgentList, resolveFenceAgent, runFencing } from './fence-agent.js';

const usage = `Usage:
  stonith -L
  stonith -t TYPE -n | -m
  stonith -t TYPE {NAME=VALUE... | -p "VALUES" | -F FILE | -E} -l | -S | -T {reset|on|off} NODE
  options: -s (silent) -v (verbose) -W SECONDS (timeout, default 60) --fence-agent-path DIR:DIR
`;
const argv = process.argv.slice(2);
const die = (msg: string, code: number): never => {
  process.stderr.write(`stonith: ${msg}\n`);
  process.exit(code);
};
let type: string | undefined;
let what: 'L' | 'n' | 'm' | 'l' | 'S' | 'T' | undefined;
let target: string | undefined;
let act: string | undefined;
let positional: string | undefined;
let silent = false;
let verbose = false;
let timeoutMs = 60_000;
const params: Record<string, string> = {};
const dirs: FenceAgentDirs = {};
const setWhat = (w: typeof what) => {
  if (what && what !== w) die(`one of -L, -n, -m, -l, -S, -T at a time\n${usage}`, 2);
  what = w;
};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const value = () => argv[++i] ?? die(`${a} needs a value\n${usage}`, 2);
  if (a === '-t') type = value();
  else if (a === '-L' || a === '-n' || a === '-m' || a === '-l' || a === '-S') setWhat(a[1] as typeof what);
  else if (a === '-T') {
    setWhat('T');
    act = value();
    target = argv[++i];
  } else if (a === '-p') positional = value();
  else if (a === '-F') {
    const file = value();
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      die(`-F ${file}: ${(e as Error).message}`, 2);
    }
    for (const line of text.split('\n')) {
      const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) params[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
    }
  } else if (a === '-E') {
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith('OCF_RESKEY_') && v !== undefined) params[k.slice('OCF_RESKEY_'.length)] = v;
  } else if (a === '-s') silent = true;
  else if (a === '-v') verbose = true;
  else if (a === '-W') {
    const s = Number(value());
    if (!(s > 0)) die('-W: a number of seconds above 0', 2);
    timeoutMs = s * 1000;
  } else if (a === '--fence-agent-path') dirs.agentDirs = value().split(':').filter(Boolean);
  else if (a === '-h' || a === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  } else if (/^[\w-]+=/.test(a)) params[a.slice(0, a.indexOf('='))] = a.slice(a.indexOf('=') + 1);
  else die(`unknown argument ${a}\n${usage}`, 2);
}
dirs.agentDirs ??= DEFAULT_FENCE_AGENT_DIRS;

if (what === 'L') {
  process.stdout.write(installedFencing(dirs).map((n) => `${n}\n`).join(''));
  process.exit(0);
}
if (!type) die(`say which agent or plugin: -t TYPE\n${usage}`, 2);
if (!what) die(`say what to do: -n, -m, -l, -S or -T\n${usage}`, 2);
const agent = resolveFenceAgent(type!, dirs) ?? die(`no fence agent or stonith plugin ${type} in ${fenceAgentWhere(dirs)}`, 5);

// The parameters this device takes (not the fencing action or the node).
const own = async () => (await fenceAgentMetadata(agent, timeoutMs)).parameters.map((p) => p.name).filter((n) => !['action', 'plug', 'port', 'nodename'].includes(n));
if (what === 'n' || what === 'm') {
  try {
    if (what === 'm') process.stdout.write(await fenceMetadataXml(agent, timeoutMs));
    else process.stdout.write(`${(await own()).join('  ')}\n`);
    process.exit(0);
  } catch (e) {
    die((e as Error).message, 1);
  }
}
if (positional !== undefined) {
  const names = await own().catch((e: Error) => die(e.message, 1));
  // (As cluster-glue's plugins read it: a value per name, the last name taking the rest — a host list.)
  const values = positional.trim().split(/\s+/);
  for (const [k, n] of names.entries()) {
    const v = k === names.length - 1 ? values.slice(k).join(' ') : values[k];
    if (v) params[n] = v;
  }
}
let action: string;
if (what === 'l') action = 'list';
else if (what === 'S') action = 'monitor';
else {
  const map: Record<string, string> = { reset: 'reboot', reboot: 'reboot', on: 'on', off: 'off' };
  if (!act || !map[act]) die(`-T: reset, on or off\n${usage}`, 2);
  if (!target) die(`-T ${act}: which node?\n${usage}`, 2);
  action = map[act!]!;
  params.plug = target!;
}
const r = await runFencing(agent, action, params, { timeoutMs });
const ok = r.status === 'done' && r.rc === 0;
// (A plugin lists names; a fence agent "port,alias": the ports.)
if (what === 'l' && ok) process.stdout.write(parseAgentList(r.output, { ports: true }).map((n) => `${n}\n`).join(''));
else if (verbose || (!ok && !silent)) process.stderr.write(r.output);
if (!ok && !silent) process.stderr.write(`stonith: ${type} ${action}${target ? ` ${target}` : ''} ${r.status === 'timeout' ? `timed out after ${r.ms} ms` : `failed (rc ${r.rc})`}\n`);
process.exit(ok ? 0 : 1);
