#!/usr/bin/env node
// Records Pacemaker's crm_verify exit code for every corpus input into
// packages/cib/test/data/crm-verify-2.1.5.json (keeps the fromTheScheduler list; edit it by hand
// when our checks or the scheduler learn more). Needs pacemaker-cli-utils.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const corpus = new URL('../../shared/pacemaker-scheduler/xml/', import.meta.url).pathname;
const out = new URL('../packages/cib/test/data/crm-verify-2.1.5.json', import.meta.url).pathname;
const data = JSON.parse(readFileSync(out, 'utf8'));
for (const f of readdirSync(corpus).filter((x) => x.endsWith('.xml')).sort()) {
  data.exitCodes[f] = spawnSync('/usr/sbin/crm_verify', ['-x', join(corpus, f)], { stdio: 'ignore' }).status;
}
writeFileSync(out, `${JSON.stringify(data, null, 1)}\n`);
