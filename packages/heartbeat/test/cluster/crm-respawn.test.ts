import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Cluster, isAlive, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from './hb-cluster.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

/** A stand-in CRM: any program may be the CRM; this one records its pid and lives on. */
const fakeCrm = (dir: string) => {
  const f = join(dir, 'fake-crm.mjs');
  writeFileSync(f, `import { appendFileSync } from 'node:fs';\nappendFileSync(process.argv[2], process.pid + '\\n');\nsetInterval(() => {}, 1000);\n`);
  return f;
};

describe('heartbeat starts and respawns its clients (crm respawn, respawn)', () => {
  it('starts the CRM command and a respawn program, respawns them when killed, stops them with heartbeat', async () => {
    cluster = await heartbeatCluster({
      mode: 'loopback',
      nodes: 2,
      extra: 'crm respawn',
    });
    const c = cluster;
    const n1 = c.node('n1');
    writeFileSync(join(n1.dir, 'respawned.sh'), 'echo $$ >> "$HA_ROOT/respawned.pids"\nexec sleep 600\n');
    // heartbeat was started before we could give it a CRM: restart n1 with one.
    c.killNode('n1');
    // heartbeat 3 runs `respawn USER PROGRAM [ARGS]` without a shell: a script it is.
    appendFileSync(n1.path('/etc/ha.d/ha.cf'), `respawn root /bin/sh ${join(n1.dir, 'respawned.sh')}\n`);
    const crm = fakeCrm(n1.dir);
    const pidsFile = join(n1.dir, 'crm.pids');
    c.spawn(n1, { name: 'heartbeat', command: process.execPath, args: [resolveBin('@heartbeat-ts/heartbeat', 'heartbeat'), '-f', '--bind', n1.address, '--crm-command', `${process.execPath} ${crm} ${pidsFile}`] });
    const readPids = (f: string) => {
      try {
        return readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    await waitFor('the CRM and the respawn program started', () => readPids(pidsFile).length === 1 && readPids(join(n1.dir, 'respawned.pids')).length === 1, { timeoutMs: 5000 });
    process.kill(readPids(pidsFile)[0]!, 'SIGKILL');
    await waitFor('the CRM respawned', () => readPids(pidsFile).length === 2, { timeoutMs: 5000 });
    process.kill(readPids(join(n1.dir, 'respawned.pids'))[0]!, 'SIGKILL');
    await waitFor('the respawn program respawned', () => readPids(join(n1.dir, 'respawned.pids')).length === 2, { timeoutMs: 5000 });
    // Stopping heartbeat stops its clients.
    const hbPid = n1.pids().find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('heartbeat'))!;
    process.kill(hbPid, 'SIGTERM');
    await waitFor('clients gone with heartbeat', () => !isAlive(readPids(pidsFile)[1]!) && !isAlive(readPids(join(n1.dir, 'respawned.pids'))[1]!), { timeoutMs: 10_000 });
  });

  it('refuses "crm respawn" without a CRM to start, saying what to do', async () => {
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 2, extra: 'crm respawn' });
    const n1 = cluster.node('n1');
    await waitFor('the error', () => /crm respawn" needs a cluster resource manager/.test(n1.output('heartbeat')), { timeoutMs: 5000 });
  });
});
