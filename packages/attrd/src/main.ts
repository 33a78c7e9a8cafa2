#!/usr/bin/env node
/** hbts-attrd [--root DIR]: the attribute daemon in the foreground (hbts-crm starts it). */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { AttrdDaemon } from './daemon.js';

const { root } = takeRootOption(process.argv.slice(2));
await runDaemon(new AttrdDaemon(), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
