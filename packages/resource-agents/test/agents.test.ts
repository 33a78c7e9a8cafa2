/**
 * Our agents, run as real executables: each passes our tester and Debian's ocf-tester
 * (which also checks the meta-data against ra-api-1.dtd with xmllint and runs meta-data as
 * nobody); then what each one is for, tested on real processes, sockets and ping.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetadata } from '@heartbeat-ts/executor';
import { pidAlive, readParams, ParamError } from '../src/sdk/index.js';
import { runOcfChecks } from '../src/tester.js';
import { resourceDir } from '../src/index.js';

const dir = join(resourceDir(), 'heartbeat-ts');
let tmp: string;
let server: ChildProcess;
let port: number;
/** The web service HttpCheck watches, in its own process (spawnSync blocks this one): answers what the files say. */
const setAnswer = (status: number, body: string) => {
  writeFileSync(join(tmp, 'http.status'), String(status));
  writeFileSync(join(tmp, 'http.body'), body);
};

const agent = (name: string, action: string, params: Record<string, string>, extra: Record<string, string> = {}) => {
  const env: Record<string, string> = { PATH: process.env.PATH!, HA_RSCTMP: join(tmp, 'rsctmp'), OCF_RESOURCE_INSTANCE: `${name}-t`, OCF_ROOT: '/usr/lib/ocf', ...extra };
  for (const [k, v] of Object.entries(params)) env[`OCF_RESKEY_${k}`] = v;
  const r = spawnSync(join(dir, name), [action], { env, encoding: 'utf8', timeout: 30_000 });
  return { rc: r.status, out: r.stdout, err: r.stderr };
};
const debianOcfTester = (name: string, params: Record<string, string>) =>
  spawnSync('ocf-tester', ['-n', `${name}-deb`, ...Object.entries(params).flatMap(([k, v]) => ['-o', `${k}=${v}`]), join(dir, name)], { env: { ...process.env, OCF_ROOT: '/usr/lib/ocf', HA_RSCTMP: join(tmp, 'rsctmp') }, encoding: 'utf8', timeout: 120_000 });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hbts-agents-'));
  // ocf-tester runs meta-data as nobody: the directory must be readable by everyone.
  chmodSync(tmp, 0o755);
  setAnswer(200, 'hello cluster');
  const code = `const fs = require('fs'); const s = require('http').createServer((q, r) => { r.statusCode = Number(fs.readFileSync('${tmp}/http.status', 'utf8')); r.end(fs.readFileSync('${tmp}/http.body')); }); s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;
  server = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve) => server.stdout!.once('data', (b: Buffer) => resolve(Number(b.toString().trim()))));
});
afterAll(() => {
  server?.kill();
  rmSync(tmp, { recursive: true, force: true });
});

const cases: [string, () => Record<string, string>][] = [
  ['Dummy', () => ({ state: join(tmp, 'dummy.state') })],
  ['Stateful', () => ({ state: join(tmp, 'stateful.state') })],
  ['anything', () => ({ binfile: 'sleep', cmdline_options: '1000', pidfile: join(tmp, 'anything.pid') })],
  ['ping', () => ({ host_list: '127.0.0.1', state: join(tmp, 'ping.state'), timeout: '1', attempts: '1' })],
  ['HttpCheck', () => ({ url: `http://127.0.0.1:${port}/`, state: join(tmp, 'http.state') })],
];

describe('our agents pass the OCF contract checks', () => {
  for (const [name, params] of cases) {
    it(`${name}: ha-ocf-tester and Debian's ocf-tester`, async () => {
      const results = await runOcfChecks({ agent: join(dir, name), params: params(), env: { HA_RSCTMP: join(tmp, 'rsctmp') } });
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results.length).toBeGreaterThan(20);
      if (!existsSync('/usr/sbin/ocf-tester')) throw new Error('Debian’s ocf-tester is missing: install the package resource-agents');
      const deb = debianOcfTester(name, params());
      expect(deb.status, deb.stdout + deb.stderr).toBe(0);
      expect(deb.stdout).toContain('passed all tests');
    });
  }

  it('meta-data follows ra-api-1.dtd and reads back with the executor’s parser', () => {
    for (const [name] of cases) {
      const xml = agent(name, 'meta-data', {}).out;
      const lint = spawnSync('xmllint', ['--noout', '--valid', '-'], { input: xml, cwd: '/usr/share/resource-agents', encoding: 'utf8' });
      expect(lint.status, `${name}: ${lint.stderr}`).toBe(0);
      const md = parseMetadata(name, xml);
      expect(md.actions.map((a) => a.name)).toEqual(expect.arrayContaining(['start', 'stop', 'monitor', 'meta-data', 'validate-all']));
    }
    const stateful = parseMetadata('Stateful', agent('Stateful', 'meta-data', {}).out);
    expect(stateful.actions.filter((a) => a.name === 'monitor').map((a) => a.role)).toEqual(['Unpromoted', 'Promoted']);
  });
});

