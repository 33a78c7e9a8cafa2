#!/usr/bin/env node
/**
 * stonith_admin: the fencer from the command line, with Pacemaker 2.1's flags.
 * Fencing:    -B, --reboot NODE   -F, --fence NODE   -U, --unfence NODE
 *             -C, --confirm NODE  (an operator says NODE is down: recovery may go on)
 * Queries:    -l, --list NODE            the devices registered here that can fence NODE
 *             -L, --list-registered      the devices registered here
 *             -I, --list-installed       the fence agents and stonith plugins installed
 *             -s, --list-targets DEVICE  the nodes a device can fence
 *             -M, --metadata -a AGENT    an agent's meta-data
 *             -Q, --query DEVICE         whether a device works (its monitor, else its list)
 *             -H, --history NODE|*       the fencing history   (-q: only the epoch of the last)
 *             -h, --last NODE            when NODE was last fenced
 *             -K, --validate -a AGENT [-o NAME=VALUE]...   the agent's validate-all
 * Devices:    -R, --register DEVICE -a AGENT [-o NAME=VALUE]... [-e NAME]...   (outside the CIB)
 *             -D, --deregister DEVICE
 *             -r, --register-level TARGET -i N -v DEVICE [-v DEVICE]...   (TARGET: NAME, @PATTERN, ATTR=VALUE)
 *             -d, --deregister-level TARGET -i N
 * Options:    -a, --agent AGENT  -o, --option NAME=VALUE  -e, --env-option NAME (OCF_RESKEY_NAME)
 *             -t, --timeout SECONDS (for --reboot/--fence/--unfence)  -T, --tag TAG  -q, --quiet
 *             -y, --delay SECONDS (wait first, on top of the devices' delays)
 *             --tolerance SECONDS (a node fenced that recently is not fenced again)
 *             -c, --cleanup (with --history: forget it, on every node)
 *             -b, --broadcast (the history is the cluster's already)  --output-as text|xml|json
 *             --root DIR
 * Exit codes: 0; 1 failed; 64 usage; 102 no fencer on this node; 105 no such device or agent;
 * 124 timed out. JSON: see the package's README.
 */
import { EXIT, isOutputFormat, OUTPUT_FORMATS, type OutputFormat, parseOutputFormat, takeRootOption, textList, writeResult, xmlElement, type XmlElement, xmlList } from '@heartbeat-ts/cluster-glue/client';
import { connectFencer, type FenceEvent, fenceEventAttrs, fenceEventText, isoZ } from './protocol.js';

const JSON_VERSION = 1;
const usage = `Usage: stonith_admin <command> [options]
Fencing:  -B|--reboot NODE  -F|--fence NODE  -U|--unfence NODE  -C|--confirm NODE
Queries:  -l|--list NODE  -L|--list-registered  -I|--list-installed  -s|--list-targets DEVICE
          -M|--metadata -a AGENT  -Q|--query DEVICE  -H|--history NODE|*  -h|--last NODE
          -K|--validate -a AGENT [-o NAME=VALUE]...
Devices:  -R|--register DEVICE -a AGENT [-o NAME=VALUE]... [-e NAME]...  -D|--deregister DEVICE
          -r|--register-level TARGET -i N -v DEVICE...  -d|--deregister-level TARGET -i N
Options:  -t|--timeout SECONDS  -y|--delay SECONDS  --tolerance SECONDS  -c|--cleanup
          -T|--tag TAG  -q|--quiet  -b|--broadcast
          --output-as ${OUTPUT_FORMATS.join('|')}  --root DIR  --help
`;
const { root, rest } = takeRootOption(process.argv.slice(2));
const request = ['stonith_admin', ...process.argv.slice(2)].join(' ');
const COMMANDS: Record<string, string> = { '--reboot': '-B', '--fence': '-F', '--unfence': '-U', '--confirm': '-C', '--list': '-l', '--list-registered': '-L', '--list-installed': '-I', '--list-targets': '-s', '--metadata': '-M', '--query': '-Q', '--history': '-H', '--last': '-h', '--validate': '-K', '--register': '-R', '--deregister': '-D', '--register-level': '-r', '--deregister-level': '-d' };
const WITH_ARG = new Set(['-B', '-F', '-U', '-C', '-l', '-s', '-Q', '-H', '-h', '-R', '-D', '-r', '-d']);
const OPTIONS: Record<string, string> = { '--agent': '-a', '--option': '-o', '--env-option': '-e', '--timeout': '-t', '--tag': '-T', '--quiet': '-q', '--broadcast': '-b', '--verbose': '-V', '--index': '-i', '--device': '-v', '--delay': '-y', '--cleanup': '-c' };

