/** The README's `npm start` keeps its word: three nodes come up with the CRM, both resources run where they prefer, the DC moves one when its node's heartbeat dies, Ctrl-C cleans up. */
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
  await until('web on n1 and db on n2, as every node sees it', () => [1, 2, 3].every((i) => new RegExp(`n${i} \\(heartbeat pid \\d+\\) sees: n1=active n2=active n3=active\\s+DC: n1\\s+CIB: web@n1 db@n2\\n`).test(last())), 60_000);
  const pid = Number(/n1 \(heartbeat pid (\d+)\)/.exec(last())![1]);
  process.kill(pid, 'SIGKILL');
  await until('web taken over by n2 or n3, n2 the new DC', () => /n[23] \(heartbeat pid \d+\) sees: n1=dead.*DC: n2\s+CIB: web@n[23] db@n2/.test(last()));
  demo.kill('SIGINT');
  const code = await new Promise<number | null>((r) => demo.once('exit', r));
  expect(out).toContain('stopped; nothing left behind');
  expect(code).toBe(0);
}, 90_000);
