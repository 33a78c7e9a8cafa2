#!/usr/bin/env node
/** hbts-controld [--root DIR]: the controller in the foreground (heartbeat starts it through hbts-crm). */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { ControllerDaemon } from './controller.js';

const { root } = takeRootOption(process.argv.slice(2));
await runDaemon(new ControllerDaemon(), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
