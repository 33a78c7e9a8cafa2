/**
 * IPC benchmark: our typed IPC (framing + envelope + schema validation both ways) against
 * a raw node:net echo of the same length-prefixed frames, in the same run, both servers
 * in their own process. Figures: round-trip latency p50/p99, throughput with 1 and 8
 * clients (16 requests in flight each) for 200-byte and 64-KiB payloads, idle RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFrame, FrameDecoder, IpcClient, percentile, report, rssMiB, runtimePaths, socketPath } from '../src/index.js';
import { BenchProtocol } from './echo-server.js';

const servers = { ipc: fileURLToPath(new URL('./echo-server.js', import.meta.url)), raw: fileURLToPath(new URL('./raw-echo-server.js', import.meta.url)) };
const quick = process.env.HBTS_BENCH_QUICK === '1';
const LAT_N = quick ? 500 : 5000;
const THR_MS = quick ? 300 : 2000;
const WINDOW = 16;

async function startServer(mode: 'ipc' | 'raw', arg: string): Promise<ChildProcess> {
  const p = spawn(process.execPath, mode === 'ipc' ? [servers.ipc, 'ipc', arg] : [servers.raw, arg], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout!.once('data', () => resolve());
    p.once('exit', (c) => reject(new Error(`${mode} server exited ${c}`)));
  });
  return p;
}

interface EchoClient {
  echo(data: string): Promise<unknown>;
  close(): void;
}

async function ipcClient(path: string): Promise<EchoClient> {
  const c = await IpcClient.connect(BenchProtocol, { path, name: 'bench' });
  return { echo: (data) => c.request('echo', { data }), close: () => c.close() };
}

/** The baseline client: frames by hand, responses matched in order. */
async function rawClient(path: string): Promise<EchoClient> {
  const sock: Socket = await new Promise((resolve, reject) => {
    const s = createConnection(path, () => resolve(s));
    s.once('error', reject);
  });
  const dec = new FrameDecoder();
  const waiting: Array<(v: unknown) => void> = [];
  sock.on('data', (d) => {
    for (const m of dec.push(d)) waiting.shift()!(m);
  });
  return {
    echo: (data) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        sock.write(encodeFrame({ data }));
      }),
    close: () => sock.destroy(),
  };
}

async function latency(c: EchoClient, data: string): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await c.echo(data); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < LAT_N; i++) {
    const t = process.hrtime.bigint();
    await c.echo(data);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(make: () => Promise<EchoClient>, clients: number, data: string): Promise<number> {
  const cs = await Promise.all(Array.from({ length: clients }, make));
  let done = 0;
  const end = Date.now() + THR_MS;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    cs.flatMap((c) =>
      Array.from({ length: WINDOW }, async () => {
        while (Date.now() < end) {
          await c.echo(data);
          done++;
        }
      }),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const c of cs) c.close();
  return done / secs;
}

const root = mkdtempSync(join(tmpdir(), 'hbts-bench-'));
const ipcPath = socketPath(runtimePaths({ root }), 'bench');
const rawPath = join(root, 'raw.sock');
const ipcServer = await startServer('ipc', root);
const rawServer = await startServer('raw', rawPath);
try {
  await new Promise((r) => setTimeout(r, 1500));
  const rssIpc = await rssMiB(ipcServer.pid!);
  const rssRaw = await rssMiB(rawServer.pid!);
  report({ bench: 'ipc', case: 'idle RSS, one daemon process', value: rssIpc, unit: 'MiB', baseline: rssRaw, baselineName: 'node:net server', ratio: rssIpc / rssRaw });

  for (const [label, size] of [['200 B', 200], ['64 KiB', 64 * 1024]] as const) {
    const data = 'x'.repeat(size);
    const ours = await ipcClient(ipcPath);
    const base = await rawClient(rawPath);
    const lo = await latency(ours, data);
    const lb = await latency(base, data);
    ours.close();
    base.close();
    report({ bench: 'ipc', case: `round trip ${label}, p50`, value: lo.p50, unit: 'µs', baseline: lb.p50, baselineName: 'node:net', ratio: lo.p50 / lb.p50 });
    report({ bench: 'ipc', case: `round trip ${label}, p99`, value: lo.p99, unit: 'µs', baseline: lb.p99, baselineName: 'node:net', ratio: lo.p99 / lb.p99 });
    for (const n of [1, 8]) {
      const to = await throughput(() => ipcClient(ipcPath), n, data);
      const tb = await throughput(() => rawClient(rawPath), n, data);
      report({ bench: 'ipc', case: `throughput ${label}, ${n} client${n > 1 ? 's' : ''}`, value: to, unit: 'msg/s', baseline: tb, baselineName: 'node:net', ratio: to / tb });
    }
  }
} finally {
  ipcServer.kill('SIGTERM');
  rawServer.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  rmSync(root, { recursive: true, force: true });
}
