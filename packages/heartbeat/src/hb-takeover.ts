#!/usr/bin/env node
/** hb_takeover [all|local|foreign] [--root DIR]: ask the others to give their resource groups to this node. */
import { standbyCli } from './standby-cli.js';

await standbyCli(true, process.argv.slice(2));
