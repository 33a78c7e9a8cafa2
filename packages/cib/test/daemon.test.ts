import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IpcClient, runtimePaths, socketPath } from '@heartbeat-ts/cluster-glue';
import { CibProtocol } from '../src/protocol.js';

const dist = join(__dirname, '../dist/src');
let root: string;
let daemon: ChildProcess | undefined;

const start = async () => {
  daemon = spawn(process.execPath, [join(dist, 'main.js'), '--root', root], { stdio: 'ignore' });
  const sock = socketPath(runtimePaths({ root }), 'cib');
  // Wait until it answers (after a kill -9 the old socket file is still there).
  for (let i = 0; i < 200; i++) {
    try {
      (await IpcClient.connect(CibProtocol, { path: sock, connectTimeoutMs: 500 })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error('cib daemon did not come up');
};
const cibadmin = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(dist, 'cibadmin.js'), '--root', root, ...args], { encoding: 'utf8' });
  return { out: r.stdout, err: r.stderr, code: r.status };
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hbts-cibd-'));
});
afterEach(() => {
  daemon?.kill('SIGKILL');
  daemon = undefined;
  rmSync(root, { recursive: true, force: true });
});

describe('cib daemon and cibadmin over the real socket', () => {
  it('query, create, modify, delete with Pacemaker’s exit codes; a rejected update changes nothing', async () => {
    await start();
    expect(cibadmin('-Q').out).toMatch(/^<cib admin_epoch="0" epoch="0" num_updates="0"/);
    expect(cibadmin('-C', '-o', 'resources', '-X', '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>').code).toBe(0);
    expect(cibadmin('-C', '-o', 'resources', '-X', '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>')).toMatchObject({ code: 108, err: expect.stringContaining('already exists') });
    expect(cibadmin('-M', '-X', '<primitive id="d1" description="test"/>').code).toBe(0);
    expect(cibadmin('-Q', '-A', "//primitive[@id='d1']").out).toContain('description="test"');
    const before = cibadmin('-Q').out;
    expect(cibadmin('-C', '-o', 'constraints', '-X', '<rsc_location id="l1" rsc="ghost" node="n1" score="INFINITY"/>')).toMatchObject({ code: 65, err: expect.stringContaining('the CIB is unchanged') });
    expect(cibadmin('-Q').out).toBe(before);
    expect(cibadmin('-D', '-A', "//primitive[@id='d1']").code).toBe(0);
    expect(cibadmin('-Q', '-A', "//primitive[@id='d1']").code).toBe(105);
    expect(cibadmin('-Q', '-o', 'resources').out.trim()).toBe('<resources/>');
    expect(cibadmin('-C').code).toBe(64);
  });

  it('every acknowledged update survives kill -9 of the daemon', async () => {
    const acked: string[] = [];
    for (let round = 0; round < 3; round++) {
      await start();
      const c = await IpcClient.connect(CibProtocol, { path: socketPath(runtimePaths({ root }), 'cib'), timeoutMs: 2000 });
      const killAt = 20 + round * 7;
      let n = 0;
      try {
        for (;;) {
          const id = `r${round}-${n}`;
          if (n === killAt) daemon!.kill('SIGKILL');
          await c.request('create', { section: 'resources', xml: `<primitive id="${id}" class="lsb" type="x"/>` });
          acked.push(id);
          n++;
        }
      } catch {
        /* the daemon died under us */
      }
      c.close();
      await new Promise((r) => daemon!.once('exit', r));
    }
    await start();
    const ids = new Set([...cibadmin('-Q', '-o', 'resources').out.matchAll(/id="(r\d-\d+)"/g)].map((m) => m[1]));
    expect(acked.length).toBeGreaterThan(60);
    expect(acked.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('says the daemon is not running, with exit code 102', () => {
    expect(cibadmin('-Q')).toMatchObject({ code: 102, err: expect.stringContaining('Could not connect to the CIB') });
  });

  it('cibadmin with XPath (query, delete first or all, modify one), erase with --force, the patchset event; crm_verify -L', async () => {
    await start();
    const c = await IpcClient.connect(CibProtocol, { path: socketPath(runtimePaths({ root }), 'cib') });
    const diffs: string[] = [];
    await c.subscribe('diff', (d) => diffs.push(d.patchset));
    for (const id of ['d1', 'd2', 'd3']) expect(cibadmin('-C', '-o', 'resources', '-X', `<primitive id="${id}" class="ocf" provider="heartbeat" type="Dummy"/>`).code).toBe(0);
    expect(cibadmin('-Q', '-A', '//primitive').out).toMatch(/^<xpath-query>\n  <primitive id="d1"/);
    expect(cibadmin('-Q', '-A', "//primitive[@id='d2']").out.trim()).toBe('<primitive id="d2" class="ocf" provider="heartbeat" type="Dummy"/>');
    expect(cibadmin('-M', '-A', "//primitive[@id='d2']", '-X', '<primitive description="second"/>').code).toBe(0);
    expect(cibadmin('-Q', '-A', "//primitive[@description='second']").out).toContain('id="d2"');
    expect(cibadmin('-D', '-A', '//primitive').code).toBe(0);
    expect(cibadmin('-Q', '-A', "//primitive[@id='d1']").code).toBe(105);
    expect(cibadmin('-Q', '-A', '//primitive[contains(@id,"d")]')).toMatchObject({ code: 65, err: expect.stringContaining('unsupported XPath predicate') });
    expect(cibadmin('-D', '-A', '//primitive', '--delete-all').code).toBe(0);
    expect(cibadmin('-Q', '-o', 'resources').out.trim()).toBe('<resources/>');
    await new Promise((r) => setTimeout(r, 100));
    expect(diffs.length).toBe(6);
    expect(diffs[0]).toContain('<change operation="create" path="/cib/configuration/resources" position="0">');
    expect(spawnSync(process.execPath, [join(dist, 'crm-verify.js'), '--root', root, '-L'], { encoding: 'utf8' }).status).toBe(78); // no STONITH: Pacemaker warns (and exits 78) too
    expect(cibadmin('-E').code).toBe(64);
    expect(cibadmin('-E', '--force').code).toBe(0);
    expect(cibadmin('-Q').out).toMatch(/^<cib admin_epoch="1" epoch="0" num_updates="0"/);
    c.close();
    expect(spawnSync(process.execPath, [join(dist, 'crm-verify.js'), '--root', join(root, 'none'), '-L'], { encoding: 'utf8' }).status).toBe(102);
  });
});
