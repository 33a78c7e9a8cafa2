#!/usr/bin/env node
/**
 * crm_simulate: what the scheduler would do with a CIB, with Pacemaker's flags.
 *   input:   -x/--xml-file FILE (gzip-compressed too: saved pe-input files), -p/--xml-pipe (stdin),
 *            -L/--live-check (the running CIB daemon)
 *   changes: -u/--node-up, -d/--node-down, -f/--node-fail NODE; -i/--op-inject
 *            RSC_TASK_INTERVALMS@NODE=RC; -g/--ticket-grant, -r/--ticket-revoke, -b/--ticket-standby,
 *            -e/--ticket-activate TICKET; -q/--quorum true|false; -t/--set-datetime ISO8601
 *   run:     -S/--simulate, -R/--run carry the transition out (Executing Cluster Transition),
 *            -F/--op-fail RSC_TASK_INTERVALMS@NODE=RC fails an action as it runs
 *   output:  Current cluster status, Transition Summary, with -S/-R the executed actions and the
 *            Revised Cluster Status, -s/--show-scores (placement scores of primitives),
 *            -G/--save-graph FILE (transition graph XML), -D/--save-dotfile FILE, -I/--save-input
 *            FILE (the CIB simulated, after injections), -O/--save-output FILE (the CIB the
 *            transition leaves), --json;
 *            -P/--profile DIR [-N/--repeat N]: schedule every CIB in DIR N times, print the time each took
 *   --root DIR as every command (for -L).
 * Exit codes: 0, 64 usage, 66 unreadable input, 65 invalid CIB or injection, 69 the CIB uses what
 * this scheduler does not decide yet (listed on stderr), 102 no CIB daemon (-L).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Cib, queryLiveCib, verifyCib } from '@heartbeat-ts/cib/client';
import { EXIT, serializeXml, takeRootOption, commandOptions } from '@heartbeat-ts/cluster-glue/client';
import { runTransition, type TransitionRun } from './execute.js';
import { graphDot, graphXml, transitionGraph } from './graph.js';
import { parseOperationSpec } from './inject.js';
import type { Injections } from './inject.js';
import { simulate, simulateCib, transitionSummaryText } from './simulate.js';
import { clusterStatusText, revisedStatusText } from './status.js';
import { schedule } from './schedule.js';
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
  -S, --simulate, -R, --run  carry the transition out: the actions as executed, then the
                             Revised Cluster Status
  -F, --op-fail SPEC         have that action fail as the transition runs: RSC_TASK_INTERVALMS@NODE=RC
  -s, --show-scores          print placement scores (as placement computed them)
  -G, --save-graph FILE      write the transition graph XML
  -D, --save-dotfile FILE    write the transition graph in graphviz format
  -I, --save-input FILE      write the CIB as simulated (after injections)
  -O, --save-output FILE     write the CIB as the transition leaves it (with -S/-R)
  -P, --profile DIR          schedule every CIB (*.xml) in DIR, printing the time each took
  -N, --repeat N             with -P: schedule each N times
  -Q, --quiet                print nothing but the scores (-s), as Pacemaker's does
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
let outputFile: string | undefined;
let profileDir: string | undefined;
let repeat = 1;
const opFail: string[] = [];
let now: number | undefined;
const inj: Required<Pick<Injections, 'nodeUp' | 'nodeDown' | 'nodeFail' | 'opInject' | 'ticketGrant' | 'ticketRevoke' | 'ticketStandby' | 'ticketActivate'>> & Injections = {
  nodeUp: [], nodeDown: [], nodeFail: [], opInject: [], ticketGrant: [], ticketRevoke: [], ticketStandby: [], ticketActivate: [],
};
const fail = (msg: string, code: number = EXIT.USAGE): never => {
  process.stderr.write(`crm_simulate: ${msg}\n`);
  process.exit(code);
};
for (const { name: a, value } of commandOptions(args, (o) => fail(`${o} needs a value (see --help)`))) {
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
    case '-O': case '--save-output': outputFile = value(); break;
    case '-F': case '--op-fail': {
      const v = value();
      try {
        parseOperationSpec(v);
      } catch (e) {
        fail(`--op-fail: ${(e as Error).message}`);
      }
      opFail.push(v);
      break;
    }
    case '-P': case '--profile': profileDir = value(); break;
    case '-N': case '--repeat': {
      const v = value();
      repeat = Number(v);
      if (!Number.isInteger(repeat) || repeat < 1) fail(`--repeat: "${v}" is not a positive whole number`);
      break;
    }
    case '--json': json = true; break;
    case '-V': case '--verbose': verbose = true; break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a} (see --help)`);
  }
}
if (profileDir !== undefined) {
  // Profiling (as Pacemaker's -P): every CIB in the directory, scheduled `repeat` times each.
  let names: string[];
  try {
    names = readdirSync(profileDir).filter((f) => f.endsWith('.xml')).sort();
  } catch (e) {
    fail(`cannot read ${profileDir}: ${(e as Error).message}`, EXIT.NOINPUT);
  }
  for (const f of names!) {
    const path = join(profileDir, f);
    const text = readFileSync(path, 'utf8');
    const t0 = process.hrtime.bigint();
    try {
      for (let i = 0; i < repeat; i++) simulate(text, path, now !== undefined ? { now } : {});
    } catch (e) {
      process.stderr.write(`crm_simulate: ${path}: ${(e as Error).message}\n`);
      continue;
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(`  * Testing ${path} ... ${s.toFixed(2)} secs\n`);
  }
  process.exit(0);
}
if (!file && !pipe && !live) fail('give a CIB with -x FILE, -p or -L, or a directory with -P DIR');

let text: string;
if (live) {
  try {
    text = await queryLiveCib('crm_simulate', root);
  } catch (e) {
    fail(`cannot read the live CIB: ${(e as Error).message} (simulate a file with -x FILE)`, 102);
  }
} else {
  try {
    // (Saved scheduler inputs, pe-input-N.gz, are gzip-compressed.)
    const raw = pipe ? readFileSync(0) : readFileSync(file!);
    text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
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
  const injected = Object.values(inj).some((v) => (Array.isArray(v) ? v.length > 0 : v !== undefined));
  if (!injected) {
    // Nothing injected: the status is that of the working set the scheduler runs on (printed first).
    const ws = buildWorkingSet(cib, now !== undefined ? { now } : {});
    if (!quiet || json) current = clusterStatusText(ws);
    sim = { ws, schedule: schedule(ws) };
  } else {
    if (!quiet || json) current = clusterStatusText(buildWorkingSet(cib, now !== undefined ? { now } : {}));
    sim = simulateCib(cib, { ...(now !== undefined ? { now } : {}), injections: { ...inj, ...(now !== undefined ? { now } : {}) } });
  }
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
  const g = transitionGraph(sim!.ws, sim!.schedule.fenced);
  if (graphFile) writeFileSync(graphFile, graphXml(g));
  if (dotFile) writeFileSync(dotFile, graphDot(g));
}
const summaryText = transitionSummaryText(sim!.schedule);
let ran: TransitionRun | undefined;
let revised: string | undefined;
if (run) {
  ran = runTransition(sim!, { fail: opFail });
  if (!quiet || json) revised = revisedStatusText(ran.ws);
  if (outputFile) writeFileSync(outputFile, `${serializeXml(ran.cib.root, { indent: true })}\n`);
} else if (outputFile) fail('--save-output needs the transition carried out (-S or -R)');
const lines = (t: string) => t.replace(/\n$/, '').split('\n');
if (json) {
  process.stdout.write(`${JSON.stringify({ currentStatus: lines(current), transitionSummary: sim!.schedule.summary.map((e) => e.text), ...(ran ? { executed: ran.execution.lines, failedActions: ran.execution.failed } : {}), ...(revised !== undefined ? { revisedStatus: lines(revised) } : {}), ...(showScores ? { scores: scoreLines } : {}), unsupported: sim!.schedule.unsupported }, null, 2)}\n`);
} else {
  if (!quiet) process.stdout.write(`Current cluster status:\n${current}\n`);
  if (showScores) process.stdout.write(`${quiet ? '' : 'Allocation scores:\n'}${scoreLines.join('\n')}\n${quiet ? '' : '\n'}`);
  if (!quiet) process.stdout.write(summaryText);
  if (ran && !quiet) {
    // (Pacemaker's simulator prints its "Pretending action ... failed" unindented.)
    const item = (l: string) => (l.startsWith('Pretending ') ? `${l}\n` : `  * ${l}\n`);
    process.stdout.write(`\nExecuting Cluster Transition:\n${ran.execution.lines.map(item).join('')}`);
  }
  if (revised !== undefined && !quiet) process.stdout.write(`\nRevised Cluster Status:\n${revised}`);
}
if (sim!.schedule.unsupported.length) {
  process.stderr.write(`crm_simulate: this CIB uses what heartbeat-ts's scheduler does not decide yet: ${sim!.schedule.unsupported.join(', ')}; the summary above may be incomplete\n`);
  process.exit(EXIT.UNAVAILABLE);
}
