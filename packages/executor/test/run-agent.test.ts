import { chmodSync, existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRc, ocfEnvironment, parseAgent } from '../src/ocf.js';
import { runAgent } from '../src/run-agent.js';
import { defaultLocations } from '../src/agent-classes.js';

const need = (path: string, pkg: string) => {
  if (!existsSync(path)) throw new Error(`this test runs ${path}: install the Debian package ${pkg}`);
};

/** A private OCF root with test agents of our own (hung, stubborn, chatty). */
function testRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'hbts-ocf-'));
  const dir = join(root, 'resource.d', 'test');
  mkdirSync(dir, { recursive: true });
  const agent = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  agent('Hang', 'sleep 60');
  agent('Stubborn', 'trap "" TERM; sleep 60 & echo $! > "$OCF_ROOT/child.pid"; wait; sleep 60');
  agent('Chatty', 'head -c 5000000 /dev/zero | tr "\\\\0" x; echo; echo last-line; exit 0');
  agent('Env', 'env | grep -E "^OCF_" | sort; exit 0');
  writeFileSync(join(dir, 'NotExec'), '#!/bin/sh\nexit 0\n');
  return root;
}

describe('OCF names, environment and exit codes (pure)', () => {
  it('parses agent names and builds Pacemaker’s environment', () => {
    expect(parseAgent('ocf:heartbeat:IPaddr2')).toEqual({ class: 'ocf', provider: 'heartbeat', type: 'IPaddr2' });
    expect(parseAgent('lsb:apache2')).toEqual({ class: 'lsb', type: 'apache2' });
    expect(() => parseAgent('ocf:Dummy')).toThrow(/ocf:PROVIDER:TYPE/);
    expect(ocfEnvironment(parseAgent('ocf:pacemaker:Dummy'), { rsc: 'd:1', params: { state: '/tmp/s' }, meta: { timeout: '20000', 'clone-max': '2' }, checkLevel: 10 })).toMatchObject({
      OCF_ROOT: '/usr/lib/ocf',
      OCF_RESOURCE_INSTANCE: 'd:1',
      OCF_RESOURCE_TYPE: 'Dummy',
      OCF_RESOURCE_PROVIDER: 'pacemaker',
      OCF_RESKEY_state: '/tmp/s',
      OCF_RESKEY_CRM_meta_timeout: '20000',
      OCF_RESKEY_CRM_meta_clone_max: '2',
      OCF_CHECK_LEVEL: '10',
    });
    expect(describeRc(7)).toBe('OCF_NOT_RUNNING (not running)');
    expect(describeRc(190)).toBe('OCF_DEGRADED (degraded)');
  });
});

