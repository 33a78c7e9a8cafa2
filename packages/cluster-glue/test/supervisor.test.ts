import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RespawnTracker } from '../src/respawn-policy.js';
import { Supervisor } from '../src/supervisor.js';

const child = join(__dirname, 'fixtures/child.mjs');
let dir: string;
let sup: Supervisor | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hbts-sup-'));
});
afterEach(async () => {
  await sup?.stop();
  sup = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const lines = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n') : []);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('respawn policy (pure)', () => {
  it('backs off exponentially on quick crashes and gives up on a crash loop', () => {
    const t = new RespawnTracker({ minDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 30_000, maxRestarts: 5, windowMs: 60_000 });
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      const d = t.onExit(now + 10, now);
      if (d.action !== 'respawn') throw new Error('expected respawn');
      delays.push(d.delayMs);
      now += 1000;
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
    expect(t.onExit(now + 10, now)).toMatchObject({ action: 'give-up', reason: expect.stringContaining('crash loop') });
  });

  it('forgets old crashes and resets the back-off after a stable run', () => {
    const t = new RespawnTracker({ minDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 30_000, maxRestarts: 2, windowMs: 60_000 });
    expect(t.onExit(10, 0)).toMatchObject({ action: 'respawn', delayMs: 100 });
    expect(t.onExit(20, 15)).toMatchObject({ action: 'respawn', delayMs: 200 });
    // A long, stable run much later: the window is empty again, back-off starts over.
    expect(t.onExit(200_000, 100_000)).toMatchObject({ action: 'respawn', delayMs: 100, attempt: 1 });
  });
});

describe('Supervisor with real child processes', () => {
  it('starts children in order, respawns one that crashes, stops them in reverse order', async () => {
    const log = join(dir, 'log');
    // Ready = the child has written its start line (a daemon would answer on its socket).
    const ready = (name: string) => async (pid: number) => {
      while (!lines(log).includes(`${name} start ${pid}`)) await new Promise((r) => setTimeout(r, 10));
    };
    sup = new Supervisor();
    sup.add({ name: 'first', command: process.execPath, args: [child, 'first', 'serve', log], ready: ready('first') });
    sup.add({ name: 'second', command: process.execPath, args: [child, 'second', 'serve', log], ready: ready('second'), policy: { minDelayMs: 50 } });
    sup.add({ name: 'third', command: process.execPath, args: [child, 'third', 'serve', log], ready: ready('third') });
    await sup.start();
    expect(lines(log).map((l) => l.split(' ')[0])).toEqual(['first', 'second', 'third']);

    const pid = sup.status().find((c) => c.name === 'second')!.pid!;
    const respawned = new Promise<number>((r) => sup!.once('respawned', (_n: string, p: number) => r(p)));
    process.kill(pid, 'SIGKILL');
    const newPid = await respawned;
    expect(newPid).not.toBe(pid);
    expect(sup.status().find((c) => c.name === 'second')).toMatchObject({ state: 'running', restarts: 1, lastExit: { signal: 'SIGKILL' } });

    sup.forwardSignals(['SIGHUP']);
    process.emit('SIGHUP', 'SIGHUP');
    await expect.poll(() => lines(log).filter((l) => l.endsWith('SIGHUP')).length).toBe(3);

    const pids = sup.status().map((c) => c.pid!);
    await sup.stop();
    const stops = lines(log).filter((l) => l.endsWith(' stop')).map((l) => l.split(' ')[0]);
    expect(stops).toEqual(['third', 'second', 'first']);
    expect(pids.some(alive)).toBe(false);
    expect(sup.status().every((c) => c.state === 'stopped')).toBe(true);
  });

  it('gives up on a child in a crash loop and says so', async () => {
    sup = new Supervisor();
    sup.add({ name: 'crasher', command: process.execPath, args: [child, 'crasher', 'crash-after:20'], policy: { minDelayMs: 10, maxDelayMs: 20, maxRestarts: 3 } });
    const failed = new Promise<string>((r) => sup!.once('failed', (_n: string, why: string) => r(why)));
    await sup.start();
    expect(await failed).toMatch(/exited 4 times within 60 s/);
    expect(sup.status()[0]).toMatchObject({ state: 'failed', restarts: 3 });
  });

  it('kills a child that ignores SIGTERM after its stop timeout', async () => {
    const log = join(dir, 'log');
    sup = new Supervisor();
    sup.add({ name: 'stubborn', command: process.execPath, args: [child, 'stubborn', 'stubborn', log], stopTimeoutMs: 300 });
    await sup.start();
    await expect.poll(() => lines(log).length).toBe(1);
    const pid = sup.status()[0]!.pid!;
    const t0 = Date.now();
    await sup.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(lines(log)).toContain('stubborn ignored SIGTERM');
    expect(alive(pid)).toBe(false);
    expect(sup.status()[0]!.lastExit).toMatchObject({ signal: 'SIGKILL' });
  });

  it('fails start() clearly when the command does not exist', async () => {
    sup = new Supervisor();
    sup.add({ name: 'ghost', command: join(dir, 'no-such-binary'), respawn: false });
    await expect(sup.start()).rejects.toThrow(/cannot start ghost/);
  });
});
