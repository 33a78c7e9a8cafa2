#!/usr/bin/env node
/**
 * hbts-crm [--root DIR] [--ocf-ra-path DIR:DIR] [--fence-agent-path DIR:DIR] [--separate]: the
 * cluster resource manager as
 * heartbeat starts it with `crm respawn` (also `crm on` / `crm yes`; give heartbeat this command
 * with `--crm-command` or HA_CRM_COMMAND). It runs the CRM daemons of this node in order — the
 * CIB daemon (replicated over heartbeat), the executor, the scheduler, the attribute daemon, the
 * fencer, the controller — and stops them in reverse order on SIGTERM (the controller first: it moves this
 * node's resources away before it leaves).
 * - By default in this one process (as corosync hosts its services): each daemon keeps its own
 *   socket, log and state, and they talk over their sockets as separate processes would; a
 *   daemon that fails takes the process down, and heartbeat respawns the CRM. A Node.js process
 *   costs 43 MB before it does anything: one instead of six.
 * - `--separate`: one process per daemon, as pacemakerd does — each started once the one before
 *   answers on its socket, respawned when it dies (back-off, crash-loop limit).
 * The daemons are those of the packages installed beside it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { connect } from 'node:net';
import { createLogger, DaemonHost, ensureRuntimeDirs, logFile, nodeName, runtimePaths, socketPath, Supervisor, takeRootOption } from '@heartbeat-ts/cluster-glue';

const require = createRequire(import.meta.url);
function bin(pkg: string, name: string): string {
  const pj = require.resolve(`${pkg}/package.json`);
  const rel = (JSON.parse(readFileSync(pj, 'utf8')) as { bin?: Record<string, string> }).bin?.[name];
  if (!rel) throw new Error(`${pkg} has no command ${name}`);
  return join(dirname(pj), rel);
}

const { root, rest } = takeRootOption(process.argv.slice(2));
let raPath: string | undefined;
let separate = false;
let fencePath: string | undefined;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--ocf-ra-path') raPath = rest[++i];
  else if (rest[i] === '--fence-agent-path') fencePath = rest[++i];
  else if (rest[i] === '--separate') separate = true;
  else {
    process.stderr.write(`hbts-crm: unknown option ${rest[i]} (usage: hbts-crm [--root DIR] [--ocf-ra-path DIR:DIR] [--fence-agent-path DIR:DIR] [--separate])\n`);
    process.exit(64);
  }
}
const paths = runtimePaths(root ? { root } : {});
ensureRuntimeDirs(paths);
const node = nodeName();
const log = createLogger({ component: 'crm', node, file: logFile(paths, 'crm'), stderr: process.stderr.isTTY ? 'pretty' : 'none' });

if (!separate) await runHere();
else await runSeparate();

/** The daemons in this process. */
async function runHere(): Promise<void> {
  const [{ CibDaemon }, { ExecutorDaemon, stonithAdminQuery }, { SchedulerDaemon }, { AttrdDaemon }, { FencerDaemon }, { ControllerDaemon }] = await Promise.all([
    import('@heartbeat-ts/cib'),
    import('@heartbeat-ts/executor'),
    import('@heartbeat-ts/pengine'),
    import('@heartbeat-ts/attrd'),
    import('@heartbeat-ts/fencer'),
    import('./controller.js'),
  ]);
  const host = new DaemonHost(
    [new CibDaemon({ replicate: true }), new ExecutorDaemon({ locations: { ...(raPath ? { ocfRaPath: raPath.split(':').filter(Boolean) } : {}), fenceQuery: stonithAdminQuery(bin('@heartbeat-ts/fencer', 'stonith_admin'), root) } }), new SchedulerDaemon(), new AttrdDaemon(), new FencerDaemon(fencePath ? { agentDirs: fencePath.split(':').filter(Boolean) } : {}), new ControllerDaemon()],
    { ...(root ? { root } : {}), node, stderr: 'none' },
  );
  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason: why }, 'stopping the CRM daemons');
    try {
      await host.stop();
    } catch (e) {
      log.error({ err: (e as Error).message }, 'error while stopping');
    }
    log.flush();
    setTimeout(() => process.exit(code), 20);
  };
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));
  // A daemon that fails takes the CRM down; heartbeat (crm respawn) starts it again.
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception: the CRM stops');
    log.flush();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection: the CRM stops');
    log.flush();
    process.exit(1);
  });
  try {
    await host.start();
  } catch (e) {
    log.fatal({ err: (e as Error).message }, 'a CRM daemon did not start');
    process.stderr.write(`hbts-crm: ${(e as Error).message}\n`);
    log.flush();
    setTimeout(() => process.exit(1), 20);
    return;
  }
  log.info({ node, pid: process.pid }, 'CRM daemons running (one process)');
}

/** One process per daemon, supervised. */
async function runSeparate(): Promise<void> {
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
  sup.add({ name: 'executor', command: process.execPath, args: [bin('@heartbeat-ts/executor', 'hbts-execd'), ...rootArgs, ...(raPath ? ['--ocf-ra-path', raPath] : []), '--stonith-admin', bin('@heartbeat-ts/fencer', 'stonith_admin')], env, ready: answers('executor') });
  sup.add({ name: 'scheduler', command: process.execPath, args: [bin('@heartbeat-ts/pengine', 'hbts-schedulerd'), ...rootArgs], env, ready: answers('scheduler') });
  sup.add({ name: 'attrd', command: process.execPath, args: [bin('@heartbeat-ts/attrd', 'hbts-attrd'), ...rootArgs], env, ready: answers('attrd') });
  sup.add({ name: 'fencer', command: process.execPath, args: [bin('@heartbeat-ts/fencer', 'hbts-fenced'), ...rootArgs, ...(fencePath ? ['--fence-agent-path', fencePath] : [])], env, ready: answers('fencer') });
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
}
