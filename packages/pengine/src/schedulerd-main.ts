#!/usr/bin/env node
/** hbts-schedulerd [--root DIR]: the scheduler daemon in the foreground (hbts-crm starts it). */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { SchedulerDaemon } from './schedulerd.js';

const { root } = takeRootOption(process.argv.slice(2));
await runDaemon(new SchedulerDaemon(), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
