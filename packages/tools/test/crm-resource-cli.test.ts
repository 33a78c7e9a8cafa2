/**
 * crm_resource's commands on a running CIB daemon, beside Pacemaker 2.1.5's crm_resource on a
 * copy of the same CIB (CIB_file): the same commands give the same output and the same CIB
 * changes. Then --why, checked against the scores our scheduler computed, and the exit codes.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cib, CibProtocol } from '@heartbeat-ts/cib';
import { IpcClient, runtimePaths, socketPath } from '@heartbeat-ts/cluster-glue';
import { buildWorkingSet, schedule } from '@heartbeat-ts/pengine';
import { explainPlacement, type WhyExplanation } from '../src/why.js';

const captures = join(__dirname, '../../../../shared/reference/captures/pacemaker-3node');
const dist = join(__dirname, '../dist/src');
const root = mkdtempSync(join(tmpdir(), 'hbts-crm-resource-'));
const theirFile = join(root, 'pacemaker-cib.xml');
let daemon: ChildProcess;

beforeAll(async () => {
  mkdirSync(join(root, 'var/lib/heartbeat-ts/cib'), { recursive: true });
  copyFileSync(join(captures, 'cib-live.xml'), join(root, 'var/lib/heartbeat-ts/cib/cib.xml'));
  copyFileSync(join(captures, 'cib-live.xml'), theirFile);
  daemon = spawn(process.execPath, [join(__dirname, '../../cib/dist/src/main.js'), '--root', root], { stdio: 'ignore' });
  const sock = socketPath(runtimePaths({ root }), 'cib');
  for (let i = 0; ; i++) {
    try {
      (await IpcClient.connect(CibProtocol, { path: sock, connectTimeoutMs: 500 })).close();
      break;
    } catch (e) {
      if (i > 200) throw e;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
});
afterAll(() => {
  daemon?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const ours = (...args: string[]) => spawnSync(process.execPath, [join(dist, 'crm-resource.js'), '--root', root, ...args], { encoding: 'utf8' });
const theirs = (...args: string[]) => spawnSync('/usr/sbin/crm_resource', args, { encoding: 'utf8', env: { ...process.env, CIB_file: theirFile } });
const cibadmin = (...args: string[]) => spawnSync(process.execPath, [join(__dirname, '../../cib/dist/src/cibadmin.js'), '--root', root, ...args], { encoding: 'utf8' });
/** Both, the output compared (without the request echoed in XML). */
const both = (...args: string[]) => {
  const o = ours(...args);
  const t = theirs(...args);
  if (t.error || (t.status !== 0 && !t.stdout && !t.stderr)) throw new Error(`Pacemaker's crm_resource (package pacemaker-cli-utils) did not run: ${t.error?.message ?? t.status}`);
  const strip = (x: string) => x.replace(/ request="[^"]*"/, '');
  expect([o.status, strip(o.stdout)], `crm_resource ${args.join(' ')}\nours: ${o.stderr}\ntheirs: ${t.stderr}`).toEqual([t.status, strip(t.stdout)]);
  return o;
};
const liveCib = () => Cib.parse(cibadmin('-Q').stdout, 'live');

describe('crm_resource beside Pacemaker\'s on the same CIB', () => {
  it('--list and --list-raw', () => {
    both('--list');
    both('--list-raw');
  });

  it('parameters: --get/--set/--delete-parameter, --meta, --utilization (the CIB changed alike)', () => {
    both('-r', 'web-vip', '--get-parameter', 'ip');
    both('-r', 'web-vip', '--get-parameter', 'ip', '--output-as', 'xml');
    both('-r', 'web-vip', '--set-parameter', 'foo', '--parameter-value', 'bar');
    both('-r', 'web-vip', '--get-parameter', 'foo');
    both('-r', 'web-vip', '--meta', '--set-parameter', 'target-role', '--parameter-value', 'Started');
    both('-r', 'web', '--meta', '--set-parameter', 'target-role', '--parameter-value', 'Started');
    both('-r', 'web-vip', '--utilization', '--set-parameter', 'cpu', '--parameter-value', '2');
    both('-r', 'web-vip', '--delete-parameter', 'foo');
    both('-r', 'web-vip', '--get-parameter', 'nope');
    // The resources sections agree, nvpair for nvpair.
    const pairs = (xml: string) => [...xml.matchAll(/<nvpair [^>]*>/g)].map((m) => m[0].replace(/\s+/g, ' ')).sort();
    const section = (xml: string) => /<resources>[\s\S]*<\/resources>/.exec(xml)![0];
    expect(pairs(section(cibadmin('-Q').stdout))).toEqual(pairs(section(readFileSync(theirFile, 'utf8'))));
  });

  it('--constraints and --stack (text and XML)', () => {
    for (const run of [ours, theirs]) {
      run('-r', 'web', '--ban', '-N', 'n1');
      run('-r', 'web', '--move', '-N', 'n2');
    }
    cibadmin('-C', '-o', 'constraints', '-X', '<rsc_colocation id="c-with-web" rsc="fence-netns" with-rsc="web" score="100"/>');
    spawnSync('/usr/sbin/cibadmin', ['-C', '-o', 'constraints', '-X', '<rsc_colocation id="c-with-web" rsc="fence-netns" with-rsc="web" score="100"/>'], { env: { ...process.env, CIB_file: theirFile } });
    both('-r', 'web', '--constraints');
    both('-r', 'fence-netns', '--constraints');
    both('-r', 'fence-netns', '--stack');
    both('-r', 'web', '--constraints', '--output-as', 'xml');
  });

  it('unknown resource: exit 105 with the closest ids', () => {
    const r = ours('-r', 'web-vi', '--get-parameter', 'ip');
    expect(r.status).toBe(105);
    expect(r.stderr).toContain("Resource 'web-vi' not found (did you mean web-vip?)");
    expect(theirs('-r', 'web-vi', '--get-parameter', 'ip').status).toBe(105);
  });
});

