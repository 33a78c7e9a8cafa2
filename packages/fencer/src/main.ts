#!/usr/bin/env node
/** hbts-fenced [--root DIR] [--fence-agent-path DIR:DIR]: the fencer in the foreground (hbts-crm starts it). */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { FencerDaemon } from './daemon.js';

const { root, rest } = takeRootOption(process.argv.slice(2));
let agentDirs: string[] | undefined;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--fence-agent-path') agentDirs = (rest[++i] ?? '').split(':').filter(Boolean);
  else {
    process.stderr.write(`hbts-fenced: unknown option ${rest[i]} (usage: hbts-fenced [--root DIR] [--fence-agent-path DIR:DIR])\n`);
    process.exit(64);
  }
}
await runDaemon(new FencerDaemon(agentDirs ? { agentDirs } : {}), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
