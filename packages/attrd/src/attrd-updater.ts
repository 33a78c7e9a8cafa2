#!/usr/bin/env node
/**
 * attrd_updater: node attributes through the attribute daemon, with Pacemaker 2.1's flags.
 *   -n, --name NAME         the attribute
 *   -U, --update VALUE      set it (value++ / value+=N add to the current value)
 *   -D, --delete            remove it
 *   -Q, --query             print it: name="NAME" host="NODE" value="VALUE"
 *   -N, --node NODE         on that node (default: this one)
 *   -A, --all               with -Q: on every node
 *   -d, --delay DURATION    dampening: write to the CIB this long after the last change (5s, 1min)
 *   -l, --lifetime L        reboot (default: transient, gone when the node leaves) or forever
 *   --root DIR              the runtime root of the node
 * Exit codes: 0; 64 usage; 102 the attribute daemon is not running; 105 (-Q) no such attribute.
 */
import { commandOptions, EXIT, isOutputFormat, type OutputFormat, parseCrmDurationMs, parseOutputFormat, takeRootOption, writeResult, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { connectAttrd } from './protocol.js';

const usage = `Usage: attrd_updater -n NAME (-U VALUE | -D | -Q) [-N NODE] [-A] [-d DELAY] [-l reboot|forever] [--output-as text|xml|json]
  -n, --name NAME       the attribute
  -U, --update VALUE    set it (after the dampening delay, then written to the CIB by one writer)
  -D, --delete          delete it
  -Q, --query           its value (this node's, -N NODE's, or -A every node's)
  -N, --node NODE       that node (default: this one)
  -A, --all             with -Q: on every node
  -d, --delay DELAY     dampening: wait this long for the value to settle (e.g. 5s)
  -l, --lifetime L      reboot (transient, the default) or forever (in the node's configuration)
  --root DIR            the runtime root of the node
`;
const fail = (msg: string, code: number): never => {
  process.stderr.write(`attrd_updater: ${msg}\n`);
  process.exit(code);
};

const { root, rest } = takeRootOption(process.argv.slice(2));
let name: string | undefined;
let op: 'update' | 'delete' | 'query' | undefined;
let value: string | undefined;
let node: string | undefined;
let all = false;
let dampenMs: number | undefined;
let lifetime: 'reboot' | 'forever' | undefined;
let format: OutputFormat = 'text';
for (const { name: a, value: next } of commandOptions(rest, (o) => fail(`${o} needs a value\n${usage}`, EXIT.USAGE))) {
  switch (a) {
    case '-n': case '--name': name = next(); break;
    case '-U': case '--update': op = 'update'; value = next(); break;
    case '-D': case '--delete': op = 'delete'; break;
    case '-Q': case '--query': op = 'query'; break;
    case '-N': case '--node': node = next(); break;
    case '-A': case '--all': all = true; break;
    case '--output-as': {
      const f = parseOutputFormat(next());
      if (!isOutputFormat(f)) fail(f, EXIT.USAGE);
      format = f as OutputFormat;
      break;
    }
    case '-d': case '--delay': {
      const v = next();
      dampenMs = parseCrmDurationMs(v) ?? fail(`--delay: "${v}" is not a duration (5s, 1min, PT5S)`, EXIT.USAGE);
      break;
    }
    case '-l': case '--lifetime': {
      const v = next();
      if (v !== 'reboot' && v !== 'forever') fail(`--lifetime: "${v}" is neither reboot nor forever`, EXIT.USAGE);
      lifetime = v as 'reboot' | 'forever';
      break;
    }
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (!name) fail(`-n NAME is needed\n${usage}`, EXIT.USAGE);
if (!op) fail(`give -U VALUE, -D or -Q\n${usage}`, EXIT.USAGE);

let c: Awaited<ReturnType<typeof connectAttrd>>;
try {
  c = await connectAttrd('attrd_updater', root);
} catch (e) {
  fail(`the attribute daemon is not running on this node: ${(e as Error).message}`, EXIT.DISCONNECT);
}
try {
  if (op === 'update') await c!.request('update', { name: name!, value: value!, ...(node ? { node } : {}), ...(dampenMs !== undefined ? { dampenMs } : {}), ...(lifetime ? { lifetime } : {}) });
  else if (op === 'delete') await c!.request('delete', { name: name!, ...(node ? { node } : {}) });
  else {
    const local = node ?? (all ? undefined : (await c!.request('status', {})).node);
    const { attributes } = await c!.request('query', { name: name!, ...(local ? { node: local } : {}) });
    if (!attributes.length) fail(`Could not query value of ${name}: attribute does not exist`, EXIT.NOSUCH);
    // (Pacemaker's text, and its XML: <attribute name host value/>.)
    const command = { name: 'attrd_updater', version: 1, request: ['attrd_updater', ...process.argv.slice(2)].join(' ') };
    writeResult(format, command, { text: attributes.map((x) => `name="${x.name}" host="${x.node}" value="${x.value}"\n`).join(''), xml: attributes.map((x) => xmlElement('attribute', { name: x.name, host: x.node, value: x.value })), json: { attributes: attributes.map((x) => ({ name: x.name, host: x.node, value: x.value })) } }, { code: 0 });
  }
} finally {
  c!.close();
}
