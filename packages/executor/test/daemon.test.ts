/**
 * The executor daemon as a real process on its real socket, running Debian's agents and
 * test agents of our own (hung, stubborn, chatty, flaky, slow, bad meta-data), an LSB init
 * script and a heartbeat resource.d script; ha-exec's output and exit codes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logFile, runtimePaths } from '@heartbeat-ts/cluster-glue';
import { connectExecutor, type ExecutorClient } from '../src/client.js';
import type { WireOpRecord } from '../src/protocol.js';

const dist = join(__dirname, '../dist/src');
let root: string;
let daemon: ChildProcess | undefined;
let client: ExecutorClient;
const need = (path: string, pkg: string) => {
  if (!existsSync(path)) throw new Error(`this test runs ${path}: install the Debian package ${pkg}`);
};

function writeAgent(dir: string, name: string, body: string, mode = 0o755) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, name), mode);
}

function setup(): void {
  root = mkdtempSync(join(tmpdir(), 'hbts-execd-'));
  const ocf = join(root, 'ocf/test');
  const trace = join(root, 'trace');
  writeAgent(ocf, 'Hang', 'case $1 in meta-data) echo "<resource-agent name=\\"Hang\\"><actions/></resource-agent>";; *) sleep 60;; esac');
  writeAgent(ocf, 'Stubborn', 'case $1 in meta-data) exit 1;; esac; trap "" TERM; sleep 60 & wait; sleep 60');
  writeAgent(ocf, 'Chatty', 'head -c 3000000 /dev/zero | tr "\\\\0" x; echo; echo ocf-exit-reason:all printed >&2; echo last-line; exit 0');
  // Flaky: monitor returns what the file says; counts its runs.
  writeAgent(ocf, 'Flaky', `[ "$1" = meta-data ] && exit 1; echo run >> ${root}/flaky.runs; exit $(cat ${root}/flaky.rc 2>/dev/null || echo 0)`);
  // Slow: records when each run starts and ends, to show serialization and the parallel limit.
  writeAgent(ocf, 'Slow', `[ "$1" = meta-data ] && exit 1; echo "b $OCF_RESOURCE_INSTANCE $(date +%s%N)" >> ${trace}; sleep 0.3; echo "e $OCF_RESOURCE_INSTANCE $(date +%s%N)" >> ${trace}; exit 0`);
  writeAgent(ocf, 'BadMeta', 'echo "<resource-agent name=\\"BadMeta\\"><parameters>"; exit 0');
  writeAgent(ocf, 'NotExec', 'exit 0', 0o644);
  // An LSB init script with LSB's status codes (3 = stopped).
  writeAgent(
    join(root, 'init.d'),
    'lsbtest',
    [
      '### BEGIN INIT INFO',
      '# Provides:          lsbtest',
      '# Short-Description: an LSB test service',
      '# Description:       keeps a flag file',
      '### END INIT INFO',
      `F=${root}/lsbtest.on`,
      'case "$1" in start) touch $F;; stop) rm -f $F;; status) [ -f $F ] && { echo running; exit 0; }; echo stopped; exit 3;; *) exit 2;; esac',
    ].join('\n'),
  );
  // A heartbeat resource.d script: positional arguments, then the action.
  writeAgent(join(root, 'ha.d'), 'hbtest', `F=${root}/hbtest.$1; case "$2" in start) echo "$1" > $F;; stop) rm -f $F;; status) [ -f $F ] && echo running || echo stopped;; esac; exit 0`);
}

const paths = () => runtimePaths({ root });
async function startDaemon(extra: string[] = []): Promise<void> {
  daemon = spawn(process.execPath, [join(dist, 'main.js'), '--root', root, '--ocf-ra-path', `${root}/ocf:/usr/lib/ocf/resource.d`, '--init-dir', `${root}/init.d`, '--heartbeat-dir', `${root}/ha.d`, ...extra], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    try {
      client = await connectExecutor(paths(), { connectTimeoutMs: 500, timeoutMs: 60_000 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error('executor daemon did not come up');
}
async function stopDaemon(): Promise<void> {
  client?.close();
  daemon?.kill('SIGTERM');
  await new Promise((r) => daemon?.once('exit', r));
  daemon = undefined;
}
const haExec = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(dist, 'ha-exec.js'), '--root', root, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { out: r.stdout, err: r.stderr, code: r.status };
};
const exec = (p: Parameters<ExecutorClient['request']>[1] & { rsc: string; agent: string; action: string }) => client.request('exec', p as never) as Promise<WireOpRecord>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('executor daemon', () => {
  beforeAll(async () => {
    setup();
    await startDaemon(['--max-parallel', '2']);
  });
  afterAll(async () => {
    await stopDaemon();
    rmSync(root, { recursive: true, force: true });
  });

  it("runs Debian's Dummy agents through their life cycle with ha-exec's exit codes", () => {
    need('/usr/lib/ocf/resource.d/heartbeat/Dummy', 'resource-agents');
    need('/usr/lib/ocf/resource.d/pacemaker/Dummy', 'pacemaker-resource-agents');
    for (const agent of ['ocf:heartbeat:Dummy', 'ocf:pacemaker:Dummy']) {
      const rsc = agent.replace(/:/g, '-');
      const p = ['--rsc', rsc, '--param', `state=${root}/${rsc}.state`];
      const codes = ['monitor', 'start', 'monitor', 'stop', 'monitor'].map((a) => haExec('run', agent, a, ...p).code);
      expect(codes, agent).toEqual([7, 0, 0, 0, 7]);
    }
    const r = haExec('run', 'ocf:heartbeat:Dummy', 'start', '--rsc', 'dj', '--param', `state=${root}/dj.state`, '--timeout', '20s', '--json');
    expect(JSON.parse(r.out)).toMatchObject({ rsc: 'dj', key: 'dj_start_0', rc: 0, status: 'done', timeoutMs: 20000, digests: { opDigest: expect.stringMatching(/^[0-9a-f]{32}$/) } });
  });

  it("promotes and demotes Debian's ocf:pacemaker:Stateful (monitor says 8 when promoted)", async () => {
    need('/usr/lib/ocf/resource.d/pacemaker/Stateful', 'pacemaker-resource-agents');
    const op = (action: string) => exec({ rsc: 'st', agent: 'ocf:pacemaker:Stateful', action, params: { state: `${root}/st.state` } }).then((r) => r.rc);
    expect([await op('monitor'), await op('start'), await op('monitor'), await op('promote'), await op('monitor'), await op('demote'), await op('monitor'), await op('stop'), await op('monitor')]).toEqual([7, 0, 0, 0, 8, 0, 0, 0, 7]);
  });

  it('runs an LSB init script (status codes mapped) and a heartbeat resource.d script (positional parameters)', async () => {
    const lsb = (action: string) => exec({ rsc: 'web', agent: 'lsb:lsbtest', action }).then((r) => [r.rc, r.exitCode]);
    expect(await lsb('monitor')).toEqual([7, 3]);
    expect(await lsb('start')).toEqual([0, 0]);
    expect(await lsb('monitor')).toEqual([0, 0]);
    expect(await lsb('stop')).toEqual([0, 0]);
    expect(haExec('metadata', 'lsb:lsbtest').out).toContain('<shortdesc lang="en">an LSB test service</shortdesc>');
    const hb = (action: string) => exec({ rsc: 'hb', agent: 'heartbeat:hbtest', action, params: { 1: 'arg-one' } }).then((r) => r.rc);
    expect([await hb('monitor'), await hb('start'), await hb('monitor')]).toEqual([7, 0, 0]);
    expect(readFileSync(join(root, 'hbtest.arg-one'), 'utf8').trim()).toBe('arg-one');
    expect(await hb('stop')).toBe(0);
    expect(haExec('agents', 'lsb').out.split('\n')).toContain('lsb:lsbtest');
    expect(haExec('classes').out).toMatch(existsSync('/run/systemd/system') ? /systemd/ : /systemd \(unavailable: this host does not run systemd\)/);
  });

  it('times out a hung agent while the daemon keeps answering, and kills one that ignores SIGTERM', async () => {
    const hung = exec({ rsc: 'hang', agent: 'ocf:test:Hang', action: 'start', timeout: 1500 });
    await sleep(300);
    // Busy with a hung agent, the daemon still answers and runs other resources' operations.
    expect(await client.request('status', {})).toMatchObject({ running: 1 });
    expect((await exec({ rsc: 'other', agent: 'ocf:heartbeat:Dummy', action: 'monitor', params: { state: `${root}/o.state` } })).rc).toBe(7);
    expect(await hung).toMatchObject({ status: 'timeout', rc: 1, reason: 'timed out after 1500 ms' });
    const stubborn = await exec({ rsc: 'stub', agent: 'ocf:test:Stubborn', action: 'stop', timeout: 500 });
    expect(stubborn).toMatchObject({ status: 'timeout', reason: expect.stringContaining('ignored SIGTERM, killed') });
    expect((await client.request('status', {})).timeouts).toBe(2);
    expect(haExec('run', 'ocf:test:Hang', 'monitor', '--rsc', 'hang2', '--timeout', '300ms').code).toBe(124);
  });

  it('keeps the end of megabytes of output, logs it with the resource and operation, and reads ocf-exit-reason', async () => {
    const r = await exec({ rsc: 'chatty', agent: 'ocf:test:Chatty', action: 'start' });
    expect(r).toMatchObject({ rc: 0, exitReason: 'all printed' });
    expect(r.output.length).toBeLessThanOrEqual(4096);
    expect(r.output).toContain('last-line');
    await sleep(200);
    const log = readFileSync(logFile(paths(), 'executor'), 'utf8');
    const line = log.split('\n').find((l) => l.includes('"op":"chatty_start_0"') && l.includes('output'));
    expect(line).toBeDefined();
    expect(line!.length).toBeLessThan(80_000);
    expect(await client.request('status', {})).toMatchObject({ running: 0 });
  });

  it('reports a recurring monitor’s first result and then only changes; cancel stops it', async () => {
    const events: WireOpRecord[] = [];
    await client.subscribe('op', (e) => e.rsc === 'flaky' && events.push(e));
    writeFileSync(join(root, 'flaky.rc'), '0');
    const first = await exec({ rsc: 'flaky', agent: 'ocf:test:Flaky', action: 'monitor', interval: 200 });
    expect(first).toMatchObject({ rc: 0, intervalMs: 200, key: 'flaky_monitor_200' });
    const runs = () => readFileSync(join(root, 'flaky.runs'), 'utf8').split('\n').filter(Boolean).length;
    while (runs() < 5) await sleep(50);
    expect(events.map((e) => e.rc)).toEqual([0]);
    writeFileSync(join(root, 'flaky.rc'), '7');
    while (events.length < 2) await sleep(50);
    const n = runs();
    while (runs() < n + 3) await sleep(50);
    expect(events.map((e) => [e.rc, e.status])).toEqual([
      [0, 'done'],
      [7, 'done'],
    ]);
    expect(events[1]!.callId).toBe(first.callId);
    const hist = (await client.request('history', { rsc: 'flaky' })).resources[0]!;
    expect(hist.lastFailure).toMatchObject({ key: 'flaky_monitor_200', rc: 7 });
    expect((await client.request('recurring', {})).ops).toContainEqual({ rsc: 'flaky', action: 'monitor', intervalMs: 200, callId: first.callId });
    expect(haExec('cancel', 'flaky', 'monitor', '200ms').code).toBe(0);
    await sleep(100);
    const after = runs();
    await sleep(600);
    expect(runs()).toBe(after);
    expect(events.at(-1)).toMatchObject({ status: 'cancelled' });
    expect(haExec('cancel', 'flaky', 'monitor', '200ms').code).toBe(105);
  });

  it('a recurring run still in progress when cancelled reports nothing after the cancellation', async () => {
    const events: WireOpRecord[] = [];
    await client.subscribe('op', (e) => e.rsc === 'slowmon' && events.push(e));
    const first = await exec({ rsc: 'slowmon', agent: 'ocf:test:Slow', action: 'monitor', interval: 100 });
    expect(first).toMatchObject({ rc: 0, status: 'done' });
    // The next run starts 100 ms after the first ended and takes 300 ms: cancel in the middle of it.
    await sleep(250);
    expect(haExec('cancel', 'slowmon', 'monitor', '100ms').code).toBe(0);
    await sleep(500);
    expect(events.at(-1)).toMatchObject({ status: 'cancelled' });
    expect(events.filter((e) => e.status === 'cancelled')).toHaveLength(1);
    const hist = (await client.request('history', { rsc: 'slowmon' })).resources[0];
    expect(hist?.ops.some((o) => o.key === 'slowmon_monitor_100') ?? false).toBe(false);
  });

  it('runs one operation at a time per resource and at most --max-parallel on the node', async () => {
    const trace = join(root, 'trace');
    rmSync(trace, { force: true });
    const ops = ['a', 'a', 'a', 'b', 'c', 'd'].map((rsc) => exec({ rsc, agent: 'ocf:test:Slow', action: 'start' }));
    const results = await Promise.all(ops);
    expect(results.every((r) => r.rc === 0)).toBe(true);
    expect(results.slice(0, 3).map((r) => r.callId)).toEqual([...results.slice(0, 3).map((r) => r.callId)].sort((x, y) => x - y));
    const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => l.split(' '));
    let now = 0;
    let peak = 0;
    const active = new Set<string>();
    for (const [ev, rsc] of lines) {
      if (ev === 'b') {
        expect(active.has(rsc!), `two operations of ${rsc} at once`).toBe(false);
        active.add(rsc!);
        now++;
        peak = Math.max(peak, now);
      } else {
        active.delete(rsc!);
        now--;
      }
    }
    expect(peak).toBe(2);
    expect(results.some((r) => r.queueMs > 0)).toBe(true);
  });

  it('waits start-delay before the first run', async () => {
    const t0 = Date.now();
    const r = await exec({ rsc: 'delayed', agent: 'ocf:heartbeat:Dummy', action: 'monitor', startDelay: 400, params: { state: `${root}/dl.state` } });
    expect(r.lastRun - t0).toBeGreaterThanOrEqual(390);
  });

  it('says clearly what is wrong: unknown agent, not executable, bad meta-data, bad request, no daemon', async () => {
    expect(haExec('run', 'ocf:test:Nope', 'start')).toMatchObject({ code: 105, err: expect.stringContaining(`agent ocf:test:Nope is not installed: no ${root}/ocf/test/Nope`) });
    expect(haExec('run', 'ocf:test:NotExec', 'start')).toMatchObject({ code: 126, err: expect.stringContaining('is not executable') });
    expect(haExec('metadata', 'ocf:test:BadMeta')).toMatchObject({ code: 65, err: expect.stringContaining('ocf:test:BadMeta: its meta-data is not XML') });
    expect(haExec('run', 'ocf:Dummy', 'start')).toMatchObject({ code: 64, err: expect.stringContaining('ocf:PROVIDER:TYPE') });
    expect(haExec('run', 'ocf:heartbeat:Dummy')).toMatchObject({ code: 64 });
    await expect(exec({ rsc: 'x y', agent: 'ocf:heartbeat:Dummy', action: 'start' })).rejects.toThrow(/bad resource id/);
    expect(haExec('--root', join(root, 'elsewhere'), 'status')).toMatchObject({ code: 102 });
    // --local runs without the daemon, the same way.
    expect(haExec('--root', join(root, 'elsewhere'), 'run', '--local', 'ocf:heartbeat:Dummy', 'monitor', '--param', `state=${root}/l.state`).code).toBe(7);
  });

  it('keeps each resource’s history with call ids, digests and the last failure; forget drops it', async () => {
    const p = { state: `${root}/h.state` };
    await exec({ rsc: 'h', agent: 'ocf:heartbeat:Dummy', action: 'start', params: p });
    const changed = await exec({ rsc: 'h', agent: 'ocf:heartbeat:Dummy', action: 'monitor', params: { ...p, fake: 'x' } });
    const h = (await client.request('history', { rsc: 'h' })).resources[0]!;
    expect(h.ops.map((o) => o.key)).toEqual(['h_start_0', 'h_monitor_0']);
    expect(h.ops[0]!.digests.opDigest).not.toBe(changed.digests.opDigest);
    // Dummy declares "fake" reloadable: changing it leaves the restart digest alone.
    expect(h.ops[0]!.digests.restartDigest).toBe(changed.digests.restartDigest);
    expect(h.ops[1]!.callId).toBeGreaterThan(h.ops[0]!.callId);
    await expect(exec({ rsc: 'h', agent: 'ocf:pacemaker:Dummy', action: 'start' })).rejects.toThrow(/is ocf:heartbeat:Dummy here/);
    expect(haExec('forget', 'h').code).toBe(0);
    expect((await client.request('history', { rsc: 'h' })).resources).toEqual([]);
  });
});
