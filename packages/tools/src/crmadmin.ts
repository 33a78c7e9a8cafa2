#!/usr/bin/env node
/**
 * crmadmin: ask the controller, with Pacemaker 2.1's flags and words.
 *   -D, --dc_lookup        the DC: "Designated Controller is: NODE" (-q: the name alone)
 *   -N, --nodes            the configured nodes: "member node: NAME (ID)" (-q: names; -B: export lines)
 *   -S, --status NODE      a node's controller state: "Controller on NODE in state S_IDLE: ok" —
 *                          this node's as its controller says; another member's as this node's
 *                          controller sees it (the DC's: S_IDLE or S_TRANSITION_ENGINE when this
 *                          node is the DC; other members S_NOT_DC)
 *   -q, --quiet  -B, --bash-export  --output-as text|xml|json  --root DIR
 * Exit codes: 0; 64 usage; 102 the cluster is not running here; 105 (-S) not a member.
 * Not built: -P, -E, -K (Pacemaker's own debugging commands).
 */
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { EXIT, isOutputFormat, OUTPUT_FORMATS, type OutputFormat, parseOutputFormat, takeRootOption, writeResult, xmlElement, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { clusterOrExit } from './cli.js';

const usage = `Usage: crmadmin (-D | -N | -S NODE) [-q] [-B] [--output-as ${OUTPUT_FORMATS.join('|')}] [--root DIR]\n`;
const { root, rest } = takeRootOption(process.argv.slice(2));
const request = ['crmadmin', ...process.argv.slice(2)].join(' ');
let what: 'dc' | 'nodes' | 'status' | undefined;
let target: string | undefined;
let quiet = false;
let bash = false;
let format: OutputFormat = 'text';
const usageError = (msg: string): never => {
  process.stderr.write(`crmadmin: ${msg}\n${usage}`);
  process.exit(EXIT.USAGE);
};
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (a === '-D' || a === '--dc_lookup') what = 'dc';
  else if (a === '-N' || a === '--nodes') what = 'nodes';
  else if (a === '-S' || a === '--status' || a.startsWith('--status=')) {
    what = 'status';
    target = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
    if (!target) usageError('-S needs a node');
  }
  else if (a === '-q' || a === '--quiet') quiet = true;
  else if (a === '-B' || a === '--bash-export') bash = true;
  else if (a === '--output-as' || a.startsWith('--output-as=')) {
    const f = parseOutputFormat(a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i] ?? '');
    if (!isOutputFormat(f)) usageError(f);
    format = f as OutputFormat;
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  } else usageError(`unknown or unsupported option ${a}`);
}
if (!what) usageError('say what to ask: -D, -N or -S NODE');

/** This node's controller's view (it answers -S and -D). */
const controllerStatus = () =>
  clusterOrExit('crmadmin', async () => {
    const c = await connectController('crmadmin', root);
    try {
      return await c.request('status', {});
    } finally {
      c.close();
    }
  });
const out = (text: string, xml: XmlElement[], json: Record<string, unknown>) => writeResult(format, { name: 'crmadmin', version: 1, request }, { text, xml, json }, { code: 0 });
if (what === 'status') {
  const status = await controllerStatus();
  if (target !== status.node && !status.members.includes(target!)) {
    process.stderr.write(`crmadmin: Controller on ${target} is not reachable: it is not a member of this node's partition (members: ${status.members.join(', ') || 'none'})\n`);
    process.exit(EXIT.NOSUCH);
  }
  const busy = status.current?.state === 'running';
  const state = !status.dc ? 'S_ELECTION' : target !== status.dc ? 'S_NOT_DC' : status.isDc && busy ? 'S_TRANSITION_ENGINE' : 'S_IDLE';
  out(quiet ? `${state}\n` : `Controller on ${target} in state ${state}: ok\n`, [xmlElement('crmd', { node_name: target!, state, result: 'ok' })], { controller: { node: target, state, result: 'ok' } });
} else if (what === 'dc') {
  const status = await controllerStatus();
  if (!status.dc && !quiet) {
    // No DC yet: say for how long, and where to look (an election follows every membership change).
    const secs = (t: number | undefined) => (t === undefined ? undefined : Math.round((Date.now() - t) / 1000));
    const up = secs(status.startedAt);
    const changed = secs(status.membershipChangedAt);
    process.stderr.write(`crmadmin: no DC elected yet${up !== undefined ? ` (this node's controller has been up ${up} s${changed !== undefined ? `, the membership last changed ${changed} s ago` : ', no membership from heartbeat yet'})` : ''}: an election follows each membership change and takes about a keepalive; if this lasts, check that heartbeat sees the other nodes (cl_status listnodes, cl_status nodestatus NODE) and the controller's log\n`);
  }
  out(quiet ? (status.dc ? `${status.dc}\n` : '') : `Designated Controller is: ${status.dc ?? 'not yet elected'}\n`, [xmlElement('dc', { node_name: status.dc ?? '' })], { dc: status.dc, ...(status.dc ? {} : { controllerUpMs: status.startedAt !== undefined ? Date.now() - status.startedAt : undefined }) });
} else {
  const cib = await clusterOrExit('crmadmin', async () => {
    const k = await connectCib('crmadmin', root);
    try {
      return Cib.parse((await k.request('query', {})).xml, 'the live CIB');
    } finally {
      k.close();
    }
  });
  const nodes = cib.nodes.map((n) => ({ type: n.type ?? 'member', name: n.uname, id: n.id }));
  const line = (n: (typeof nodes)[number]) => (bash ? `export ${n.name}=${n.id}` : quiet ? n.name : `${n.type} node: ${n.name} (${n.id})`);
  out(nodes.map((n) => `${line(n)}\n`).join(''), [xmlElement('nodes', {}, nodes.map((n) => xmlElement('node', { type: n.type, name: n.name, id: n.id })))], { nodes });
}
