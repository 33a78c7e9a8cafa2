#!/usr/bin/env node
/**
 * heartbeat [-f] [-k] [-s] [-D] [--root DIR] [--bind ADDR] [--crm-command CMD]
 *
 * heartbeat 3's command line: without options it starts the daemon in the background and
 * returns once it serves its socket; -f runs it in the foreground (tests, systemd);
 * -k stops the running daemon; -s reports whether it runs; -D prints ha.cf's defaults.
 * --bind and --crm-command are ours (several nodes on one host; the CRM to start).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureRuntimeDirs, EXIT, exitCodeFor, IpcClient, nodeName, runDaemon, runtimePaths, socketPath, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { HeartbeatDaemon } from './daemon.js';
import { HeartbeatProtocol } from './protocol.js';

const LSB_STATUS_STOPPED = 3;
const { root, rest } = takeRootOption(process.argv.slice(2));
const paths = runtimePaths(root ? { root } : {});
const pidFile = join(paths.runDir, 'heartbeat.pid');
const flags = new Set<string>();
let bindAddress: string | undefined;
let crmCommand: string | undefined;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (a === '--bind') bindAddress = rest[++i];
  else if (a === '--crm-command') crmCommand = rest[++i];
  else if (/^-[fksDdvh]+$/.test(a)) for (const c of a.slice(1)) flags.add(c);
  else if (a === '--foreground') flags.add('f');
  else if (a === '--help') flags.add('h');
  else {
    process.stderr.write(`heartbeat: unknown option ${a}\n`);
    usage(EXIT.USAGE);
  }
}

function usage(code: number): never {
  process.stderr.write('Usage: heartbeat [-f|-k|-s|-D] [--root DIR] [--bind ADDRESS] [--crm-command COMMAND]\n');
  process.exit(code);
}

function runningPid(): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

if (flags.has('h')) usage(0);
if (flags.has('D')) {
  const { KNOWN_DIRECTIVES } = await import('./config/ha-cf.js');
  const { parameterValues } = await import('./daemon.js');
  const { parseHaCf } = await import('./config/ha-cf.js');
  const defaults = parameterValues(parseHaCf('bcast eth0\nnode x\n', 'defaults'));
  for (const d of KNOWN_DIRECTIVES) if (defaults[d] !== undefined) console.log(`${d.padEnd(24)} ${defaults[d]}`);
  process.exit(0);
}
if (flags.has('s')) {
  const pid = runningPid();
  if (pid === undefined) {
    console.log('heartbeat is stopped. No process');
    process.exit(LSB_STATUS_STOPPED);
  }
  const node = nodeName();
  console.log(`heartbeat OK [pid ${pid} et al] is running on ${node} [${node}]...`);
  process.exit(0);
}
if (flags.has('k')) {
  const pid = runningPid();
  if (pid === undefined) {
    process.stderr.write('ERROR: heartbeat is not running.\n');
    process.exit(EXIT.NOT_RUNNING);
  }
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      process.exit(0);
    }
  }
  process.stderr.write(`heartbeat [pid ${pid}] did not stop within 30 s\n`);
  process.exit(1);
}

if (!flags.has('f')) {
  // Daemonize: start ourselves in the foreground, detached, and wait until it serves.
  const running = runningPid();
  if (running !== undefined) {
    process.stderr.write(`ERROR: heartbeat already running [pid ${running}].\n`);
    process.exit(1);
  }
  const child = spawn(process.execPath, [process.argv[1]!, '-f', ...process.argv.slice(2)], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
  for (let i = 0; i < 200; i++) {
    const done = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    if (done !== undefined) {
      process.stderr.write(err || `heartbeat exited with code ${done}\n`);
      process.exit(done || 1);
    }
    try {
      const c = await IpcClient.connect(HeartbeatProtocol, { path: socketPath(paths, 'heartbeat'), connectTimeoutMs: 500 });
      c.close();
      child.unref();
      child.stderr!.destroy();
      process.exit(0);
    } catch {
      /* not up yet */
    }
  }
  process.stderr.write('heartbeat did not come up within 10 s\n');
  process.exit(1);
}

ensureRuntimeDirs(paths);
writeFileSync(pidFile, `${process.pid}\n`);
process.on('exit', () => {
  try {
    if (readFileSync(pidFile, 'utf8').trim() === String(process.pid)) rmSync(pidFile);
  } catch {
    /* gone */
  }
});
try {
  await runDaemon(new HeartbeatDaemon({ ...(bindAddress ? { bindAddress } : {}), ...(crmCommand ? { crmCommand } : {}) }), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
} catch (e) {
  process.stderr.write(`heartbeat: ${(e as Error).message}\n`);
  process.exit(exitCodeFor(e));
}
