/**
 * The CRM end to end on three loopback nodes of real processes: heartbeat with `crm respawn`
 * starts hbts-crm, which starts the CIB daemon, the executor and the controller. A resource
 * configured in the CIB is started by the DC's transition where the constraints want it; when
 * its node dies it is started on a survivor; when the DC dies another node takes over as DC and
 * recovers what ran there; the live CIB and the saved scheduler inputs replay in crm_simulate; a
 * service that dies is recovered in place, and moved after migration-threshold failures; a node
 * stopped cleanly hands its resources over before it leaves.
 * (Fencing is disabled: it is issue 9.)
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { buildWorkingSet, normalizeLine, transitionSummaryOf } from '@heartbeat-ts/pengine';
import { Cib } from '@heartbeat-ts/cib';
import { type Cluster, type HarnessNode, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from '../../../heartbeat/test/cluster/hb-cluster.js';
import { cibadmin, controller, crmResource, dumpCrmLogs, placement, settled } from './crm-helpers.js';

let cluster: Cluster | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') dumpCrmLogs(cluster);
  await cluster?.stop();
  cluster = undefined;
});

const CONFIG = [
  ['-M', '-X', '<cib><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config></configuration></cib>'],
];

describe('the CRM over heartbeat (3 loopback nodes)', () => {
  it('starts a resource where it should run, recovers it when its node dies, and survives the death of the DC', async () => {
    const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}`;
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 3, crmCommand: crm });
    const [n1, n2, n3] = cluster.nodes as [HarnessNode, HarnessNode, HarnessNode];
    for (const n of cluster.nodes) {
      await waitFor(`${n.name}: its controller sees 3 members and n1 as DC`, async () => {
        const s = await controller(n).catch(() => undefined);
        return s?.members.join() === 'n1,n2,n3' && s.dc === 'n1';
      }, { timeoutMs: 30_000 });
    }
    expect((await controller(n1)).isDc).toBe(true);

    // The configuration: no fencing (issue 9), a Dummy that prefers n2 and one that prefers n3.
    for (const args of CONFIG) expect((await cibadmin(n2, ...args)).code).toBe(0);
    const rsc = (id: string) => `<primitive id="${id}" class="ocf" provider="heartbeat-ts" type="Dummy"><operations><op id="${id}-mon" name="monitor" interval="1s" timeout="10s"/></operations></primitive>`;
    expect((await cibadmin(n2, '-C', '-o', 'resources', '-X', rsc('d1'))).code).toBe(0);
    expect((await cibadmin(n2, '-C', '-o', 'resources', '-X', rsc('d2'))).code).toBe(0);
    expect((await cibadmin(n2, '-C', '-o', 'constraints', '-X', '<rsc_location id="d1-on-n2" rsc="d1" node="n2" score="100"/>')).code).toBe(0);
    expect((await cibadmin(n2, '-C', '-o', 'constraints', '-X', '<rsc_location id="d2-on-n1" rsc="d2" node="n1" score="100"/>')).code).toBe(0);
    await waitFor('d1 on n2 and d2 on n1, as every node sees it', async () => {
      for (const n of cluster!.nodes) {
        const p = await placement(n);
        if (p.d1?.join() !== 'n2' || p.d2?.join() !== 'n1') return false;
      }
      return true;
    }, { timeoutMs: 20_000 });
    // It really runs there: the agent's own state, through n2's executor.
    const history = await n2.exec(process.execPath, [resolveBin('@heartbeat-ts/executor', 'ha-exec'), 'history', 'd1', '--json']);
    expect(String(history.stdout)).toMatch(/"action": *"start"/);
    // The DC is idle and the cluster settled: the scheduler has nothing left to do.
    await waitFor('the DC idle, nothing left to do', async () => !(await controller(n1)).current && (await settled(n1)), { timeoutMs: 10_000 });

    // crm_mon on any node: the DC, the nodes, where each resource runs.
    const mon = String((await n3.exec(process.execPath, [resolveBin('@heartbeat-ts/tools', 'crm_mon'), '-1'])).stdout);
    expect(mon).toContain('  * Current DC: n1 (version heartbeat-ts 0.1.0) - partition with quorum');
    expect(mon).toContain('  * Online: [ n1 n2 n3 ]');
    expect(mon).toMatch(/\* d1\t\(ocf:heartbeat-ts:Dummy\):\t Started n2/);
    const monXml = String((await n3.exec(process.execPath, [resolveBin('@heartbeat-ts/tools', 'crm_mon'), '--output-as', 'xml'])).stdout);
    expect(monXml).toContain('<current_dc present="true" version="heartbeat-ts 0.1.0" name="n1" id="');
    expect(monXml).toMatch(/<resource id="d1" resource_agent="ocf:heartbeat-ts:Dummy" role="Started" active="true"[^>]*nodes_running_on="1">\s*<node name="n2"/);

    // What the cluster decided replays: the live CIB in crm_simulate has nothing left to do, and
    // the saved input of the transition that placed d1 and d2 gives that transition's summary.
    const sim = await n1.exec(process.execPath, [resolveBin('@heartbeat-ts/pengine', 'crm_simulate'), '-L']);
    expect(String(sim.stdout)).toMatch(/Transition Summary:\s*$/);
    const dc = await controller(n1);
    const started = dc.last!;
    expect(started.input).toMatch(/pengine\/pe-input-\d+\.gz$/);
    const replay = await n1.exec(process.execPath, [resolveBin('@heartbeat-ts/pengine', 'crm_simulate'), '-x', started.input!]);
    expect(replay.exitCode, String(replay.stderr)).toBe(0);
    expect(transitionSummaryOf(String(replay.stdout)).map(normalizeLine)).toEqual(started.summary.map((l) => normalizeLine(`* ${l}`)));

    // The operator moves d1 to n3, then clears the move: it goes back to n2.
    expect((await crmResource(n3, '--locate', '-r', 'd1')).out).toBe('resource d1 is running on: n2');
    expect((await crmResource(n3, '--move', '-r', 'd1', '-N', 'n3')).code).toBe(0);
    await waitFor('d1 moved to n3', async () => (await placement(n1)).d1?.join() === 'n3', { timeoutMs: 10_000 });
    expect((await crmResource(n1, '--clear', '-r', 'd1')).out).toBe('Removing constraint: cli-prefer-d1');
    await waitFor('d1 back on n2', async () => (await placement(n1)).d1?.join() === 'n2', { timeoutMs: 10_000 });
    expect((await crmResource(n1, '--locate', '-r', 'nosuch')).code).toBe(105);

    // n2 dies: the DC starts d1 on a survivor.
    cluster.killNode('n2');
    const t0 = Date.now();
    await waitFor('d1 started on a survivor', async () => {
      const p = await placement(n1);
      return p.d1?.length === 1 && p.d1[0] !== 'n2';
    }, { timeoutMs: 15_000 });
    const movedMs = Date.now() - t0;
    expect(movedMs).toBeGreaterThan(0);

    // n2 comes back: d1 goes home (no stickiness), nothing runs twice.
    await cluster.startNode('n2');
    await waitFor('n2 back and d1 on it again', async () => {
      const p = await placement(n1);
      return p.d1?.join() === 'n2' && p.d2?.join() === 'n1';
    }, { timeoutMs: 30_000 });

    // The DC (n1) dies: n2 becomes DC and recovers d2 on a survivor.
    cluster.killNode('n1');
    await waitFor('n2 is the DC', async () => (await controller(n2).catch(() => undefined))?.isDc === true, { timeoutMs: 10_000 });
    await waitFor('d2 recovered on a survivor', async () => {
      const p = await placement(n3);
      return p.d2?.length === 1 && p.d2[0] !== 'n1' && p.d1?.join() === 'n2';
    }, { timeoutMs: 15_000 });
    await waitFor('settled again', async () => !(await controller(n2)).current && (await settled(n2)), { timeoutMs: 10_000 });
    const s3 = await controller(n3);
    expect(s3.dc).toBe('n2');
    expect(s3.badMessages).toBe(0);

    // d1's service dies behind the cluster's back (its state file goes): the monitor notices,
    // the failure is counted and d1 is recovered in place; with migration-threshold=2 the second
    // failure moves it away.
    expect((await cibadmin(n2, '-M', '-X', '<primitive id="d1"><meta_attributes id="d1-meta"><nvpair id="d1-mt" name="migration-threshold" value="2"/></meta_attributes></primitive>')).code).toBe(0);
    await waitFor('settled with d1 on n2', async () => !(await controller(n2)).current && (await settled(n2)) && (await placement(n2)).d1?.join() === 'n2', { timeoutMs: 10_000 });
    const failCount = async () => buildWorkingSet(Cib.parse((await cibadmin(n3, '-Q')).out, 'live')).node.get('n2')?.attrs['fail-count-d1#monitor_1000'];
    const state = join(n2.root, 'run/heartbeat-ts/rsctmp/Dummy-d1.state');
    expect(existsSync(state)).toBe(true);
    rmSync(state);
    await waitFor('one failure counted, d1 recovered on n2', async () => (await failCount()) === '1' && existsSync(state) && (await placement(n3)).d1?.join() === 'n2' && (await settled(n2)), { timeoutMs: 15_000 });
    rmSync(state);
    await waitFor('a second failure: d1 moved to n3', async () => (await failCount()) === '2' && (await placement(n3)).d1?.join() === 'n3', { timeoutMs: 15_000 });
    // The operator cleans it up: the failures are forgotten and d1 goes back where it prefers.
    expect((await crmResource(n3, '--cleanup', '-r', 'd1')).out).toBe('Cleaned up d1 on n2\nCleaned up d1 on n3');
    await waitFor('no fail count, d1 back on n2', async () => (await failCount()) === undefined && (await placement(n3)).d1?.join() === 'n2', { timeoutMs: 15_000 });

    // n1 comes back (DC again); then a clean stop of n2, holding d1: d1 is stopped there and
    // started on another node before n2 leaves — its last record of d1 is a successful stop.
    await cluster.startNode('n1');
    await waitFor('n1 back as DC, settled', async () => {
      const s = await controller(n1).catch(() => undefined);
      return s?.isDc === true && s.members.length === 3 && !s.current && (await settled(n1)) && (await placement(n1)).d1?.join() === 'n2';
    }, { timeoutMs: 30_000 });
    const stop = await n2.exec(process.execPath, [resolveBin('@heartbeat-ts/heartbeat', 'heartbeat'), '-k']);
    expect(stop.exitCode, String(stop.stderr)).toBe(0);
    await waitFor('d1 runs on another node', async () => {
      const p = await placement(n1);
      return p.d1?.length === 1 && p.d1[0] !== 'n2';
    }, { timeoutMs: 10_000 });
    expect((await cibadmin(n1, '-Q')).out).toMatch(/<lrm_rsc_op id="d1_last_0" operation_key="d1_stop_0"[^>]*on_node="n2"[^>]*rc-code="0"/);
  });
});
