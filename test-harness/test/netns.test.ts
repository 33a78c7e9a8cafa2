import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { beaconCluster, beaconStatus, cleanupStale, type Cluster, markedPids, resolveBin, waitFor } from '../src/index.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    throw new Error('the netns harness tests need root (network and mount namespaces): run the tests as root, as CI does');
  }
});

const view = async (c: Cluster, name: string) =>
  Object.fromEntries((await beaconStatus(c.node(name))).peers.map((p) => [p.name, p.state]));
const allUp = async (c: Cluster, name: string) => Object.values(await view(c, name)).every((s) => s === 'up');
const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

describe('test harness, netns mode (root)', () => {
  it('gives each node its own network, hostname and /etc/ha.d, detects a powered-off node and a cut link, and cleans up', async () => {
    cluster = await beaconCluster({ mode: 'netns', nodes: 3, keepaliveMs: 50, deadtimeMs: 300 });
    const c = cluster;
    for (const n of c.nodes) await waitFor(`${n.name} to see every peer`, () => allUp(c, n.name));

    // Private namespaces: hostname, address, and files at the system paths.
    const n2 = c.node('n2');
    expect((await n2.exec('hostname')).stdout).toBe('n2');
    expect((await n2.exec('ip', ['-4', '-o', 'addr', 'show', 'eth0'])).stdout).toContain('10.250.0.11/24');
    expect(JSON.parse((await n2.exec('cat', ['/etc/ha.d/beacon.json'])).stdout).node).toBe('n2');
    const st = JSON.parse((await n2.exec(process.execPath, [resolveBin('@heartbeat-ts/test-harness', 'hbts-beacon-status'), '--json'])).stdout);
    expect(st.node).toBe('n2');
    // Its /run is its own: the socket is there, not on the host.
    expect(existsSync(n2.socket('beacon'))).toBe(true);
    expect(existsSync('/run/heartbeat-ts/beacon.sock')).toBe(false);

    // Power n3 off: every process dies, its link goes down; the others declare it dead.
    await c.powerOff('n3');
    await waitFor('n3 dead on n1 and n2', async () => (await view(c, 'n1')).n3 === 'dead' && (await view(c, 'n2')).n3 === 'dead', { timeoutMs: 3000 });
    expect(c.node('n3').pids()).toEqual([]);
    await c.startNode('n3');
    await waitFor('n3 back', async () => (await allUp(c, 'n1')) && (await allUp(c, 'n3')));

    // Cut n1's cable while it keeps running: it loses both peers and they lose it.
    await c.cutLink('n1');
    await waitFor('n1 isolated', async () => {
      const v1 = await view(c, 'n1');
      return v1.n2 === 'dead' && v1.n3 === 'dead' && (await view(c, 'n2')).n1 === 'dead';
    }, { timeoutMs: 3000 });
    expect((await view(c, 'n2')).n3).toBe('up');
    expect(c.node('n1').pids().length).toBeGreaterThan(0);
    await c.restoreLink('n1');
    await waitFor('n1 reconnected', () => allUp(c, 'n1'));

    // Loss: 100% inbound loss on n2 looks like a cut link from n2's side.
    await c.setLoss('n2', 100);
    await waitFor('n2 hears nobody', async () => Object.values(await view(c, 'n2')).every((s) => s === 'dead'), { timeoutMs: 3000 });
    await c.setLoss('n2', 0);
    await waitFor('n2 hears again', () => allUp(c, 'n2'));

    const id = c.id;
    await c.stop();
    expect(c.leftovers()).toEqual({ namespaces: [], pids: [] });
    expect(namespaces()).not.toContain(`hbts-${id}`);
  });

  it('cleans up a cluster whose test runner was killed, and one whose runner crashed', async () => {
    const script = (crash: boolean) => `
      import { beaconCluster } from ${JSON.stringify(fileURLToPath(new URL('../dist/src/index.js', import.meta.url)))};
      const c = await beaconCluster({ mode: 'netns', nodes: 2 });
      console.log(c.id);
      ${crash ? "setTimeout(() => { throw new Error('test blew up'); }, 200);" : 'setInterval(() => {}, 1000);'}
    `;
    for (const crash of [false, true]) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script(crash)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const id = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
        child.once('exit', (code) => reject(new Error(`runner exited ${code} before starting its cluster`)));
      });
      await waitFor(`cluster ${id}'s daemons`, () => markedPids(id).length >= 4);
      if (!crash) {
        child.kill('SIGKILL'); // no exit handler runs: the next harness run must clean up
        await new Promise((r) => child.once('exit', r));
        expect(namespaces()).toContain(`hbts-${id}-n1`);
        expect(cleanupStale()).toContain(id);
      } else {
        await new Promise((r) => child.once('exit', r)); // the exit handler cleans up
      }
      expect(namespaces()).not.toContain(`hbts-${id}`);
      await waitFor(`no process of ${id} left`, () => markedPids(id).length === 0, { timeoutMs: 3000 });
    }
  });
});
