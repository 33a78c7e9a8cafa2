/**
 * A daemon is a module with start/stop. It runs either as its own process (`runDaemon`:
 * isolation, as the real stack does) or with others in one Node process (`DaemonHost`:
 * one runtime's memory for several daemons). Either way daemons talk to each other only
 * over their Unix sockets, so the choice changes nothing but memory and fault isolation.
 */
import { hostname } from 'node:os';
import { createLogger, type Logger } from './log.js';
import { ensureRuntimeDirs, logFile, type RuntimePaths, runtimePaths } from './paths.js';

export interface DaemonContext {
  readonly paths: RuntimePaths;
  /** This node's name (uname by default, lower-case as heartbeat reports it). */
  readonly node: string;
  readonly logger: Logger;
}

export interface Daemon {
  /** Short name: socket `<runDir>/<name>.sock`, log `<logDir>/<name>.log`. */
  readonly name: string;
  start(ctx: DaemonContext): Promise<void>;
  stop(): Promise<void>;
}

export interface RunOptions {
  root?: string;
  node?: string;
  logLevel?: string;
  /** Log to stderr as well as the log file (foreground runs). */
  stderr?: 'pretty' | 'json' | 'none';
}

export function nodeName(explicit?: string): string {
  return (explicit ?? process.env.HA_NODE ?? hostname().split('.')[0] ?? 'localhost').toLowerCase();
}

function contextFor(name: string, opts: RunOptions): DaemonContext {
  const paths = runtimePaths(opts.root === undefined ? {} : { root: opts.root });
  ensureRuntimeDirs(paths);
  const node = nodeName(opts.node);
  const logger = createLogger({ component: name, node, level: opts.logLevel, file: logFile(paths, name), stderr: opts.stderr });
  return { paths, node, logger };
}

/**
 * Runs one daemon as this process: starts it, stops it on SIGTERM/SIGINT and exits 0;
 * logs and exits 1 on a failed start or an uncaught error (a supervisor then respawns it);
 * exits when the supervisor that started it is gone.
 */
export async function runDaemon(daemon: Daemon, opts: RunOptions = {}): Promise<void> {
  const ctx = contextFor(daemon.name, opts);
  const log = ctx.logger;
  let stopping = false;
  const shutdown = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason: why }, 'stopping');
    try {
      await daemon.stop();
    } catch (e) {
      log.error({ err: e }, 'error while stopping');
      code = code || 1;
    }
    log.flush();
    setTimeout(() => process.exit(code), 20).unref();
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    void shutdown('uncaught exception', 1);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err }, 'unhandled promise rejection');
    void shutdown('unhandled rejection', 1);
  });
  const supervisor = Number(process.env.HA_SUPERVISOR_PID);
  if (supervisor > 0) {
    setInterval(() => {
      if (process.ppid !== supervisor) void shutdown(`supervisor ${supervisor} is gone`, 0);
    }, 1000).unref();
  }
  try {
    await daemon.start(ctx);
  } catch (e) {
    log.fatal({ err: e }, 'start failed');
    process.stderr.write(`${daemon.name}: ${(e as Error).message}\n`);
    log.flush();
    setTimeout(() => process.exit(1), 20);
    return;
  }
  log.info({ pid: process.pid }, 'started');
}

/** Several daemons in one process: started in order, stopped in reverse. */
export class DaemonHost {
  private readonly started: Daemon[] = [];

  constructor(
    private readonly daemons: Daemon[],
    private readonly opts: RunOptions = {},
  ) {}

  async start(): Promise<void> {
    for (const d of this.daemons) {
      await d.start(contextFor(d.name, this.opts));
      this.started.push(d);
    }
  }

  async stop(): Promise<void> {
    while (this.started.length) await this.started.pop()!.stop();
  }
}
