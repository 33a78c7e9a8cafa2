import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { markedPids, resolveBin, waitFor } from '../src/index.js';

describe('the README main command (npm start → hbts-demo)', () => {
  it('brings up 3 nodes, shows a killed node as dead, and stops cleanly on Ctrl-C', async () => {
    const demo = spawn(process.execPath, [resolveBin('@heartbeat-ts/test-harness', 'hbts-demo')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => demo.once('exit', (c) => r(c)));
    try {
      await waitFor('all three nodes up in the demo', () => /n1 \(pid \d+\) sees: n2=up n3=up/.test(out) && /n3 \(pid \d+\) sees: n1=up n2=up/.test(out), { timeoutMs: 20_000 });
      const id = /3-node cluster (\w+) on loopback/.exec(out)![1]!;
      const pid = Number(/n3 \(pid (\d+)\)/.exec(out)![1]);
      process.kill(pid, 'SIGKILL');
      await waitFor('n3 dead in the demo output', () => /n1 \(pid \d+\) sees: n2=up n3=dead/.test(out), { timeoutMs: 10_000 });
      demo.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toContain('nothing left behind');
      expect(markedPids(id)).toEqual([]);
    } finally {
      demo.kill('SIGKILL');
    }
  });
});
