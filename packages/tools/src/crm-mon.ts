#!/usr/bin/env node
/**
 * crm_mon: the cluster's state as this node's CIB and controller have it, in Pacemaker 2.1's text.
 *   -1, --one-shot            print once and exit
 *   --output-as text|xml      text (default) or Pacemaker's XML (api-result 2.25; implies -1)
 *   -m, --fence-history LEVEL 0 none, 1 failed fencing actions (default), 2 and 3 the whole history
 *   -i, --interval SECONDS    redraw this often (default 5) when not -1: the screen is cleared and
 *                             redrawn; Ctrl-C stops
 *   --root DIR                the runtime root of the node (several nodes on one host)
 * Exit codes (Pacemaker's): 0; 64 usage; 102 the cluster is not running on this node.
 * Not built yet: -r, -f, -A, -n, -o, -s and the other sections (issue 10).
 */
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { clusterOrExit } from './cli.js';
import { monitorText } from './cluster-status.js';
import { monitorXml } from './crm-mon-xml.js';
import { connectFencer, type FenceEvent, type PendingFence } from '@heartbeat-ts/fencer/client';
import { serializeXml } from '@heartbeat-ts/cluster-glue/client';

const VERSION = 'heartbeat-ts 0.1.0';
const usage = `Usage: crm_mon [-1] [-i SECONDS] [--output-as text|xml] [--root DIR]
  -1, --one-shot           display the cluster status once and exit
  --output-as FORMAT       text (default) or xml (Pacemaker's schema; once)
  -m, --fence-history N    fencing: 0 none, 1 failed actions (default), 2-3 the whole history
  -i, --interval SECONDS   update frequency when not -1 (default 5)
  --root DIR               the runtime root of the node
`;

const { root, rest } = takeRootOption(process.argv.slice(2));
const request = ['crm_mon', ...process.argv.slice(2)].join(' ');
let oneShot = false;
let format: 'text' | 'xml' = 'text';
let fenceLevel = 1;
let intervalS = 5;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (a === '-1' || a === '--one-shot') oneShot = true;
  else if (a === '-m' || a === '--fence-history' || a.startsWith('--fence-history=')) {
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
    fenceLevel = Number(v);
    if (!Number.isInteger(fenceLevel) || fenceLevel < 0 || fenceLevel > 3) {
      process.stderr.write(`crm_mon: --fence-history: "${v ?? ''}" is not a level from 0 to 3\n`);
      process.exit(64);
    }
  } else if (a === '--output-as' || a.startsWith('--output-as=')) {
    const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : rest[++i];
    if (v !== 'text' && v !== 'xml') {
      process.stderr.write(`crm_mon: --output-as: "${v ?? ''}" is not one of text, xml\n`);
      process.exit(64);
    }
    format = v;
    if (v === 'xml') oneShot = true;
  } else if (a === '-i' || a === '--interval' || a.startsWith('--interval=')) {
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
  }, format === 'xml' ? notConnectedXml : undefined);
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
  // Fencing as this node's fencer knows it (none if it does not answer).
  let events: FenceEvent[] = [];
  let pending: PendingFence[] = [];
  if (fenceLevel > 0) {
    try {
      const f = await connectFencer('crm_mon', root, 5000);
      try {
        events = (await f.request('history', {})).events;
        pending = (await f.request('pending', {})).actions;
      } finally {
        f.close();
      }
    } catch {
      events = [];
    }
  }
  const m = { cib, dc, now: new Date(), version: VERSION, fencing: { events, level: fenceLevel, pending } };
  return format === 'xml' ? serializeXml(monitorXml({ ...m, request })) : monitorText(m);
}

/** What Pacemaker's crm_mon prints as XML when it cannot connect. */
function notConnectedXml(message: string): string {
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return `<pacemaker-result api-version="2.25" request="${esc(request)}">\n  <status code="102" message="Not connected">\n    <errors>\n      <error>crm_mon: Error: cluster is not available on this node: ${esc(message)}</error>\n    </errors>\n  </status>\n</pacemaker-result>\n`;
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
