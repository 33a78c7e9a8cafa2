#!/usr/bin/env node
/** cib [--root DIR]: the CIB daemon in the foreground (heartbeat's crm respawn starts it). */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { CibDaemon } from './daemon.js';

const { root } = takeRootOption(process.argv.slice(2));
await runDaemon(new CibDaemon(), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
