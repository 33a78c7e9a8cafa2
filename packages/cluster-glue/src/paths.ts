/**
 * Where a node keeps its files. Defaults are the system paths; everything moves under one
 * root (env HA_ROOT or `--root DIR`) so several nodes can run on one host without root.
 *
 *   confDir   <root>/etc/ha.d                 ha.cf, authkeys, haresources
 *   stateDir  <root>/var/lib/heartbeat-ts     CIB, generation numbers, pe-inputs
 *   runDir    <root>/run/heartbeat-ts         daemon sockets and pid files
 *   logDir    <root>/var/log/heartbeat-ts     daemon logs
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RuntimePaths {
  /** "/" for a system install. */
  readonly root: string;
  readonly confDir: string;
  readonly stateDir: string;
  readonly runDir: string;
  readonly logDir: string;
}

export function runtimePaths(opts: { root?: string; env?: NodeJS.ProcessEnv } = {}): RuntimePaths {
  const env = opts.env ?? process.env;
  const root = resolve(opts.root ?? (env.HA_ROOT || '/'));
  return {
    root,
    confDir: join(root, 'etc/ha.d'),
    stateDir: join(root, 'var/lib/heartbeat-ts'),
    runDir: join(root, 'run/heartbeat-ts'),
    logDir: join(root, 'var/log/heartbeat-ts'),
  };
}

/** Path of a daemon's Unix socket, e.g. socketPath(paths, "cib") → <runDir>/cib.sock. */
export function socketPath(paths: RuntimePaths, daemon: string): string {
  return join(paths.runDir, `${daemon}.sock`);
}

export function logFile(paths: RuntimePaths, daemon: string): string {
  return join(paths.logDir, `${daemon}.log`);
}

/** Creates the run, state and log directories (not confDir: configuration is the operator's). */
export function ensureRuntimeDirs(paths: RuntimePaths): void {
  mkdirSync(paths.runDir, { recursive: true, mode: 0o755 });
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o750 });
  mkdirSync(paths.logDir, { recursive: true, mode: 0o755 });
}

/**
 * Takes `--root DIR` / `--root=DIR` out of argv (returns the rest). Every daemon and CLI
 * accepts it; it wins over HA_ROOT.
 */
export function takeRootOption(argv: readonly string[]): { root: string | undefined; rest: string[] } {
  const rest: string[] = [];
  let root: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--root') {
      root = argv[++i];
      if (root === undefined) throw new Error('--root needs a directory');
    } else if (a.startsWith('--root=')) root = a.slice('--root='.length);
    else rest.push(a);
  }
  return { root, rest };
}

/**
 * Walks a command's options, `--name=value` split in two: each is yielded with `value()`, which
 * takes the inline value or the next argument (or calls `missing` when there is none).
 */
export function* commandOptions(argv: readonly string[], missing: (option: string) => never): Generator<{ name: string; value: () => string }> {
  for (let i = 0; i < argv.length; i++) {
    let name = argv[i]!;
    let inline: string | undefined;
    const eq = name.startsWith('--') ? name.indexOf('=') : -1;
    if (eq > 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const option = name;
    yield { name, value: () => inline ?? (i + 1 < argv.length ? argv[++i]! : missing(option)) };
  }
}
