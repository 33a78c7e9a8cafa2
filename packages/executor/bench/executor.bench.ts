/**
 * Executor benchmarks, on Debian's ocf:heartbeat:Dummy:
 *  - overhead per operation: the same monitor run directly (spawned with the same
 *    environment) and through the daemon's socket, one after another; medians and ratio;
 *  - the node's CPU with 500 resources each with a recurring monitor every 10 s: the daemon's
 *    own CPU, the agents' CPU (its reaped children), the monitors actually run per second.
 * No baseline: pacemaker-execd needs the whole Pacemaker daemon set (package pacemaker).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, report, runtimePaths } from '@heartbeat-ts/cluster-glue';
import { execa } from 'execa';
import { connectExecutor, type ExecutorClient } from '../src/client.js';
import { ocfEnvironment, parseAgent } from '../src/ocf.js';

const quick = process.env.HBTS_BENCH_QUICK === '1';
const AGENT = '/usr/lib/ocf/resource.d/heartbeat/Dummy';
const TICK = 100; // clock ticks per second (Linux USER_HZ)

function cpuTicks(pid: number): { own: number; children: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // after "comm)": state=0 ... utime=11 stime=12 cutime=13 cstime=14
  return { own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

const dir = mkdtempSync(join(tmpdir(), 'hbts-exec-bench-'));
let daemonPid: number | undefined;
try {
  const root = join(dir, 'node');
  const daemon = spawn(process.execPath, [fileURLToPath(new URL('../src/main.js', import.meta.url)), '--root', root], { stdio: 'ignore' });
  daemonPid = daemon.pid;
  let client: ExecutorClient | undefined;
  for (let i = 0; i < 200 && !client; i++) {
    try {
      client = await connectExecutor(runtimePaths({ root }), { connectTimeoutMs: 500, timeoutMs: 120_000 });
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (!client) throw new Error('executor daemon did not start');

  // 1. Overhead per operation.
  const n = quick ? 20 : 200;
  const state = join(dir, 'o.state');
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HA_RSCTMP: dir, ...ocfEnvironment(parseAgent('ocf:heartbeat:Dummy'), { rsc: 'o', params: { state }, meta: { timeout: '20000', interval: '0' } }) };
  const direct: number[] = [];
  const viaDaemon: number[] = [];
  for (let i = 0; i < n + 3; i++) {
    let t0 = performance.now();
    await execa(AGENT, ['monitor'], { env, extendEnv: false, reject: false });
    if (i >= 3) direct.push(performance.now() - t0);
    t0 = performance.now();
    await client.request('exec', { rsc: 'o', agent: 'ocf:heartbeat:Dummy', action: 'monitor', params: { state } });
    if (i >= 3) viaDaemon.push(performance.now() - t0);
  }
  const d = percentile(direct, 50);
  const o = percentile(viaDaemon, 50);
  report({ bench: 'executor', case: 'Dummy monitor through the daemon (median, sequential)', value: o, unit: 'ms', baseline: d, baselineName: 'the agent run directly', ratio: d / o, note: `overhead ${(o - d).toFixed(1)} ms per operation (socket, queue, history, capture); p95 ${percentile(viaDaemon, 95).toFixed(1)} ms vs ${percentile(direct, 95).toFixed(1)} ms` });

  // 2. 500 recurring monitors at 10 s.
  const count = 500;
  const interval = 10_000;
  await Promise.all(Array.from({ length: count }, (_, i) => client!.request('exec', { rsc: `r${i}`, agent: 'ocf:heartbeat:Dummy', action: 'start', params: { state: join(dir, `r${i}.state`) } })));
  // Spread the first runs over one interval, as a cluster's monitors drift apart.
  await Promise.all(Array.from({ length: count }, (_, i) => client!.request('exec', { rsc: `r${i}`, agent: 'ocf:heartbeat:Dummy', action: 'monitor', interval, startDelay: Math.floor((i * interval) / count), params: { state: join(dir, `r${i}.state`) } })));
  const window = quick ? 10_000 : 60_000;
  const before = { cpu: cpuTicks(daemon.pid!), done: (await client.request('status', {})).completed, t: performance.now() };
  await new Promise((r) => setTimeout(r, window));
  const after = { cpu: cpuTicks(daemon.pid!), done: (await client.request('status', {})).completed, t: performance.now() };
  const secs = (after.t - before.t) / 1000;
  const ownPct = ((after.cpu.own - before.cpu.own) / TICK / secs) * 100;
  const agentsPct = ((after.cpu.children - before.cpu.children) / TICK / secs) * 100;
  const rate = (after.done - before.done) / secs;
  report({ bench: 'executor', case: `${count} recurring Dummy monitors at 10 s: daemon CPU`, value: ownPct, unit: '% of a core', note: `${rate.toFixed(1)} monitors/s run (expected ${(count / (interval / 1000)).toFixed(0)}); measured over ${secs.toFixed(0)} s` });
  report({ bench: 'executor', case: `${count} recurring Dummy monitors at 10 s: the agents' CPU`, value: agentsPct, unit: '% of a core', note: `Debian's Dummy is a shell script sourcing ocf-shellfuncs; total ${(ownPct + agentsPct).toFixed(1)} % of a core; no pacemaker-execd here to compare` });
  client.close();
} finally {
  if (daemonPid) process.kill(daemonPid, 'SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}
