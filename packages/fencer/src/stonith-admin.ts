#!/usr/bin/env node
/**
 * stonith_admin: the fencer from the command line, with Pacemaker 2.1's flags.
 *   -B, --reboot NODE        fence NODE by rebooting it        -F, --fence NODE   fence NODE off
 *   -U, --unfence NODE       unfence NODE (action on)
 *   -C, --confirm NODE       an operator says NODE is down (recorded as fenced; recovery may go on)
 *   -H, --history NODE|*     the fencing history (of NODE, or all)
 *   -L, --list-registered    the devices the CIB configures
 *   -I, --list-installed     the fence agents installed
 *   -M, --metadata -a AGENT  an agent's meta-data
 *   --output-as text|xml     Pacemaker's XML (api-result) for --history
 *   --root DIR               the node's runtime root
 * Exit codes: 0; 1 the action failed; 64 usage; 102 no fencer on this node; 105 no such agent.
 * Not built yet: --list NODE, --last, --query, --register/--deregister, --validate, json output.
 */
import { EXIT, serializeXml, takeRootOption, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { connectFencer, fenceEventAttrs, fenceEventText } from './protocol.js';

const usage = `Usage: stonith_admin (-B|-F|-U|-C NODE | -H NODE|* | -L | -I | -M -a AGENT) [--output-as text|xml] [--root DIR]
`;
const { root, rest } = takeRootOption(process.argv.slice(2));
let command: { what: string; arg?: string } | undefined;
let agent: string | undefined;
let format: 'text' | 'xml' = 'text';
const request = ['stonith_admin', ...process.argv.slice(2)].join(' ');
const fail = (msg: string, code: number = EXIT.USAGE): never => {
  process.stderr.write(`stonith_admin: ${msg}\n`);
  process.exit(code);
};
const LONG: Record<string, string> = { '--reboot': '-B', '--fence': '-F', '--unfence': '-U', '--confirm': '-C', '--history': '-H', '--list-registered': '-L', '--list-installed': '-I', '--metadata': '-M', '--agent': '-a' };
for (let i = 0; i < rest.length; i++) {
  let a = rest[i]!;
  let inline: string | undefined;
  if (a.startsWith('--') && a.includes('=')) [a, inline] = [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)];
  const flag = LONG[a] ?? a;
  const value = () => inline ?? rest[++i] ?? fail(`${a} needs a value\n${usage}`);
  if (['-B', '-F', '-U', '-C', '-H'].includes(flag)) command = { what: flag, arg: value() };
  else if (flag === '-L' || flag === '-I' || flag === '-M') command = { what: flag };
  else if (flag === '-a') agent = value();
  else if (a === '--output-as') {
    const v = value();
    if (v !== 'text' && v !== 'xml') fail(`--output-as: "${v}" is not one of text, xml`);
    format = v as 'text' | 'xml';
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  } else fail(`unknown or unsupported option ${a}\n${usage}`);
}
if (!command) fail(`say what to do\n${usage}`);
if (command!.what === '-M' && !agent) fail('--metadata needs --agent AGENT');

const fencer = await connectFencer('stonith_admin', root).catch((e: Error) => fail(`Error: the fencer is not running on this node: ${e.message}`, EXIT.DISCONNECT));
try {
  const { what, arg } = command!;
  if (what === '-B' || what === '-F' || what === '-U') {
    const action = what === '-B' ? 'reboot' : what === '-F' ? 'off' : 'on';
    const e = await fencer.request('fence', { target: arg!, action, origin: 'stonith_admin' });
    if (e.status !== 'success') fail(`Couldn't ${action === 'on' ? 'unfence' : 'fence'} ${arg}: ${e.reason ?? 'failed'}`, 1);
  } else if (what === '-C') {
    await fencer.request('confirm', { target: arg!, origin: 'stonith_admin' });
  } else if (what === '-H') {
    const { events } = await fencer.request('history', arg === '*' ? {} : { target: arg! });
    if (format === 'xml') {
      const list = xmlElement('list', { name: 'fencing history', count: String(events.length) }, events.map((e) => xmlElement('fence_event', fenceEventAttrs(e))));
      process.stdout.write(serializeXml(xmlElement('pacemaker-result', { 'api-version': '2.25', request }, [list, xmlElement('status', { code: '0', message: 'OK' })])));
    } else for (const e of events) process.stdout.write(`${fenceEventText(e)}${e.reason ? ` (${e.reason})` : ''}\n`);
  } else if (what === '-L') {
    const { devices } = await fencer.request('devices', {});
    for (const d of devices) process.stdout.write(` ${d.id}\n`);
    process.stdout.write(`${devices.length} fence device${devices.length === 1 ? '' : 's'} found\n`);
  } else if (what === '-I') {
    const { agents } = await fencer.request('installed', {});
    for (const a of agents) process.stdout.write(` ${a}\n`);
    process.stdout.write(`${agents.length} fence device${agents.length === 1 ? '' : 's'} found\n`);
  } else if (what === '-M') {
    try {
      process.stdout.write((await fencer.request('metadata', { agent: agent! })).xml);
    } catch (e) {
      fail((e as Error).message, 105);
    }
  }
} finally {
  fencer.close();
}