describe('running real agents', () => {
  for (const provider of ['heartbeat', 'pacemaker']) {
    it(`Debian's ocf:${provider}:Dummy goes through its life cycle`, async () => {
      need(`/usr/lib/ocf/resource.d/${provider}/Dummy`, provider === 'heartbeat' ? 'resource-agents' : 'pacemaker-resource-agents');
      const state = join(mkdtempSync(join(tmpdir(), 'hbts-dummy-')), 'd.state');
      const agent = parseAgent(`ocf:${provider}:Dummy`);
      const op = (action: string) => runAgent(agent, action, { rsc: 'd1', params: { state }, timeoutMs: 20_000, env: { HA_RSCTMP: tmpdir() } }).then((r) => r.rc);
      expect([await op('monitor'), await op('start'), await op('monitor'), await op('stop'), await op('monitor')]).toEqual([7, 0, 0, 0, 7]);
      const meta = await runAgent(agent, 'meta-data', { rsc: 'd1', timeoutMs: 10_000 });
      expect(meta.rc).toBe(0);
      expect(meta.output).toContain('<resource-agent name="Dummy"');
    });
  }

  it('times out a hung agent and kills an agent that ignores SIGTERM, with its children', async () => {
    const root = testRoot();
    const t0 = Date.now();
    const hung = await runAgent(parseAgent('ocf:test:Hang'), 'start', { rsc: 'h', ocfRoot: root, timeoutMs: 300, killGraceMs: 300 });
    expect(hung).toMatchObject({ status: 'timeout', rc: 1, reason: 'timed out after 300 ms' });
    expect(Date.now() - t0).toBeLessThan(2000);
    const t1 = Date.now();
    const stubborn = await runAgent(parseAgent('ocf:test:Stubborn'), 'stop', { rsc: 's', ocfRoot: root, timeoutMs: 300, killGraceMs: 300 });
    expect(stubborn.status).toBe('timeout');
    expect(Date.now() - t1).toBeLessThan(3000);
    const child = Number(readFileSync(join(root, 'child.pid'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    // The agent's background child went with it (gone, or a zombie waiting for init to reap it).
    const state = (() => {
      try {
        return readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]![0];
      } catch {
        return 'gone';
      }
    })();
    expect(['gone', 'Z']).toContain(state);
  });

  it('captures the end of megabytes of output, and reports missing or non-executable agents clearly', async () => {
    const root = testRoot();
    const chatty = await runAgent(parseAgent('ocf:test:Chatty'), 'monitor', { rsc: 'c', ocfRoot: root, timeoutMs: 10_000, maxOutput: 4096 });
    expect(chatty.rc).toBe(0);
    expect(chatty.output.length).toBeLessThanOrEqual(4096);
    expect(chatty.output).toContain('last-line');
    expect(await runAgent(parseAgent('ocf:test:Nope'), 'start', { rsc: 'x', ocfRoot: root, timeoutMs: 1000 })).toMatchObject({ rc: 5, status: 'not-installed', reason: expect.stringContaining('is not installed: no ') });
    expect(await runAgent(parseAgent('ocf:test:NotExec'), 'start', { rsc: 'x', ocfRoot: root, timeoutMs: 1000 })).toMatchObject({ rc: 4, reason: expect.stringContaining("is not executable") });
    const env = await runAgent(parseAgent('ocf:test:Env'), 'monitor', { rsc: 'e', ocfRoot: root, timeoutMs: 5000, params: { ip: '10.0.0.1' }, meta: { interval: '10000' } });
    expect(env.output).toContain('OCF_RESKEY_ip=10.0.0.1');
    expect(env.output).toContain('OCF_RESKEY_CRM_meta_interval=10000');
  });
});

describe('digests as Pacemaker computes them', () => {
  it('match the op-digest Pacemaker recorded in its scheduler corpus', async () => {
    const { paramsDigest } = await import('../src/digest.js');
    // 1-a-then-bm-move-b: Dummy without parameters; its start and its 60 s monitor (timeout 20 s).
    expect(paramsDigest({})).toBe('f2317cad3d54cec5d7d7aa7d0bf35cf8');
    expect(paramsDigest({ CRM_meta_timeout: '20000' })).toBe('4811cef7f7f94e3a35a70be7916cb2fd');
  });

  it('starts and monitors a stonith resource by checking its device through the fencer command (0 works, 105 no such device)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-stonith-class-'));
    // (The fencer's answer stands in as a command: stonith_admin -Q in the CRM.)
    const answer = join(dir, 'answer');
    const check = ['/bin/sh', '-c', `exit $(cat ${answer})`, 'check'];
    const op = (action: string) => runAgent(parseAgent('stonith:fence_x'), action, { rsc: 'fence-x', timeoutMs: 5000, env: { HA_RSCTMP: dir }, locations: { ...defaultLocations(), fenceQuery: check } }).then((r) => r.rc);
    writeFileSync(answer, '0');
    expect(await op('monitor')).toBe(7);
    expect(await op('start')).toBe(0);
    expect(await op('monitor')).toBe(0);
    writeFileSync(answer, '1');
    expect(await op('monitor')).toBe(1);
    expect(await op('stop')).toBe(0);
    expect(await op('monitor')).toBe(7);
    expect(await op('start')).toBe(1);
    writeFileSync(answer, '105');
    expect(await op('start')).toBe(5);
    expect(await op('monitor')).toBe(7);
  });
});
