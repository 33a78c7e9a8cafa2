#!/usr/bin/env node
/**
 * ha-exec — run and inspect resource agents through the executor daemon (or in this process
 * with --local). See HELP for commands and exit codes.
 */
import { EXIT, HaError, parseCrmDurationMs, runtimePaths, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { CLASSES, listAgents, listProviders } from './agent-classes.js';
import { connectExecutor, execRequestTimeout } from './client.js';
import { Executor, ExecutorError, type OpRecord } from './executor.js';

const HELP = `Usage: ha-exec COMMAND [options]   (--root DIR as every command)
  run AGENT ACTION   run one action, e.g. ha-exec run ocf:heartbeat:Dummy start --param state=/tmp/d.state
      --rsc ID            resource id (default: the agent's type)
      --param NAME=VALUE  a parameter (repeatable);  --meta NAME=VALUE  a meta attribute
      --timeout T         e.g. 20s, 500ms, 1min (default: the agent's meta-data, else 20s)
      --interval T        make it recurring (through the daemon; it keeps running)
      --start-delay T     --check-level N
      --local             run it in this process instead of through the daemon
  cancel RSC ACTION INTERVAL   stop a recurring operation
  forget RSC           cancel the resource's recurring operations and drop its history
  history [RSC]        operation history      recurring   recurring operations in force
  classes | providers | agents [CLASS[:PROVIDER]]      what can be run here
  metadata AGENT       the agent's meta-data XML
  status               executor counters      watch   print results as they are reported
  --json               JSON output

Exit codes: "run" exits with the agent's return code as OCF's (0-9, 190, 191; LSB and others
mapped), or: 64 usage, 65 the agent's meta-data is not valid, 102 the executor is not
running (start it, or use --local), 105 no such agent, 124 the operation timed out,
126 the agent is not executable, 70 any other failure of ha-exec itself.
`;

const EXIT_NO_DAEMON = 102;
const EXIT_NO_AGENT = 105;
const EXIT_TIMEOUT = 124;
const EXIT_NOT_EXECUTABLE = 126;

const { root, rest } = takeRootOption(process.argv.slice(2));
const die = (code: number, msg: string): never => {
  process.stderr.write(`ha-exec: ${msg}\n`);
  process.exit(code);
};
const json = rest.includes('--json');
const args = rest.filter((a) => a !== '--json');
const [cmd, ...more] = args;
if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
  process.stdout.write(HELP);
  process.exit(cmd ? 0 : EXIT.USAGE);
}

const pos: string[] = [];
const params: Record<string, string> = {};
const meta: Record<string, string> = {};
let rsc: string | undefined;
let timeout: number | undefined;
let interval: number | undefined;
let startDelay: number | undefined;
let checkLevel: number | undefined;
let local = false;
const duration = (flag: string, v: string) => parseCrmDurationMs(v) ?? die(EXIT.USAGE, `${flag}: "${v}" is not a duration (20s, 500ms, 1min)`);
const pair = (flag: string, v: string, into: Record<string, string>) => {
  const eq = v.indexOf('=');
  if (eq < 1) die(EXIT.USAGE, `${flag} takes NAME=VALUE, not "${v}"`);
  into[v.slice(0, eq)] = v.slice(eq + 1);
};
for (let i = 0; i < more.length; i++) {
  const a = more[i]!;
  const val = () => more[++i] ?? die(EXIT.USAGE, `${a} needs a value`);
  if (a === '--param' || a === '-p') pair(a, val(), params);
  else if (a === '--meta' || a === '-m') pair(a, val(), meta);
  else if (a === '--rsc' || a === '-r') rsc = val();
  else if (a === '--timeout' || a === '-t') timeout = duration(a, val());
  else if (a === '--interval' || a === '-i') interval = duration(a, val());
  else if (a === '--start-delay') startDelay = duration(a, val());
  else if (a === '--check-level') {
    checkLevel = Number(val());
    if (!Number.isInteger(checkLevel) || checkLevel < 0) die(EXIT.USAGE, '--check-level takes a number');
  } else if (a === '--local' || a === '-l') local = true;
  else if (a.startsWith('-')) die(EXIT.USAGE, `unknown option ${a} (see --help)`);
  else pos.push(a);
}

const paths = runtimePaths(root ? { root } : {});
const print = (v: unknown, human: () => string) => process.stdout.write(json ? `${JSON.stringify(v, null, 2)}\n` : human());
const connect = async () => {
  try {
    return await connectExecutor(paths, { name: 'ha-exec' });
  } catch (e) {
    return die(EXIT_NO_DAEMON, `${(e as Error).message}${cmd === 'run' ? ' (or run it here with --local)' : ''}`);
  }
};
const failCode = (e: unknown): number => {
  const code = e instanceof HaError || e instanceof ExecutorError ? e.code : '';
  if (code === 'ENOTINSTALLED') return EXIT_NO_AGENT;
  if (code === 'EBADMETA') return EXIT.DATAERR;
  if (code === 'EINVAL') return EXIT.USAGE;
  if (code === 'ENOTRUNNING' || code === 'EDISCONNECTED') return EXIT_NO_DAEMON;
  return EXIT.SOFTWARE;
};

const human = (r: OpRecord) => {
  const lines = [`${r.key} (call ${r.callId}): ${r.reason}${r.exitReason ? ` — ${r.exitReason}` : ''} [rc=${r.rc}, ${r.status}, ${r.execMs} ms${r.queueMs ? `, queued ${r.queueMs} ms` : ''}]`];
  if (r.output.trim() && r.action !== 'meta-data') lines.push(...r.output.trimEnd().split('\n').map((l) => `  | ${l}`));
  else if (r.action === 'meta-data') lines.push(r.output.trimEnd());
  return `${lines.join('\n')}\n`;
};

