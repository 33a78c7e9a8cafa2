#!/usr/bin/env node
/**
 * crm_mon: the cluster's state as this node's CIB, controller and fencer have it, with Pacemaker
 * 2.1's options and text; `--output-as xml` in Pacemaker's schema, `--output-as json` the same
 * data (see crm-mon-xml.ts); `-s` one line for monitoring systems; live (redrawn every -i
 * seconds) unless -1. The options are in crm-mon-options.ts, the sections in crm-mon-sections.ts.
 * Exit codes (Pacemaker's): 0; 1 (-s) the cluster needs attention; 64 usage; 102 the cluster is
 * not running on this node.
 */
import { readFileSync } from 'node:fs';
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { EXIT, jsonResult, pacemakerResultXml, serializeXml, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { connectFencer, type FenceEvent, type PendingFence } from '@heartbeat-ts/fencer/client';
import { clusterOrExit } from './cli.js';
import { monitorText } from './cluster-status.js';
import { MONITOR_USAGE, parseMonitorArgs } from './crm-mon-options.js';
import { simpleStatus } from './crm-mon-sections.js';
import { monitorJsonData, monitorXml } from './crm-mon-xml.js';

const VERSION = 'heartbeat-ts 0.1.0';
/** The version of crm_mon's JSON shape. */
const JSON_VERSION = 1;

const { root, rest } = takeRootOption(process.argv.slice(2));
const request = ['crm_mon', ...process.argv.slice(2)].join(' ');
const parsed = parseMonitorArgs(rest);
if ('help' in parsed) {
  process.stdout.write(MONITOR_USAGE);
  process.exit(0);
}
if ('error' in parsed) {
  process.stderr.write(`crm_mon: ${parsed.error}\n${MONITOR_USAGE}`);
  process.exit(EXIT.USAGE);
}
const args = parsed;

async function snapshot(): Promise<string> {
  const cibXml = args.xmlFile !== undefined ? readCibFile(args.xmlFile) : await clusterOrExit('crm_mon', async () => {
    const c = await connectCib('crm_mon', root);
    try {
      return (await c.request('query', {})).xml;
    } finally {
      c.close();
    }
  }, args.format === 'xml' ? notConnectedXml : args.format === 'json' ? notConnectedJson : undefined);
  const cib = Cib.parse(cibXml, args.xmlFile ?? 'the live CIB');
  // The DC as the controller knows it; without a controller (or from a file), as the CIB last recorded it.
  let dc: string | null = null;
  if (args.xmlFile === undefined) {
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
  }
  // (A dc-uuid that names no node: no DC, as Pacemaker says.)
  if (dc === null && cib.root.attrs['dc-uuid']) dc = cib.nodes.find((n) => n.id === cib.root.attrs['dc-uuid'])?.uname ?? null;
  // Fencing as this node's fencer knows it (none if it does not answer).
  let events: FenceEvent[] = [];
  let pending: PendingFence[] = [];
  if (args.fencing && args.xmlFile === undefined) {
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
  const m = { cib, dc, now: new Date(), version: VERSION, fencing: { events, pending }, view: args.view };
  if (args.simple) {
    const { buildWorkingSet } = await import('@heartbeat-ts/pengine');
    const r = simpleStatus(buildWorkingSet(cib), dc);
    if (r.warning) process.exitCode = 1;
    return `${r.line}\n`;
  }
  if (args.format === 'text') return monitorText(m);
  const xml = monitorXml({ ...m, request });
  if (args.format === 'xml') return serializeXml(xml);
  return jsonResult('crm_mon', JSON_VERSION, request, monitorJsonData(xml), { code: 0, message: 'OK' });
}

function readCibFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    process.stderr.write(`crm_mon: cannot read ${file}: ${(e as Error).message}\n`);
    process.exit(66);
  }
}

/** What Pacemaker's crm_mon prints as XML when it cannot connect. */
function notConnectedXml(message: string): string {
  return pacemakerResultXml(request, [], { code: EXIT.DISCONNECT, message: 'Not connected', errors: [`crm_mon: Error: cluster is not available on this node: ${message}`] });
}

function notConnectedJson(message: string): string {
  return jsonResult('crm_mon', JSON_VERSION, request, {}, { code: EXIT.DISCONNECT, message: 'Not connected', errors: [`crm_mon: Error: cluster is not available on this node: ${message}`] });
}

if (args.oneShot) {
  process.stdout.write(await snapshot());
} else {
  // Live: the screen redrawn in place (cursor home, each line cleared to its end, the rest of the
  // screen cleared), so nothing flickers; Ctrl-C or SIGTERM restores the terminal.
  const tty = process.stdout.isTTY;
  const draw = async () => {
    const text = await snapshot();
    process.stdout.write(tty ? `\x1b[H${text.replace(/\n/g, '\x1b[K\n')}\x1b[J` : `${text}\n`);
  };
  if (tty) process.stdout.write('\x1b[?25l\x1b[2J');
  await draw();
  const timer = setInterval(() => void draw(), args.intervalS * 1000);
  const quit = () => {
    clearInterval(timer);
    if (tty) process.stdout.write('\x1b[?25h\n');
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
}
