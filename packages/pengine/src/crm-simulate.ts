#!/usr/bin/env node
/**
 * crm_simulate -x FILE | -p [-S] [-s]: what the scheduler would do with a CIB.
 * Prints the Transition Summary as Pacemaker does (other sections: see the package README).
 * Exit codes: 0, 64 usage, 66 unreadable input, 65 invalid CIB, 69 the CIB uses what this
 * scheduler does not decide yet (listed on stderr).
 */
import { readFileSync } from 'node:fs';
import { EXIT } from '@heartbeat-ts/cluster-glue';
import { simulate, transitionSummaryText } from './simulate.js';

const args = process.argv.slice(2);
let file: string | undefined;
let pipe = false;
let json = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '-x' || a === '--xml-file') file = args[++i];
  else if (a === '-p' || a === '--xml-pipe') pipe = true;
  else if (a === '-S' || a === '--simulate' || a === '-R' || a === '--run' || a === '-Q' || a === '--quiet') continue;
  else if (a === '--json') json = true;
  else if (a === '-h' || a === '--help') {
    process.stdout.write('Usage: crm_simulate (-x FILE | -p) [-S] [--json]\n');
    process.exit(0);
  } else {
    process.stderr.write(`crm_simulate: unsupported option ${a} (supported so far: -x, -p, -S, -R, -Q, --json)\n`);
    process.exit(EXIT.USAGE);
  }
}
if (!file && !pipe) {
  process.stderr.write('crm_simulate: give a CIB with -x FILE or -p\n');
  process.exit(EXIT.USAGE);
}
let text: string;
try {
  text = pipe ? readFileSync(0, 'utf8') : readFileSync(file!, 'utf8');
} catch (e) {
  process.stderr.write(`crm_simulate: cannot read ${file ?? 'standard input'}: ${(e as Error).message}\n`);
  process.exit(EXIT.NOINPUT);
}
let sim;
try {
  sim = simulate(text, file);
} catch (e) {
  process.stderr.write(`crm_simulate: ${(e as Error).message}\n`);
  process.exit(EXIT.DATAERR);
}
if (json) process.stdout.write(`${JSON.stringify({ transitionSummary: sim.schedule.summary.map((e) => e.text), unsupported: sim.schedule.unsupported }, null, 2)}\n`);
else process.stdout.write(transitionSummaryText(sim.schedule));
if (sim.schedule.unsupported.length) {
  process.stderr.write(`crm_simulate: this CIB uses what heartbeat-ts's scheduler does not decide yet: ${sim.schedule.unsupported.join(', ')}; the summary above may be incomplete\n`);
  process.exit(EXIT.UNAVAILABLE);
}
