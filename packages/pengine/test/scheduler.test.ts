/**
 * The scheduler as a service: the saved inputs, the wire graph, when to schedule again, and the
 * real hbts-schedulerd on its Unix socket — its answer, the pe-input it keeps and crm_simulate -x
 * replaying it, a bad CIB refused with the reason while the daemon keeps answering.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { IpcClient, runtimePaths, socketPath } from '@heartbeat-ts/cluster-glue';
import { buildWorkingSet, computeTransition, PeInputStore, recheckBy, runnableActions, SchedulerProtocol, seriesMax, transitionSummaryOf } from '../src/index.js';

const dist = join(__dirname, '../dist/src');
const cib = (status: string, extra = '') => `<cib admin_epoch="0" epoch="3" num_updates="0" have-quorum="1" dc-uuid="n1" validate-with="pacemaker-3.9">
  <configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/>${extra}</cluster_property_set></crm_config>
  <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/></nodes>
  <resources><primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="d1-m"><nvpair id="d1-ft" name="failure-timeout" value="60s"/></meta_attributes><operations><op id="d1-mon" name="monitor" interval="10s"/></operations></primitive></resources>
  <constraints><rsc_location id="d1-n2" rsc="d1" node="n2" score="100"/></constraints></configuration>
  <status>${status}</status></cib>`;
const member = (n: string, attrs = '') => `<node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member">${attrs}</node_state>`;

describe('the saved scheduler inputs', () => {
  it('are numbered pe-input-N.gz, wrap at pe-input-series-max, and none are kept at 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hbts-pe-inputs-'));
    try {
      const store = new PeInputStore(dir);
      expect(store.save('<cib a="0"/>', 2)).toBe(join(dir, 'pe-input-0.gz'));
      expect(store.save('<cib a="1"/>', 2)).toBe(join(dir, 'pe-input-1.gz'));
      expect(store.save('<cib a="2"/>', 2)).toBe(join(dir, 'pe-input-0.gz'));
      expect(gunzipSync(readFileSync(join(dir, 'pe-input-0.gz'))).toString()).toBe('<cib a="2"/>');
      expect(readFileSync(join(dir, 'pe-input.last'), 'utf8').trim()).toBe('0');
      expect(store.save('<cib/>', 0)).toBeUndefined();
      expect(seriesMax('-1')).toBe(-1);
      expect(seriesMax(undefined)).toBe(4000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the transition in wire form', () => {
  it('carries what the controller runs: resource names, agents, timeouts, and the order as action ids', () => {
    const t = computeTransition(cib(member('n1') + member('n2')));
    expect(t.summary).toEqual(['Start      d1 ( n2 )']);
    const actions = runnableActions(t.actions);
    const start = actions.find((a) => a.key === 'd1_start_0')!;
    expect(start).toMatchObject({ type: 'rsc_op', node: 'n2', rsc: { name: 'd1', agent: 'ocf:heartbeat:Dummy' }, operation: 'start' });
    expect(start.meta.timeout).toBe('20000');
    // The start waits for the probes; the monitor waits for the start.
    expect([...start.inputs].map((a) => a.key).sort()).toEqual(['d1_monitor_0', 'd1_monitor_0']);
    expect([...actions.find((a) => a.key === 'd1_monitor_10000')!.inputs]).toEqual([start]);
    expect(t.clusterDelayMs).toBe(60_000);
    expect(() => runnableActions([{ ...t.actions[0]!, inputs: [999] }])).toThrow(/waits for action 999, which the graph does not have/);
  });

  it('says when to schedule again: cluster-recheck-interval, or a failure expiring sooner', () => {
    const now = 1_800_000_000_000;
    const failed = `<transient_attributes id="n2"><instance_attributes id="s-n2"><nvpair id="lf" name="last-failure-d1#start_0" value="${now / 1000 - 30}"/></instance_attributes></transient_attributes>`;
    const ws = buildWorkingSet(Cib.parse(cib(member('n1') + member('n2', failed), '<nvpair id="o2" name="cluster-recheck-interval" value="5min"/>'), 't'));
    expect(recheckBy(ws, now)).toBe(now + 31_000);
    const quiet = buildWorkingSet(Cib.parse(cib(member('n1') + member('n2'), '<nvpair id="o2" name="cluster-recheck-interval" value="0"/>'), 't'));
    expect(recheckBy(quiet, now)).toBeNull();
  });
});

describe('hbts-schedulerd', () => {
  let root: string;
  let daemon: ChildProcess | undefined;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hbts-schedulerd-'));
  });
  afterEach(() => {
    daemon?.kill('SIGKILL');
    daemon = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('answers with the transition, keeps its input for crm_simulate -x, and refuses a bad CIB with the reason', async () => {
    daemon = spawn(process.execPath, [join(dist, 'schedulerd-main.js'), '--root', root], { stdio: 'ignore', env: { ...process.env, HA_NODE: 'n1' } });
    const sock = socketPath(runtimePaths({ root }), 'scheduler');
    let c: IpcClient<typeof SchedulerProtocol> | undefined;
    for (let i = 0; i < 200 && !c; i++) {
      c = await IpcClient.connect(SchedulerProtocol, { path: sock, connectTimeoutMs: 500 }).catch(() => undefined);
      if (!c) await new Promise((r) => setTimeout(r, 25));
    }
    if (!c) throw new Error('hbts-schedulerd did not come up');
    try {
      const t = await c.request('schedule', { cib: cib(member('n1') + member('n2')) });
      expect(t.summary).toEqual(['Start      d1 ( n2 )']);
      expect(t.input).toBe(join(runtimePaths({ root }).stateDir, 'pengine', 'pe-input-0.gz'));
      expect(existsSync(t.input!)).toBe(true);
      const replay = spawnSync(process.execPath, [join(dist, 'crm-simulate.js'), '-x', t.input!], { encoding: 'utf8' });
      expect(replay.status, replay.stderr).toBe(0);
      expect(transitionSummaryOf(replay.stdout)).toEqual(['  * Start      d1 ( n2 )']);

      await expect(c.request('schedule', { cib: '<cib><configuration>' })).rejects.toThrow(/the CIB from the controller/);
      // Nothing to do: no input kept.
      const running = `<lrm id="n2"><lrm_resources><lrm_resource id="d1" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="d1_last_0" operation_key="d1_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="2" rc-code="0" op-status="0" interval="0" on_node="n2"/><lrm_rsc_op id="d1_monitor_10000" operation_key="d1_monitor_10000" operation="monitor" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" call-id="3" rc-code="0" op-status="0" interval="10000" on_node="n2"/></lrm_resource></lrm_resources></lrm>`;
      const probed = `<lrm id="n1"><lrm_resources><lrm_resource id="d1" class="ocf" provider="heartbeat" type="Dummy"><lrm_rsc_op id="d1_last_0" operation_key="d1_monitor_0" operation="monitor" transition-key="3:1:7:x" transition-magic="0:7;3:1:7:x" call-id="1" rc-code="7" op-status="0" interval="0" on_node="n1"/></lrm_resource></lrm_resources></lrm>`;
      const idle = await c.request('schedule', { cib: cib(member('n1', probed) + member('n2', running)) });
      expect(idle.summary).toEqual([]);
      expect(idle.actions.filter((a) => a.type !== 'pseudo_event')).toEqual([]);
      expect(idle.input).toBeUndefined();
    } finally {
      c.close();
    }
  });
});
