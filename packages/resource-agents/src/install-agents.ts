#!/usr/bin/env node
/**
 * hbts-install-agents [--ocf-root DIR]: makes our agents ocf:heartbeat-ts:* for every OCF
 * user (Pacemaker too) by linking <OCF_ROOT>/resource.d/heartbeat-ts to this package's.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER, resourceDir } from './index.js';

const i = process.argv.indexOf('--ocf-root');
const ocfRoot = i > 0 ? process.argv[i + 1] : (process.env.OCF_ROOT ?? '/usr/lib/ocf');
if (!ocfRoot) {
  process.stderr.write('hbts-install-agents: --ocf-root needs a directory\n');
  process.exit(64);
}
const target = join(resourceDir(), PROVIDER);
const link = join(ocfRoot, 'resource.d', PROVIDER);
try {
  mkdirSync(join(ocfRoot, 'resource.d'), { recursive: true });
  if (existsSync(link) || (() => { try { return lstatSync(link).isSymbolicLink(); } catch { return false; } })()) {
    if (lstatSync(link).isSymbolicLink()) {
      if (readlinkSync(link) === target) {
        process.stdout.write(`${link} already points to ${target}\n`);
        process.exit(0);
      }
      unlinkSync(link);
    } else {
      process.stderr.write(`hbts-install-agents: ${link} exists and is not our link; remove it first\n`);
      process.exit(73);
    }
  }
  symlinkSync(target, link);
  process.stdout.write(`${link} -> ${target}\n`);
} catch (e) {
  process.stderr.write(`hbts-install-agents: ${(e as Error).message}\n`);
  process.exit((e as NodeJS.ErrnoException).code === 'EACCES' ? 4 : 1);
}
