#!/usr/bin/env node
/** hbts-cib [--root DIR] [--replicate]: the CIB daemon in the foreground; --replicate keeps one master copy across the cluster over heartbeat. */
import { runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { CibDaemon } from './daemon.js';

const { root, rest } = takeRootOption(process.argv.slice(2));
await runDaemon(new CibDaemon({ replicate: rest.includes('--replicate') }), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
