#!/usr/bin/env node
/**
 * hbts-crm [--root DIR] [--ocf-ra-path DIR:DIR]: the cluster resource manager as heartbeat starts
 * it with `crm respawn` (also `crm on` / `crm yes`; give heartbeat this command with
 * `--crm-command` or HA_CRM_COMMAND). What pacemakerd does: starts the CRM daemons of this node
 * in order — the CIB daemon (replicated over heartbeat), the executor, the scheduler, the attribute
 * daemon, the controller — each
 * once the one before answers on its socket, respawns any that dies (back-off, crash-loop limit),
 * and stops them in reverse order on SIGTERM. The daemons it starts are those of the packages
 * installed beside it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { createLogger, ensureRuntimeDirs, logFile, nodeName, runtimePaths, socketPath, Supervisor, takeRootOption } from '@heartbeat-ts/cluster-glue';

const require = createRequire(import.meta.url);
function bin(pkg: string, name: string): string {
  const pj = require.resolve(`${pkg}/package.json`);
  const rel = (JSON.parse(readFileSync(pj, 'utf8')) as { bin?: Record<string, string> }).bin?.[name];
  if (!rel) throw new Error(`${pkg} has no command ${name}`);
  return join(dirname(pj), rel);
}

const { root, rest } = takeRootOption(process.argv.slice(2));
let raPath: string | undefined;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--ocf-ra-path') raPath = rest[++i];
  else {
    process.stderr.write(`hbts-crm: unknown option ${rest[i]} (usage: hbts-crm [--root DIR] [--ocf-ra-path DIR:DIR])\n`);
    process.exit(64);
  }
}
const paths = runtimePaths(root ? { root } : {});
ensureRuntimeDirs(paths);
const node = nodeName();
const log = createLogger({ component: 'crm', node, file: logFile(paths, 'crm'), stderr: process.stderr.isTTY ? 'pretty' : 'none' });

/** Resolves once the daemon's socket accepts a connection (within 30 s). */
const answers = (name: string) => async () => {
  const path = socketPath(paths, name);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(path);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not open ${path} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const env = { HA_ROOT: paths.root, HA_NODE: node };
const rootArgs = root ? ['--root', root] : [];
const sup = new Supervisor({ logger: log });
sup.add({ name: 'cib', command: process.execPath, args: [bin('@heartbeat-ts/cib', 'hbts-cib'), ...rootArgs, '--replicate'], env, ready: answers('cib') });
sup.add({ name: 'executor', command: process.execPath, args: [bin('@heartbeat-ts/executor', 'hbts-execd'), ...rootArgs, ...(raPath ? ['--ocf-ra-path', raPath] : [])], env, ready: answers('executor') });
sup.add({ name: 'scheduler', command: process.execPath, args: [bin('@heartbeat-ts/pengine', 'hbts-schedulerd'), ...rootArgs], env, ready: answers('scheduler') });
sup.add({ name: 'attrd', command: process.execPath, args: [bin('@heartbeat-ts/attrd', 'hbts-attrd'), ...rootArgs], env, ready: answers('attrd') });
// (The controller moves this node's resources away before it stops: up to shutdown-escalation.)
sup.add({ name: 'controller', command: process.execPath, args: [bin('@heartbeat-ts/controller', 'hbts-controld'), ...rootArgs], env, ready: answers('controller'), stopTimeoutMs: 21 * 60_000 });

let stopping = false;
const stop = async (why: string) => {
  if (stopping) return;
  stopping = true;
  log.info({ reason: why }, 'stopping the CRM daemons');
  await sup.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
sup.forwardSignals(['SIGHUP', 'SIGUSR1', 'SIGUSR2']);
await sup.start();
log.info({ node }, 'CRM daemons running');
