/** The README's `npm start` keeps its word: three nodes come up, both resources run, one moves when its node's heartbeat dies, Ctrl-C cleans up. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('hbts-demo: a 3-node cluster with resources that fail over; SIGINT leaves nothing behind', async () => {
  const demo = spawn(process.execPath, [join(__dirname, '../../dist/src/demo.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  demo.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const until = async (what: string, test: () => boolean, ms = 30_000) => {
    const end = Date.now() + ms;
    while (!test()) {
      if (Date.now() > end) throw new Error(`demo: ${what} did not happen within ${ms} ms; output:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const last = () => out.split('\n[').at(-1) ?? '';
  await until('web on n1 and db on n2', () => /n1 \(heartbeat pid \d+\) sees: n1=active n2=active n3=active\s+runs: web\n/.test(last()) && /n2 \(heartbeat pid \d+\) sees: .*runs: db\n/.test(last()));
  const pid = Number(/n1 \(heartbeat pid (\d+)\)/.exec(last())![1]);
  process.kill(pid, 'SIGKILL');
  await until('web taken over by n2 or n3', () => /n[23] \(heartbeat pid \d+\) sees: n1=dead.*runs: (web|db, web|web, db)/.test(last()));
  demo.kill('SIGINT');
  const code = await new Promise<number | null>((r) => demo.once('exit', r));
  expect(out).toContain('stopped; nothing left behind');
  expect(code).toBe(0);
}, 90_000);