try {
  switch (cmd) {
    case 'run': {
      const [agent, action] = pos;
      if (!agent || !action) die(EXIT.USAGE, 'run needs AGENT and ACTION, e.g. ha-exec run ocf:heartbeat:Dummy start');
      const type = agent!.split(':').pop()!;
      const op = { rsc: rsc ?? type, agent: agent!, action: action!, params, meta };
      let r: OpRecord;
      if (local) {
        if (interval) die(EXIT.USAGE, '--interval needs the daemon (a recurring operation outlives this command)');
        const ex = new Executor({});
        r = await ex.execute({ ...op, ...(timeout !== undefined ? { timeoutMs: timeout } : {}), ...(startDelay !== undefined ? { startDelayMs: startDelay } : {}), ...(checkLevel !== undefined ? { checkLevel } : {}) });
      } else {
        const c = await connect();
        const p = { ...op, ...(interval !== undefined ? { interval } : {}), ...(timeout !== undefined ? { timeout } : {}), ...(startDelay !== undefined ? { startDelay } : {}), ...(checkLevel !== undefined ? { checkLevel } : {}) };
        r = await c.request('exec', p, { timeoutMs: execRequestTimeout(p) });
        c.close();
      }
      print(r, () => human(r));
      if (r.status === 'timeout') process.exit(EXIT_TIMEOUT);
      if (r.status === 'not-installed') {
        process.stderr.write(`ha-exec: ${r.reason}\n`);
        process.exit(r.rc === 4 ? EXIT_NOT_EXECUTABLE : EXIT_NO_AGENT);
      }
      process.exit(r.status === 'done' ? r.rc : 1);
      break;
    }
    case 'cancel': {
      const [r, action, iv] = pos;
      if (!r || !action || !iv) die(EXIT.USAGE, 'cancel needs RSC ACTION INTERVAL');
      const c = await connect();
      const res = await c.request('cancel', { rsc: r!, action: action!, interval: duration('INTERVAL', iv!) });
      print(res, () => (res.cancelled ? `cancelled ${r}_${action}_${duration('INTERVAL', iv!)}\n` : `no such recurring operation\n`));
      process.exit(res.cancelled ? 0 : EXIT_NO_AGENT);
      break;
    }
    case 'forget': {
      if (!pos[0]) die(EXIT.USAGE, 'forget needs RSC');
      const c = await connect();
      const res = await c.request('forget', { rsc: pos[0]! });
      print(res, () => (res.forgotten ? `forgot ${pos[0]}\n` : `${pos[0]} has no history here\n`));
      process.exit(0);
      break;
    }
    case 'history': {
      const c = await connect();
      const res = await c.request('history', pos[0] ? { rsc: pos[0] } : {});
      print(res, () =>
        res.resources
          .map((h) => [`${h.rsc} (${h.agent})`, ...h.ops.map((o) => `  ${o.key}: call ${o.callId}, rc ${o.rc} ${o.status}, ${o.execMs} ms, last run ${new Date(o.lastRun).toISOString()}`), ...(h.lastFailure ? [`  last failure: ${h.lastFailure.key} ${h.lastFailure.reason}`] : [])].join('\n'))
          .join('\n')
          .concat(res.resources.length ? '\n' : ''),
      );
      process.exit(0);
      break;
    }
    case 'recurring': {
      const c = await connect();
      const res = await c.request('recurring', {});
      print(res, () => res.ops.map((o) => `${o.rsc}_${o.action}_${o.intervalMs} (call ${o.callId})\n`).join(''));
      process.exit(0);
      break;
    }
    case 'status': {
      const c = await connect();
      const res = await c.request('status', {});
      print(res, () => `${Object.entries(res).map(([k, v]) => `${k}: ${v}`).join('\n')}\n`);
      process.exit(0);
      break;
    }
    case 'classes':
    case 'providers':
    case 'agents': {
      let out: string[];
      if (local) {
        const ex = new Executor({});
        if (cmd === 'classes') out = [...CLASSES];
        else if (cmd === 'providers') out = listProviders(ex.locations);
        else {
          const [cls, prov] = (pos[0] ?? '').split(':');
          out = listAgents(ex.locations, cls || undefined, prov || undefined);
        }
      } else {
        const c = await connect();
        if (cmd === 'classes') out = (await c.request('classes', {})).classes.map((k) => (json || k.available ? k.name : `${k.name} (unavailable: ${k.note})`));
        else if (cmd === 'providers') out = (await c.request('providers', {})).providers;
        else {
          const [cls, prov] = (pos[0] ?? '').split(':');
          out = (await c.request('agents', { ...(cls ? { class: cls } : {}), ...(prov ? { provider: prov } : {}) })).agents;
        }
      }
      print(out, () => out.map((l) => `${l}\n`).join(''));
      process.exit(0);
      break;
    }
    case 'metadata': {
      if (!pos[0]) die(EXIT.USAGE, 'metadata needs AGENT');
      const xml = local ? (await new Executor({}).metadata(pos[0]!)).xml : (await (await connect()).request('metadata', { agent: pos[0]! })).xml;
      print({ xml }, () => (xml.endsWith('\n') ? xml : `${xml}\n`));
      process.exit(0);
      break;
    }
    case 'watch': {
      const c = await connect();
      await c.subscribe('op', (r) => print(r, () => human(r)));
      break;
    }
    default:
      die(EXIT.USAGE, `unknown command ${cmd} (see --help)`);
  }
} catch (e) {
  die(failCode(e), (e as Error).message);
}