let command: { flag: string; arg?: string } | undefined;
let agent: string | undefined;
let format: OutputFormat = 'text';
let timeoutS: number | undefined;
let tag = 'stonith_admin';
let quiet = false;
let index: number | undefined;
let delayS = 0;
let toleranceS = 0;
let cleanup = false;
const devices: string[] = [];
const params: Record<string, string> = {};

/** Ends the command: the result in the format asked for, the exit code. */
function finish(code: number, out: { text?: string; xml?: XmlElement[]; json?: Record<string, unknown> } = {}, error?: string): never {
  writeResult(format, { name: 'stonith_admin', version: JSON_VERSION, request }, out, { code, ...(error ? { errors: [error] } : {}) });
  process.exit(code);
}
const usageError = (msg: string): never => {
  if (format === 'text') {
    process.stderr.write(`stonith_admin: ${msg}\n${usage}`);
    process.exit(EXIT.USAGE);
  }
  return finish(EXIT.USAGE, {}, `stonith_admin: ${msg}`);
};

// (--output-as first: errors in the other options are reported in that format.)
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const v = a === '--output-as' ? rest[i + 1] : a.startsWith('--output-as=') ? a.slice('--output-as='.length) : undefined;
  if (v === undefined) continue;
  const f = parseOutputFormat(v);
  if (!isOutputFormat(f)) usageError(f);
  format = f as OutputFormat;
}
for (let i = 0; i < rest.length; i++) {
  let a = rest[i]!;
  let inline: string | undefined;
  if (a.startsWith('--') && a.includes('=')) [a, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
  else if (/^-[a-zA-Z].+/.test(a) && !a.startsWith('--')) [a, inline] = [a.slice(0, 2), a.slice(2)];
  const value = () => inline ?? rest[++i] ?? usageError(`${a} needs a value`);
  const flag = COMMANDS[a] ?? OPTIONS[a] ?? a;
  if (a === '--output-as') {
    value();
  } else if (a === '--help' || a === '-?') {
    process.stdout.write(usage);
    process.exit(0);
  } else if (Object.values(COMMANDS).includes(flag)) {
    if (command) usageError(`one command at a time (${command.flag} and ${flag})`);
    command = WITH_ARG.has(flag) ? { flag, arg: value() } : { flag };
  } else if (flag === '-a') agent = value();
  else if (flag === '-o') {
    const kv = value();
    const eq = kv.indexOf('=');
    if (eq <= 0) usageError(`--option "${kv}": give NAME=VALUE`);
    params[kv.slice(0, eq)] = kv.slice(eq + 1);
  } else if (flag === '-e') {
    const name = value();
    const env = process.env[`OCF_RESKEY_${name}`];
    if (env === undefined) usageError(`--env-option ${name}: OCF_RESKEY_${name} is not set`);
    params[name] = env!;
  } else if (flag === '-t') {
    const t = Number(value());
    if (!Number.isInteger(t) || t <= 0) usageError('--timeout: a whole number of seconds above 0');
    timeoutS = t;
  } else if (flag === '-i') {
    const n = Number(value());
    if (!Number.isInteger(n) || n < 1 || n > 9) usageError('--index: a level from 1 to 9');
    index = n;
  } else if (flag === '-v') devices.push(value());
  else if (flag === '-y' || a === '--tolerance') {
    const n = Number(value());
    if (!Number.isInteger(n) || n < 0) usageError(`${a}: a whole number of seconds`);
    if (flag === '-y') delayS = n;
    else toleranceS = n;
  } else if (flag === '-c') cleanup = true;
  else if (flag === '-T') tag = value();
  else if (flag === '-q') quiet = true;
  else if (flag === '-b' || flag === '-V') {
    // (The history is the cluster's already; more detail is in the fencer's log.)
  } else usageError(`unknown or unsupported option ${a}`);
}
if (!command) usageError('say what to do');
const { flag, arg } = command!;
if ((flag === '-M' || flag === '-K' || flag === '-R') && !agent) usageError(`${flag} needs --agent AGENT`);
if ((flag === '-r' || flag === '-d') && index === undefined) usageError(`${flag} needs --index N`);
if (flag === '-r' && !devices.length) usageError('--register-level needs one --device or more');
if (cleanup && flag !== '-H') usageError('--cleanup goes with --history');

const fencer = await connectFencer(tag, root, timeoutS ? timeoutS * 1000 + 5000 : undefined).catch((e: Error) => finish(EXIT.DISCONNECT, {}, `stonith_admin: the fencer is not running on this node: ${e.message}`));
/** The exit code for a fencer's error: 105 no such thing, 124 timed out, else 1. */
const exitFor = (e: unknown) => {
  const code = (e as { code?: string }).code;
  return code === 'ENOENT' ? EXIT.NOSUCH : code === 'ETIMEDOUT' ? EXIT.TIMEOUT : EXIT.ERROR;
};
const failed = (e: unknown) => finish(exitFor(e), {}, `stonith_admin: ${(e as Error).message}`);
const eventJson = (e: FenceEvent) => ({ ...e, completed: isoZ(e.completed) });

try {
  if (flag === '-B' || flag === '-F' || flag === '-U') {
    const action = flag === '-B' ? 'reboot' : flag === '-F' ? 'off' : 'on';
    // --tolerance: fenced that recently (the same action, successfully), it is not fenced again.
    if (toleranceS > 0) {
      const recent = (await fencer.request('history', { target: arg! })).events.filter((e) => e.status === 'success' && e.action === action && Date.now() - e.completed <= toleranceS * 1000).at(-1);
      if (recent) finish(EXIT.OK, { xml: [xmlElement('fence_event', fenceEventAttrs(recent))], json: { event: eventJson(recent), tolerated: true } });
    }
    const e = await fencer.request('fence', { target: arg!, action, origin: tag, ...(delayS > 0 ? { delayMs: delayS * 1000 } : {}) }, timeoutS ? { timeoutMs: (timeoutS + delayS) * 1000 } : {}).catch((err: Error & { code?: string }) => {
      if (err.code === 'ETIMEDOUT') finish(EXIT.TIMEOUT, {}, `Couldn't ${action === 'on' ? 'unfence' : 'fence'} ${arg}: no result within ${timeoutS} s (the fencer goes on)`);
      throw err;
    });
    const event = { xml: [xmlElement('fence_event', fenceEventAttrs(e))], json: { event: eventJson(e) } };
    if (e.status !== 'success') finish(EXIT.ERROR, event, `Couldn't ${action === 'on' ? 'unfence' : 'fence'} ${arg}: ${e.reason ?? 'failed'}`);
    finish(EXIT.OK, event);
  }
  if (flag === '-C') {
    const e = await fencer.request('confirm', { target: arg!, origin: tag });
    finish(EXIT.OK, { xml: [xmlElement('fence_event', fenceEventAttrs(e))], json: { event: eventJson(e) } });
  }
  if (flag === '-H' && cleanup) {
    const { removed } = await fencer.request('history-clear', arg === '*' ? {} : { target: arg! });
    finish(EXIT.OK, { text: quiet ? '' : `cleaning up fencing-history${arg === '*' ? '' : ` for node ${arg}`}\n`, json: { target: arg, removed } });
  }
  if (flag === '-r' || flag === '-d') {
    await (flag === '-r' ? fencer.request('register-level', { target: arg!, index: index!, devices }) : fencer.request('deregister-level', { target: arg!, index: index! })).catch((e: Error) =>
      finish(exitFor(e), {}, `Can't ${flag === '-r' ? 'register' : 'unregister'} topology level ${index} for ${arg}: ${e.message}`),
    );
    finish(EXIT.OK, { json: { target: arg, index, ...(flag === '-r' ? { devices } : {}), registered: flag === '-r' } });
  }
  if (flag === '-H' || flag === '-h') {
    const { events } = await fencer.request('history', arg === '*' ? {} : { target: arg! });
    const last = events.filter((e) => e.status === 'success').at(-1);
    if (flag === '-h') {
      const when = last ? new Date(last.completed) : undefined;
      // (ctime's form, as Pacemaker prints it.)
      const ctime = when?.toString().replace(/^(\w{3}) (\w{3}) (\d\d) (\d{4}) ([\d:]{8}).*$/, (_, d, m, day, y, t) => `${d} ${m} ${String(Number(day)).padStart(2)} ${t} ${y}`);
      finish(EXIT.OK, {
        text: last ? `Node ${arg} last fenced at: ${ctime}\n` : `Node ${arg} has never been fenced\n`,
        xml: last ? [xmlElement('last-fenced', { target: arg!, when: isoZ(last.completed) })] : [],
        json: { target: arg, lastFenced: last ? isoZ(last.completed) : null },
      });
    }
    if (quiet && format === 'text') finish(EXIT.OK, { text: last ? `${Math.floor(last.completed / 1000)}\n` : '' });
    finish(EXIT.OK, {
      text: events.map((e: FenceEvent) => `${fenceEventText(e)}${e.reason ? ` (${e.reason})` : ''}\n`).join(''),
      xml: [xmlElement('list', { name: 'fencing history', count: String(events.length) }, events.map((e) => xmlElement('fence_event', fenceEventAttrs(e))))],
      json: { history: events.map(eventJson) },
    });
  }
  if (flag === '-L' || flag === '-l') {
    const { devices } = await fencer.request('devices', flag === '-l' ? { target: arg! } : {});
    const ids = devices.map((d) => d.id);
    finish(EXIT.OK, { text: textList(ids, 'fence device', 'fence devices'), xml: [xmlList('registered fence devices', ids, 'device')], json: { devices } });
  }
  if (flag === '-I') {
    const { agents } = await fencer.request('installed', {});
    finish(EXIT.OK, { text: textList(agents, 'fence device', 'fence devices'), xml: [xmlList('installed fence devices', agents, 'device')], json: { agents } });
  }
  if (flag === '-s') {
    const { targets } = await fencer.request('targets', { device: arg! });
    finish(EXIT.OK, { text: textList(targets, 'fence target', 'fence targets'), xml: [xmlList('fence targets', targets)], json: { device: arg, targets } });
  }
  if (flag === '-M') {
    const { xml } = await fencer.request('metadata', { agent: agent! });
    // (Pacemaker prints the meta-data as it is, whatever the format.)
    if (format === 'text') finish(EXIT.OK, { text: xml.endsWith('\n') ? xml : `${xml}\n` });
    finish(EXIT.OK, { xml: [xmlElement('metadata', {}, [{ text: xml }])], json: { agent, metadata: xml } });
  }
  if (flag === '-Q') {
    const r = await fencer.request('query', { device: arg! });
    finish(r.ok ? EXIT.OK : EXIT.ERROR, { xml: [], json: { device: arg, ok: r.ok, output: r.output } }, r.ok ? undefined : `stonith_admin: ${arg} does not answer: ${r.output.trim().slice(0, 300)}`);
  }
  if (flag === '-K') {
    const r = await fencer.request('validate', { agent: agent!, params });
    const ok = r.rc === 0;
    const line = `Validation of ${agent} ${ok ? 'succeeded' : 'failed'}\n`;
    const text = quiet ? '' : `${line}${r.output}${r.output && !r.output.endsWith('\n') ? '\n' : ''}`;
    const command = xmlElement('command', { code: String(r.rc) }, r.output ? [xmlElement('output', { source: 'stdout' }, [{ text: r.output }])] : []);
    finish(ok ? EXIT.OK : EXIT.ERROR, { text, xml: [xmlElement('validate', { agent: agent!, valid: String(ok) }, [command])], json: { agent, valid: ok, rc: r.rc, output: r.output } });
  }
  if (flag === '-R') {
    await fencer.request('register', { id: arg!, agent: agent!, params }).catch((e: Error) => finish(exitFor(e), {}, `Can't register device ${arg} using agent ${agent}: ${e.message}`));
    finish(EXIT.OK, { json: { device: arg, agent, registered: true } });
  }
  if (flag === '-D') {
    await fencer.request('deregister', { id: arg! }).catch((e: Error) => finish(exitFor(e), {}, `Can't unregister device ${arg}: ${e.message}`));
    finish(EXIT.OK, { json: { device: arg, registered: false } });
  }
} catch (e) {
  failed(e);
} finally {
  fencer.close();
}

