#!/usr/bin/env node
/** hbts-harness-cleanup: removes what harness runs that were killed left behind (processes, namespaces, directories). */
import { cleanupStale } from './registry.js';

const ids = cleanupStale();
console.log(ids.length ? `cleaned up clusters: ${ids.join(', ')}` : 'nothing left behind');
