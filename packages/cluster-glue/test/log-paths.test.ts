import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, formatLine, resolveLevel } from '../src/log.js';
import { runtimePaths, socketPath, takeRootOption } from '../src/paths.js';

describe('logging', () => {
  it('writes JSON lines with component and node to the log file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-log-'));
    const file = join(dir, 'sub/cib.log');
    const log = createLogger({ component: 'cib', node: 'n1', file, stderr: 'none', level: 'debug' });
    log.info({ rsc: 'vip', op: 'start' }, 'operation complete');
    log.debug('detail');
    log.flush();
    await new Promise((r) => setTimeout(r, 100));
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ component: 'cib', node: 'n1', rsc: 'vip', op: 'start', msg: 'operation complete', level: 30 });
    expect(lines[1]).toMatchObject({ msg: 'detail', level: 20 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('formats a short human line for a terminal', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 0, 0, 5), component: 'heartbeat', node: 'n2', msg: 'late heartbeat', peer: 'n1', gapMs: 340 });
    expect(formatLine(line)).toBe('12:00:00.005 WARN  heartbeat[n2]: late heartbeat peer=n1 gapMs=340\n');
  });

  it('takes the level from the option, HA_LOGLEVEL or HA_DEBUG, and refuses unknown levels', () => {
    expect(resolveLevel(undefined, {})).toBe('info');
    expect(resolveLevel(undefined, { HA_DEBUG: '1' })).toBe('debug');
    expect(resolveLevel(undefined, { HA_LOGLEVEL: 'warn', HA_DEBUG: '1' })).toBe('warn');
    expect(resolveLevel('trace', { HA_LOGLEVEL: 'warn' })).toBe('trace');
    expect(() => resolveLevel('loud', {})).toThrow(/unknown log level "loud"/);
  });
});

describe('runtime paths', () => {
  it('defaults to the system paths and relocates everything under HA_ROOT or --root', () => {
    expect(runtimePaths({ env: {} })).toMatchObject({ confDir: '/etc/ha.d', stateDir: '/var/lib/heartbeat-ts', runDir: '/run/heartbeat-ts' });
    const p = runtimePaths({ env: { HA_ROOT: '/tmp/n1' } });
    expect(p.confDir).toBe('/tmp/n1/etc/ha.d');
    expect(socketPath(p, 'cib')).toBe('/tmp/n1/run/heartbeat-ts/cib.sock');
    expect(runtimePaths({ root: '/tmp/n2', env: { HA_ROOT: '/tmp/n1' } }).logDir).toBe('/tmp/n2/var/log/heartbeat-ts');
    expect(takeRootOption(['-Q', '--root', '/x', '-o', 'nodes'])).toEqual({ root: '/x', rest: ['-Q', '-o', 'nodes'] });
    expect(takeRootOption(['--root=/y'])).toEqual({ root: '/y', rest: [] });
  });
});