describe('the SDK', () => {
  it('types parameters from the declaration, applies defaults and names what is wrong', () => {
    const decl = {
      n: { type: 'integer', shortdesc: 'n', default: 3 },
      b: { type: 'boolean', shortdesc: 'b', default: false },
      s: { shortdesc: 's', required: true },
      f: { shortdesc: 'f', default: '${HA_RSCTMP}/x-${OCF_RESOURCE_INSTANCE}' },
    } as const;
    const expand = (t: string) => t.replace('${HA_RSCTMP}', '/run/r').replace('${OCF_RESOURCE_INSTANCE}', 'i');
    const p = readParams(decl, { OCF_RESKEY_s: 'x', OCF_RESKEY_b: 'yes' }, expand);
    expect(p).toEqual({ n: 3, b: true, s: 'x', f: '/run/r/x-i' });
    const n: number = p.n;
    expect(n + 1).toBe(4);
    expect(() => readParams(decl, {}, expand)).toThrow(new ParamError('parameter s is required (s)'));
    expect(() => readParams(decl, { OCF_RESKEY_s: 'x', OCF_RESKEY_n: 'ten' }, expand)).toThrow('parameter n: "ten" is not an integer');
  });

  it('says not configured, with an exit reason, for a missing or ill-typed parameter; unknown actions are unimplemented', () => {
    expect(agent('anything', 'start', {})).toMatchObject({ rc: 6, err: expect.stringContaining('ocf-exit-reason:parameter binfile is required') });
    expect(agent('IPaddr2', 'start', { ip: '10.0.0.300' })).toMatchObject({ rc: 6, err: expect.stringContaining('ocf-exit-reason:ip: "10.0.0.300" is not an IPv4 or IPv6 address') });
    expect(agent('Dummy', 'frobnicate', {}).rc).toBe(3);
    expect(agent('Dummy', 'validate-all', { state: 'relative' })).toMatchObject({ rc: 6, err: expect.stringContaining('absolute path') });
  });
});

describe('what each agent does', () => {
  it('anything: monitors by pid and hook, reports a crash, kills a daemon that ignores SIGTERM', async () => {
    const script = join(tmp, 'stubborn.sh');
    writeFileSync(script, '#!/bin/sh\ntrap "" TERM\nwhile :; do sleep 1; done\n');
    chmodSync(script, 0o755);
    const p = { binfile: script, pidfile: join(tmp, 'stub.pid'), stop_timeout: '1', logfile: join(tmp, 'stub.log') };
    expect(agent('anything', 'start', p).rc).toBe(0);
    const pid = Number(readFileSync(p.pidfile, 'utf8'));
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('stubborn.sh');
    expect(agent('anything', 'monitor', { ...p, monitor_hook: 'false' }).rc).toBe(1);
    expect(agent('anything', 'monitor', { ...p, monitor_hook: 'true' }).rc).toBe(0);
    const t0 = Date.now();
    expect(agent('anything', 'stop', p).rc).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(pidAlive(pid)).toBe(false);
    // A crash: the recurring monitor fails, a probe says not running.
    const q = { binfile: 'sleep', cmdline_options: '1000', pidfile: join(tmp, 'crash.pid') };
    expect(agent('anything', 'start', q).rc).toBe(0);
    process.kill(Number(readFileSync(q.pidfile, 'utf8')), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(agent('anything', 'monitor', q, { OCF_RESKEY_CRM_meta_interval: '10000' }).rc).toBe(1);
    expect(agent('anything', 'monitor', q, { OCF_RESKEY_CRM_meta_interval: '0' }).rc).toBe(7);
    expect(agent('anything', 'start', { binfile: 'false' })).toMatchObject({ rc: 1, err: expect.stringContaining('exited at once') });
  });

  it('HttpCheck: fails with the reason on a wrong status, a body that does not match, a refused connection', async () => {
    const free = createNetServer().listen(0, '127.0.0.1');
    await new Promise((r) => free.once('listening', r));
    const closedPort = (free.address() as { port: number }).port;
    await new Promise((r) => free.close(r));
    const p = { url: `http://127.0.0.1:${port}/`, state: join(tmp, 'hc.state'), expect_body: 'cluster' };
    expect(agent('HttpCheck', 'start', p).rc).toBe(0);
    expect(agent('HttpCheck', 'monitor', p).rc).toBe(0);
    setAnswer(503, 'hello cluster');
    expect(agent('HttpCheck', 'monitor', p)).toMatchObject({ rc: 1, err: expect.stringContaining('status 503, expected 200-399') });
    setAnswer(200, 'something else');
    expect(agent('HttpCheck', 'monitor', p)).toMatchObject({ rc: 1, err: expect.stringContaining('does not match /cluster/') });
    setAnswer(200, 'hello cluster');
    // A port nobody listens on.
    expect(agent('HttpCheck', 'monitor', { ...p, url: `http://127.0.0.1:${closedPort}/` })).toMatchObject({ rc: 1, err: expect.stringContaining('ECONNREFUSED') });
    expect(agent('HttpCheck', 'stop', p).rc).toBe(0);
    expect(agent('HttpCheck', 'monitor', p).rc).toBe(7);
  });

  it('ping: counts the hosts that answer and gives the score to attrd_updater', () => {
    // attrd_updater here records its arguments: the attribute daemon (issue 8) is not built yet.
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'attrd_updater'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${tmp}/attrd.calls\n`);
    chmodSync(join(bin, 'attrd_updater'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const p = { host_list: '127.0.0.1 127.0.0.2 nowhere.invalid', multiplier: '100', timeout: '1', attempts: '1', state: join(tmp, 'pg.state'), dampen: '2s' };
    expect(agent('ping', 'start', p, env).rc).toBe(0);
    expect(readFileSync(join(tmp, 'attrd.calls'), 'utf8').trim()).toBe('-n pingd -U 200 -d 2s');
    expect(agent('ping', 'monitor', { ...p, failure_score: '300' }, env)).toMatchObject({ rc: 1, err: expect.stringContaining('score 200 is below failure_score 300') });
    expect(agent('ping', 'stop', p, env).rc).toBe(0);
    expect(readFileSync(join(tmp, 'attrd.calls'), 'utf8').trim().split('\n').at(-1)).toBe('-D -n pingd -d 2s');
  });
});