describe('crm_resource --force-*', () => {
  it('runs the resource\'s agent here (Debian\'s ocf:heartbeat:Dummy): check, start, check, stop; exit code the agent\'s', () => {
    const rc = (...args: string[]) => {
      const r = ours('-r', 'c-dummy', ...args);
      return [r.status, r.stdout.trim().split('\n').at(-1)];
    };
    expect(rc('--force-check')).toEqual([7, "Operation force-check for c-dummy (ocf:heartbeat:Dummy) returned: 'not running' (7)"]);
    try {
      expect(rc('--force-start')).toEqual([0, "Operation force-start for c-dummy (ocf:heartbeat:Dummy) returned: 'ok' (0)"]);
      const j = JSON.parse(ours('-r', 'c-dummy', '--force-check', '--output-as', 'json').stdout);
      expect(j.operation).toMatchObject({ action: 'force-check', resource: 'c-dummy', agent: 'ocf:heartbeat:Dummy', rc: 0, rc_text: 'ok', status: 'done' });
    } finally {
      expect(rc('--force-stop')).toEqual([0, "Operation force-stop for c-dummy (ocf:heartbeat:Dummy) returned: 'ok' (0)"]);
    }
  });

  it('the commands without data of their own answer with the status in XML and their lines in JSON', () => {
    const x = ours('-r', 'web-vip', '--set-parameter', 'foo2', '--parameter-value', 'x', '--output-as', 'xml');
    expect(x.stdout).toMatch(/<pacemaker-result api-version="2.25" [^>]*>\n {2}<status code="0" message="OK"\/>\n<\/pacemaker-result>/);
    const j = JSON.parse(ours('-r', 'web-vip', '--delete-parameter', 'foo2', '--output-as', 'json').stdout);
    expect(j.messages).toEqual(["Deleted 'web-vip' option: id=web-vip-instance_attributes-foo2 name=foo2"]);
  });
});

describe('crm_resource --why', () => {
  const why = (rsc: string): WhyExplanation => {
    const r = ours('-r', rsc, '--why', '--output-as', 'json');
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j['heartbeat-ts']).toEqual({ command: 'crm_resource', version: 1 });
    return j.why;
  };
  /** The scores our scheduler computed for the resource, per node. */
  const scheduled = (rsc: string) => {
    const ws = buildWorkingSet(liveCib());
    schedule(ws);
    return ws.byId.get(rsc)!.scores!;
  };

  it('moved and banned: the scheduler\'s scores, and the constraints that made them', () => {
    // (web: banned from n1 and moved to n2 above.)
    const x = why('web');
    const s = scheduled('web');
    for (const n of x.nodes) expect(n.score, n.node).toBe(s.get(n.node));
    expect(x.placed).toBe('n2');
    const n1 = x.nodes.find((n) => n.node === 'n1')!;
    expect(n1.allowed).toBe(false);
    expect(n1.contributions).toContainEqual(expect.objectContaining({ source: 'location', id: 'cli-ban-web-on-n1', score: -1_000_000 }));
    expect(x.nodes.find((n) => n.node === 'n2')!.contributions).toContainEqual(expect.objectContaining({ source: 'location', id: 'cli-prefer-web', score: 1_000_000 }));
    expect(x.reasons.join(' ')).toMatch(/goes on n2/);
  });

  it('colocated: the colocation with where the other runs', () => {
    const x = why('fence-netns');
    const onN2 = x.nodes.find((n) => n.node === 'n2')!;
    expect(onN2.contributions).toContainEqual(expect.objectContaining({ source: 'colocation', id: 'c-with-web', score: 100 }));
    const s = scheduled('fence-netns');
    for (const n of x.nodes) expect(n.score, n.node).toBe(s.get(n.node));
  });

  it('stopped (target-role) and failed (migration-threshold reached)', () => {
    ours('-r', 'web-apache', '--meta', '--set-parameter', 'target-role', '--parameter-value', 'Stopped');
    const stopped = why('web-apache');
    expect(stopped.placed).toBeNull();
    expect(stopped.reasons[0]).toContain('target-role=Stopped on web-apache');
    // A fail count at the threshold on n2 bans c-dummy's instance there.
    ours('-r', 'c-dummy', '--meta', '--set-parameter', 'migration-threshold', '--parameter-value', '1');
    cibadmin('-M', '-o', 'status', '-X', '<node_state id="2" uname="n2"><transient_attributes id="2"><instance_attributes id="status-2"><nvpair id="status-2-fc" name="fail-count-c-dummy#monitor_5000" value="1"/></instance_attributes></transient_attributes></node_state>');
    const failed = explainPlacement(liveCib(), 'c-dummy:0')!;
    const n2 = failed.nodes.find((n) => n.node === 'n2')!;
    expect(n2.contributions).toContainEqual(expect.objectContaining({ source: 'failcount', score: -1_000_000 }));
    expect(n2.contributions.find((c) => c.source === 'failcount')!.detail).toMatch(/failed 1 time on n2 \(migration-threshold 1\): banned until cleaned up/);
  });

  it('text: the resource, the reasons, each node', () => {
    const r = ours('-r', 'web', '--why');
    expect(r.stdout).toMatch(/^Resource web is running on n3\n {2}it goes on n2: score INFINITY/);
    expect(r.stdout).toContain('  n1: score -INFINITY (not allowed)\n    - cli-ban-web-on-n1: -INFINITY for web on n1\n');
  });
});
