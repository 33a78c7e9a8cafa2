/**
 * Running haresources resources the way heartbeat's ResourceManager does: the script is
 * <resource.d>/NAME (heartbeat class, e.g. /etc/ha.d/resource.d/IPaddr2) or /etc/init.d/NAME
 * (LSB), called as `SCRIPT ARG... start|stop|status`, where `IPaddr2::10.0.0.10/24/eth0`
 * gives the argument `10.0.0.10/24/eth0`.
 */
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { HaResource } from '../config/haresources.js';

export interface ScriptEnv {
  /** Directories searched for the script, in order. */
  dirs: string[];
  env: Record<string, string>;
  timeoutMs: number;
}

export interface ScriptResult {
  rc: number;
  output: string;
  timedOut: boolean;
}

export function defaultScriptDirs(confDir: string): string[] {
  return [...new Set([join(confDir, 'resource.d'), '/etc/ha.d/resource.d', '/etc/init.d'])];
}

export function scriptPath(r: HaResource, dirs: string[]): string | undefined {
  for (const d of dirs) {
    const p = join(d, r.agent);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export async function runResource(r: HaResource, action: 'start' | 'stop' | 'status', e: ScriptEnv): Promise<ScriptResult> {
  const path = scriptPath(r, e.dirs);
  if (!path) return { rc: 5, output: `cannot locate resource script ${r.agent} in ${e.dirs.join(', ')}`, timedOut: false };
  // Output goes to a file, not a pipe: scripts leave helpers running in the background
  // (IPaddr2's send_arp), and waiting for a pipe to close would wait for them too.
  const dir = mkdtempSync(join(tmpdir(), 'hbts-rsc-'));
  // Both streams append to the file: opened separately without append they overwrite each other.
  const out = { file: join(dir, 'out'), append: true } as const;
  try {
    const res = await execa(path, [...r.args, action], {
      env: e.env,
      reject: false,
      timeout: e.timeoutMs,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: 5000,
      stdin: 'ignore',
      stdout: out,
      stderr: out,
    });
    let output = '';
    try {
      output = readFileSync(out.file, 'utf8');
    } catch {
      /* no output */
    }
    return { rc: res.exitCode ?? 1, output: output.slice(-4000), timedOut: !!res.timedOut };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
