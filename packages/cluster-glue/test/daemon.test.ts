import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonHost } from '../src/daemon.js';
import { IpcClient } from '../src/ipc-client.js';
import { runtimePaths, socketPath } from '../src/paths.js';
// @ts-expect-error plain JavaScript fixture
import { Echo, EchoDaemon } from './fixtures/echo-daemon.mjs';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hbts-daemon-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const sock = (name: string) => socketPath(runtimePaths({ root }), name);
async function ask(name: string) {
  const c = await IpcClient.connect(Echo, { path: sock(name) });
  try {
    return (await c.request('echo', { text: 'hi' })) as { text: string; from: string; pid: number };
  } finally {
    c.close();
  }
}

describe('daemons: hosted together or each in its own process, always over their sockets', () => {
  it('hosts several daemons in one process, each on its own socket, stopped in reverse order', async () => {
    const host = new DaemonHost([new EchoDaemon('alpha'), new EchoDaemon('beta')], { root, node: 'N1', stderr: 'none' });
    await host.start();
    const [a, b] = [await ask('alpha'), await ask('beta')];
    expect(a).toMatchObject({ from: 'alpha@n1', pid: process.pid });
    expect(b).toMatchObject({ from: 'beta@n1', pid: process.pid });
    await host.stop();
    expect(existsSync(sock('alpha')) || existsSync(sock('beta'))).toBe(false);
  });

  it('runs a daemon as its own process: logs to its file, stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures/run-echo-daemon.mjs'), 'solo'], {
      env: { ...process.env, HA_ROOT: root, HA_NODE: 'n2' },
      stdio: 'ignore',
    });
    await expect.poll(() => existsSync(sock('solo')), { timeout: 5000 }).toBe(true);
    expect(await ask('solo')).toMatchObject({ from: 'solo@n2', pid: child.pid });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(sock('solo'))).toBe(false);
    const log = readFileSync(join(root, 'var/log/heartbeat-ts/solo.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => l.msg)).toEqual(['started', 'stopping']);
    expect(log[0]).toMatchObject({ component: 'solo', node: 'n2' });
  });

  it('a supervised daemon exits when its supervisor dies, instead of lingering as an orphan', async () => {
    // The supervisor here is a separate process that we SIGKILL.
    const supScript = `
      import { Supervisor } from ${JSON.stringify(join(__dirname, '../dist/src/index.js'))};
      const s = new Supervisor();
      s.add({ name: 'orphan', command: process.execPath, args: [${JSON.stringify(join(__dirname, 'fixtures/run-echo-daemon.mjs'))}, 'orphan'], env: { HA_ROOT: ${JSON.stringify(root)} } });
      await s.start();
      console.log(s.status()[0].pid);
      setInterval(() => {}, 1000);
    `;
    const sup = spawn(process.execPath, ['--input-type=module', '-e', supScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = Number(await new Promise<string>((r) => sup.stdout!.once('data', (d: Buffer) => r(d.toString()))));
    await expect.poll(() => existsSync(sock('orphan')), { timeout: 5000 }).toBe(true);
    sup.kill('SIGKILL');
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 5000 }).toBe(false);
    expect(existsSync(sock('orphan'))).toBe(false);
  });
});
