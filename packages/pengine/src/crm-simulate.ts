#!/usr/bin/env node
/**
 * crm_simulate: what the scheduler would do with a CIB, with Pacemaker's flags.
 *   input:   -x/--xml-file FILE, -p/--xml-pipe (stdin), -L/--live-check (the running CIB daemon)
 *   changes: -u/--node-up, -d/--node-down, -f/--node-fail NODE; -i/--op-inject
 *            RSC_TASK_INTERVALMS@NODE=RC; -g/--ticket-grant, -r/--ticket-revoke, -b/--ticket-standby,
 *            -e/--ticket-activate TICKET; -q/--quorum true|false; -t/--set-datetime ISO8601
 *   output:  Current cluster status, Transition Summary, with -S/-R the Revised Cluster Status
 *            (the "Executing Cluster Transition" section is not printed yet), -s/--show-scores
 *            (placement scores of primitives), -G/--save-graph FILE (transition graph XML),
 *            -D/--save-dotfile FILE, -I/--save-input FILE, --json
 *   --root DIR as every command (for -L).
 * Exit codes: 0, 64 usage, 66 unreadable input, 65 invalid CIB or injection, 69 the CIB uses what
 * this scheduler does not decide yet (listed on stderr), 102 no CIB daemon (-L).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Cib, queryLiveCib, verifyCib } from '@heartbeat-ts/cib';
import { EXIT, serializeXml, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { graphDot, graphXml, transitionGraph } from './graph.js';
import type { Injections } from './inject.js';
import { simulateCib, transitionSummaryText } from './simulate.js';
import { clusterStatusText, settleTransition } from './status.js';
import { buildWorkingSet } from './working-set.js';

const usage = `Usage: crm_simulate (-x FILE | -p | -L) [options]
  -x, --xml-file FILE        the CIB to simulate
  -p, --xml-pipe             read the CIB from standard input
  -L, --live-check           use the running cluster's CIB
  -u, --node-up NODE         bring a node online first
  -d, --node-down NODE       take a node offline (cleanly) first
  -f, --node-fail NODE       mark a node failed (it will be fenced)
  -i, --op-inject SPEC       record an operation result first: RSC_TASK_INTERVALMS@NODE=RC
  -g, --ticket-grant T       grant a ticket     -r, --ticket-revoke T   revoke a ticket
  -b, --ticket-standby T     ticket to standby  -e, --ticket-activate T activate a ticket
  -q, --quorum BOOL          set have-quorum
  -t, --set-datetime TIME    evaluate rules and failure timeouts at this time (ISO 8601)
  -S, --simulate, -R, --run  carry the transition out and print the Revised Cluster Status
  -s, --show-scores          print placement scores (as placement computed them)
  -G, --save-graph FILE      write the transition graph XML
  -D, --save-dotfile FILE    write the transition graph in graphviz format
  -I, --save-input FILE      write the CIB as simulated (after injections)
  -Q, --quiet                print nothing but what is asked for
  --json                     the summary (and scores with -s) as JSON
  -V, --verbose              also report configuration warnings
  --root DIR                 the runtime root of the cluster (for -L)
`;

const { root, rest: args } = takeRootOption(process.argv.slice(2));
let file: string | undefined;
let pipe = false;
let live = false;
let json = false;
let quiet = false;
let showScores = false;
let run = false;
let verbose = false;
let graphFile: string | undefined;
let dotFile: string | undefined;
let inputFile: string | undefined;
let now: number | undefined;
const inj: Required<Pick<Injections, 'nodeUp' | 'nodeDown' | 'nodeFail' | 'opInject' | 'ticketGrant' | 'ticketRevoke' | 'ticketStandby' | 'ticketActivate'>> & Injections = {
  nodeUp: [], nodeDown: [], nodeFail: [], opInject: [], ticketGrant: [], ticketRevoke: [], ticketStandby: [], ticketActivate: [],
};
const fail = (msg: string, code: number = EXIT.USAGE): never => {
  process.stderr.write(`crm_simulate: ${msg}\n`);
  process.exit(code);
};
for (let i = 0; i < args.length; i++) {
  let a = args[i]!;
  let inline: string | undefined;
  const eq = a.startsWith('--') ? a.indexOf('=') : -1;
  if (eq > 0) {
    inline = a.slice(eq + 1);
    a = a.slice(0, eq);
  }
  const value = () => inline ?? args[++i] ?? fail(`${a} needs a value (see --help)`);
  switch (a) {
    case '-x': case '--xml-file': file = value(); break;
    case '-p': case '--xml-pipe': pipe = true; break;
    case '-L': case '--live-check': live = true; break;
    case '-u': case '--node-up': inj.nodeUp.push(value()); break;
    case '-d': case '--node-down': inj.nodeDown.push(value()); break;
    case '-f': case '--node-fail': inj.nodeFail.push(value()); break;
    case '-i': case '--op-inject': inj.opInject.push(value()); break;
    case '-g': case '--ticket-grant': inj.ticketGrant.push(value()); break;
    case '-r': case '--ticket-revoke': inj.ticketRevoke.push(value()); break;
    case '-b': case '--ticket-standby': inj.ticketStandby.push(value()); break;
    case '-e': case '--ticket-activate': inj.ticketActivate.push(value()); break;
    case '-q': case '--quorum': inj.quorum = /^(true|yes|on|1|y)$/i.test(value()); break;
    case '-t': case '--set-datetime': {
      const v = value();
      const ms = Date.parse(v);
      if (Number.isNaN(ms)) fail(`--set-datetime: "${v}" is not an ISO 8601 date and time`);
      now = Math.floor(ms / 1000);
      break;
    }
    case '-S': case '--simulate': case '-R': case '--run': run = true; break;
    case '-Q': case '--quiet': quiet = true; break;
    case '-s': case '--show-scores': showScores = true; break;
    case '-G': case '--save-graph': graphFile = value(); break;
    case '-D': case '--save-dotfile': dotFile = value(); break;
    case '-I': case '--save-input': inputFile = value(); break;
    case '--json': json = true; break;
    case '-V': case '--verbose': verbose = true; break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a} (see --help)`);
  }
}
if (!file && !pipe && !live) fail('give a CIB with -x FILE, -p or -L');

let text: string;
if (live) {
  try {
    text = await queryLiveCib('crm_simulate', root);
  } catch (e) {
    fail(`cannot read the live CIB: ${(e as Error).message} (simulate a file with -x FILE)`, 102);
  }
} else {
  try {
    text = pipe ? readFileSync(0, 'utf8') : readFileSync(file!, 'utf8');
  } catch (e) {
    fail(`cannot read ${file ?? 'standard input'}: ${(e as Error).message}`, EXIT.NOINPUT);
  }
}
// The status as it is, before any requested change (as crm_simulate prints it first), then the
// simulation on the same parsed CIB. (The status is not worked out under -Q, which prints none of it.)
let current = '';
let sim;
try {
  const cib = Cib.parse(text!, file ?? (live ? 'the live CIB' : '(stdin)'));
  if (!quiet || json) current = clusterStatusText(buildWorkingSet(cib, now !== undefined ? { now } : {}));
  sim = simulateCib(cib, { ...(now !== undefined ? { now } : {}), injections: { ...inj, ...(now !== undefined ? { now } : {}) } });
} catch (e) {
  fail((e as Error).message, EXIT.DATAERR);
}
// Configuration problems are reported as crm_verify reports them (errors always, warnings with
// -V), and the simulation goes on with what can be understood, as Pacemaker's does.
for (const i of verifyCib(sim!.ws.cib)) {
  if (i.severity === 'error' || verbose) process.stderr.write(`crm_simulate: ${i.severity}: ${i.path}: ${i.message}\n`);
}
const scoreLines: string[] = [];
if (showScores) {
  for (const r of sim!.ws.byId.values()) {
    if (!r.scores) continue;
    const fn = r.kind === 'primitive' ? 'pcmk__primitive_assign' : r.kind === 'group' ? 'pcmk__group_assign' : 'pcmk__clone_allocate';
    for (const [node, score] of r.scores) scoreLines.push(`${fn}: ${r.id} allocation score on ${node}: ${score <= -1000000 ? '-INFINITY' : score >= 1000000 ? 'INFINITY' : score}`);
  }
  scoreLines.sort();
}
if (inputFile) writeFileSync(inputFile, `${serializeXml(sim!.ws.cib.root, { indent: true })}\n`);
if (graphFile || dotFile) {
  const g = transitionGraph(sim!.ws);
  if (graphFile) writeFileSync(graphFile, graphXml(g));
  if (dotFile) writeFileSync(dotFile, graphDot(g));
}
const summaryText = transitionSummaryText(sim!.schedule);
let revised: string | undefined;
if (run && (!quiet || json)) {
  settleTransition(sim!.ws, sim!.schedule);
  revised = clusterStatusText(sim!.ws);
}
const lines = (t: string) => t.replace(/\n$/, '').split('\n');
if (json) {
  process.stdout.write(`${JSON.stringify({ currentStatus: lines(current), transitionSummary: sim!.schedule.summary.map((e) => e.text), ...(revised !== undefined ? { revisedStatus: lines(revised) } : {}), ...(showScores ? { scores: scoreLines } : {}), unsupported: sim!.schedule.unsupported }, null, 2)}\n`);
} else {
  if (!quiet) process.stdout.write(`Current cluster status:\n${current}\n`);
  if (showScores) process.stdout.write(`${quiet ? '' : 'Allocation scores:\n'}${scoreLines.join('\n')}\n${quiet ? '' : '\n'}`);
  if (!quiet || !showScores) process.stdout.write(summaryText);
  if (revised !== undefined && !quiet) process.stdout.write(`\nRevised Cluster Status:\n${revised}`);
}
if (sim!.schedule.unsupported.length) {
  process.stderr.write(`crm_simulate: this CIB uses what heartbeat-ts's scheduler does not decide yet: ${sim!.schedule.unsupported.join(', ')}; the summary above may be incomplete\n`);
  process.exit(EXIT.UNAVAILABLE);
}
