#!/usr/bin/env node
/** hbts-beacon [--root DIR] [--node NAME] [--foreground-log]: runs the beacon daemon in this process. */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { BeaconDaemon } from './daemon.js';

const { root, rest } = takeRootOption(process.argv.slice(2));
await runDaemon(new BeaconDaemon(), { ...(root ? { root } : {}), stderr: rest.includes('--foreground-log') ? 'pretty' : 'none' });
