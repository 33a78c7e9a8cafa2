#!/usr/bin/env node
/**
 * crm_failcount: a resource's fail count on a node, as Pacemaker 2.1's crm_failcount:
 *   -r, --resource RSC   the resource (needed)
 *   -N, --node NODE      the node (default: this one)
 *   -n, --operation OP   -I, --interval I   only that operation's count (e.g. -n monitor -I 10s)
 *   -G, --query          print it (the default): "scope=status  name=fail-count-RSC value=N"
 *   -q, --quiet          the value alone
 *   -D, --delete         forget it (crm_resource --cleanup of the resource on the node)
 *   --root DIR
 * The count is the sum over the resource's operations (INFINITY if one is). Exit codes: 0; 64
 * usage; 102 the cluster is not running here; 105 no such resource or node.
 */
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { EXIT, isOutputFormat, type OutputFormat, parseCrmDurationMs, parseOutputFormat, takeRootOption, writeResult, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { cibKnowsNode, clusterOrExit, failWith } from './cli.js';

const usage = `Usage: crm_failcount -r RSC [-N NODE] [-n OP [-I INTERVAL]] [-G [-q] | -D] [--output-as text|xml|json] [--root DIR]
  -r, --resource RSC    the resource
  -G, --query           its fail count on the node (the sum over its operations; the default)
  -D, --delete          forget its failures there (as crm_resource --cleanup -N NODE)
  -N, --node NODE       that node (default: this one)
  -n, --operation OP    only that operation's failures (-I INTERVAL: of that interval, e.g. 10s)
  -q, --quiet           the value alone
`;
const fail = failWith('crm_failcount');
const { root, rest } = takeRootOption(process.argv.slice(2));
let rsc: string | undefined;
let node: string | undefined;
let op: string | undefined;
let interval: string | undefined;
let del = false;
let quiet = false;
let format: OutputFormat = 'text';
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const value = () => rest[++i] ?? fail(`${a} needs a value\n${usage}`, EXIT.USAGE);
  if (a === '-r' || a === '--resource') rsc = value();
  else if (a === '-N' || a === '--node') node = value();
  else if (a === '-n' || a === '--operation') op = value();
  else if (a === '-I' || a === '--interval') interval = value();
  else if (a === '-D' || a === '--delete') del = true;
  else if (a === '-G' || a === '--query') del = false;
  else if (a === '-q' || a === '--quiet') quiet = true;
  else if (a === '--output-as' || a.startsWith('--output-as=')) {
    const f = parseOutputFormat(a.includes('=') ? a.slice(a.indexOf('=') + 1) : value());
    if (!isOutputFormat(f)) fail(f, EXIT.USAGE);
    format = f as OutputFormat;
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  } else fail(`unknown or unsupported option ${a}\n${usage}`, EXIT.USAGE);
}
if (!rsc) fail(`-r RESOURCE is needed\n${usage}`, EXIT.USAGE);
const intervalMs = interval === undefined ? undefined : parseCrmDurationMs(interval);
if (interval !== undefined && intervalMs === undefined) fail(`--interval: "${interval}" is not a duration`, EXIT.USAGE);

const controller = await clusterOrExit('crm_failcount', () => connectController('crm_failcount', root));
try {
  node ??= (await controller.request('status', {})).node;
  if (del) {
    await controller.request('cleanup', { rsc: rsc!, node: node! });
    process.stdout.write(`Cleaned up ${rsc} on ${node}\n`);
  } else {
    const k = await connectCib('crm_failcount', root);
    let cib: Cib;
    try {
      cib = Cib.parse((await k.request('query', {})).xml, 'the live CIB');
    } finally {
      k.close();
    }
    const state = cib.status.find((s) => s.attrs.uname === node);
    if (!cibKnowsNode(cib, node!)) fail(`Node '${node}' not found`, EXIT.NOSUCH);
    // fail-count-RSC#OP_INTERVALMS (a clone's instances count for the clone: RSC:N).
    const pattern = new RegExp(`^fail-count-${rsc!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?::\\d+)?#([^_]+)_(\\d+)$`);
    let total = 0;
    for (const nv of (state?.transient ?? []).flatMap((set) => set.nvpairs)) {
      const hit = pattern.exec(nv.name);
      if (!hit || (op !== undefined && hit[1] !== op) || (intervalMs !== undefined && Number(hit[2]) !== intervalMs)) continue;
      total += /^\+?INFINITY$/i.test(nv.value ?? '') ? Infinity : Number(nv.value) || 0;
    }
    const text = total === Infinity ? 'INFINITY' : String(Math.min(total, 1_000_000));
    const command = { name: 'crm_failcount', version: 1, request: ['crm_failcount', ...process.argv.slice(2)].join(' ') };
    writeResult(format, command, { text: quiet ? `${text}\n` : `scope=status  name=fail-count-${rsc} value=${text}\n`, xml: [xmlElement('attribute', { name: `fail-count-${rsc}`, value: text, scope: 'status' })], json: { failcount: { resource: rsc, node, value: total === Infinity ? 'INFINITY' : Math.min(total, 1_000_000), ...(op ? { operation: op } : {}) } } }, { code: 0 });
  }
} finally {
  controller.close();
}
