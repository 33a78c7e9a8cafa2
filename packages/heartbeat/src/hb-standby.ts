#!/usr/bin/env node
/** hb_standby [all|local|foreign] [--root DIR]: give this node's resource groups to the others. */
import { standbyCli } from './standby-cli.js';

await standbyCli(false, process.argv.slice(2));
