/**
 * Logging conventions for every daemon (what heartbeat's ha_logd was): one pino logger per
 * daemon, bound to `component` and `node`; JSON lines to a file, and a short human line on
 * stderr when stderr is a terminal. Structured fields use the domain's names: node, rsc, op,
 * peer, seq. Levels: info = a state change an operator may care about, warn = an operator
 * should look, error = something failed.
 *
 * Level: option `level`, else env HA_LOGLEVEL, else `debug` when HA_DEBUG is set, else info.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  component: string;
  node?: string;
  level?: string;
  /** JSON log file; created with its directory if missing. */
  file?: string;
  /** stderr output: short human lines, JSON lines, or none. Default: pretty on a TTY, json when no file, else none. */
  stderr?: 'pretty' | 'json' | 'none';
}

const LEVELS: ReadonlySet<string> = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function resolveLevel(level?: string, env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const l = level ?? env.HA_LOGLEVEL ?? (env.HA_DEBUG && env.HA_DEBUG !== '0' ? 'debug' : 'info');
  if (!LEVELS.has(l)) throw new Error(`unknown log level "${l}" (use one of ${[...LEVELS].join(', ')})`);
  return l as LevelWithSilent;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'component', 'node', 'msg']);

/** Formats one pino JSON line as `HH:MM:SS.mmm LEVEL component[node]: msg k=v ...`. */
export function formatLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const t = new Date(typeof o.time === 'number' ? o.time : Date.now()).toISOString().slice(11, 23);
  const lvl = (LEVEL_NAMES[o.level as number] ?? String(o.level)).padEnd(5);
  const who = `${String(o.component ?? '')}${o.node ? `[${String(o.node)}]` : ''}`;
  const extra: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (SKIP.has(k)) continue;
    extra.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return `${t} ${lvl} ${who}: ${String(o.msg ?? '')}${extra.length ? ` ${extra.join(' ')}` : ''}\n`;
}

function prettyStream(out: NodeJS.WritableStream): { write(chunk: string): void } {
  return { write: (chunk: string) => void out.write(formatLine(chunk.trimEnd())) };
}

export function createLogger(opts: LoggerOptions): Logger {
  const level = resolveLevel(opts.level);
  if (level === 'silent') return silentLogger();
  const streams: pino.StreamEntry[] = [];
  if (opts.file) {
    mkdirSync(dirname(opts.file), { recursive: true });
    streams.push({ level, stream: pino.destination({ dest: opts.file, sync: false, mkdir: true }) });
  }
  const mode = opts.stderr ?? (process.stderr.isTTY ? 'pretty' : opts.file ? 'none' : 'json');
  if (mode === 'pretty') streams.push({ level, stream: prettyStream(process.stderr) });
  else if (mode === 'json') streams.push({ level, stream: pino.destination({ dest: 2, sync: false }) });
  const base: Record<string, string> = { component: opts.component };
  if (opts.node) base.node = opts.node;
  if (streams.length === 0) return pino({ level: 'silent', base });
  return pino({ level, base, timestamp: pino.stdTimeFunctions.epochTime }, pino.multistream(streams));
}

/** A logger that writes nothing; for libraries used without a daemon and for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
