#!/usr/bin/env node
/**
 * crm_mon: the cluster's state as this node's CIB and controller have it, in Pacemaker 2.1's text.
 *   -1, --one-shot            print once and exit
 *   -i, --interval SECONDS    redraw this often (default 5) when not -1: the screen is cleared and
 *                             redrawn; Ctrl-C stops
 *   --root DIR                the runtime root of the node (several nodes on one host)
 * Exit codes (Pacemaker's): 0; 64 usage; 102 the cluster is not running on this node.
 * Not built yet: --output-as xml, -r, -f, -A, -n, -o, -m, -s and the other sections (issue 10).
 */
import { Cib, connectCib } from '@heartbeat-ts/cib';
import { takeRootOption } from '@heartbeat-ts/cluster-glue';
import { connectController } from '@heartbeat-ts/controller';
import { clusterOrExit } from './cli.js';
import { monitorText } from './cluster-status.js';

const VERSION = 'heartbeat-ts 0.1.0';
const usage = `Usage: crm_mon [-1] [-i SECONDS] [--root DIR]
  -1, --one-shot           display the cluster status once and exit
  -i, --interval SECONDS   update frequency when not -1 (default 5)
  --root DIR               the runtime root of the node
`;

const { root, rest } = takeRootOption(process.argv.slice(2));
let oneShot = false;
let intervalS = 5;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (a === '-1' || a === '--one-shot') oneShot = true;
  else if (a === '-i' || a === '--interval' || a.startsWith('--interval=')) {
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
    intervalS = Number(v);
    if (!Number.isFinite(intervalS) || intervalS <= 0) {
      process.stderr.write(`crm_mon: --interval: "${v ?? ''}" is not a number of seconds\n`);
      process.exit(64);
    }
  } else if (a === '-h' || a === '--help') {
    process.stdout.write(usage);
    process.exit(0);
  } else {
    process.stderr.write(`crm_mon: unknown or unsupported option ${a}\n${usage}`);
    process.exit(64);
  }
}

async function snapshot(): Promise<string> {
  const cibXml = await clusterOrExit('crm_mon', async () => {
    const c = await connectCib('crm_mon', root);
    try {
      return (await c.request('query', {})).xml;
    } finally {
      c.close();
    }
  });
  // The DC as the controller knows it; without a controller, as the CIB last recorded it.
  let dc: string | null = null;
  try {
    const c = await connectController('crm_mon', root);
    try {
      dc = (await c.request('status', {})).dc;
    } finally {
      c.close();
    }
  } catch {
    dc = null;
  }
  const cib = Cib.parse(cibXml, 'the live CIB');
  if (dc === null && cib.root.attrs['dc-uuid']) dc = cib.nodes.find((n) => n.id === cib.root.attrs['dc-uuid'])?.uname ?? cib.root.attrs['dc-uuid'] ?? null;
  return monitorText({ cib, dc, now: new Date(), version: VERSION });
}

if (oneShot) {
  process.stdout.write(await snapshot());
} else {
  const draw = async () => process.stdout.write(`\x1b[2J\x1b[H${await snapshot()}`);
  await draw();
  const timer = setInterval(() => void draw(), intervalS * 1000);
  process.on('SIGINT', () => {
    clearInterval(timer);
    process.stdout.write('\n');
    process.exit(0);
  });
}
