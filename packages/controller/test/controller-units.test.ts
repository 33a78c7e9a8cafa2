/** The controller's pure parts: DC election, the resource history as the CIB holds it, the transition runner, the cluster messages. */
import { describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { paramDigest, serializeXml } from '@heartbeat-ts/cluster-glue';
import { buildWorkingSet, type RunnableAction, runnableActions, schedule, simulate, toWireAction, transitionGraph } from '@heartbeat-ts/pengine';
import { electDc } from '../src/election.js';
import { lrmElement, type OpRecord } from '../src/lrm.js';
import { decode, encode } from '../src/protocol.js';
import { TransitionRunner } from '../src/transition.js';

const op = (o: Partial<OpRecord> & Pick<OpRecord, 'callId' | 'action' | 'rc'>): OpRecord => ({
  rsc: 'd1', agent: 'ocf:heartbeat:Dummy', intervalMs: 0, key: `d1_${o.action}_${o.intervalMs ?? 0}`, status: 'done', reason: '', execMs: 5, queueMs: 0, timeoutMs: 20000,
  lastRun: 1_700_000_000_000, lastRcChange: 1_700_000_000_000, output: '', digests: { opDigest: paramDigest({}) }, ...o,
});

const cibXml = (status: string) => `<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1" dc-uuid="n1">
  <configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="n1" uname="n1"/><node id="n2" uname="n2"/></nodes>
  <resources><primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="d1-mon" name="monitor" interval="10s"/></operations></primitive></resources>
  <constraints/></configuration>
  <status>${status}</status></cib>`;
const member = (n: string, lrm = '') => `<node_state id="${n}" uname="${n}" in_ccm="true" crmd="online" join="member" expected="member">${lrm}</node_state>`;

describe('DC election', () => {
  it('is the member with the lowest name, whatever the order', () => {
    expect(electDc(['n3', 'n1', 'n2'])).toBe('n1');
    expect(electDc(['n2'])).toBe('n2');
    expect(electDc([])).toBeUndefined();
  });
});

describe('the resource history in the CIB', () => {
  it('is what the scheduler reads back: running where the last start succeeded, with its monitor', () => {
    const history = [{ rsc: 'd1', agent: 'ocf:heartbeat:Dummy', params: {}, ops: [op({ callId: 1, action: 'monitor', rc: 7 }), op({ callId: 2, action: 'start', rc: 0 }), op({ callId: 3, action: 'monitor', intervalMs: 10000, rc: 0, key: 'd1_monitor_10000' })] }];
    const lrm = serializeXml(lrmElement('n2', 'n2', history, new Map([[2, '3:1:0:dc-uuid']])));
    expect(lrm).toContain('<lrm_rsc_op id="d1_last_0" operation_key="d1_start_0" operation="start"');
    expect(lrm).toContain('transition-key="3:1:0:dc-uuid" transition-magic="0:0;3:1:0:dc-uuid"');
    expect(lrm).toContain('id="d1_monitor_10000"');
    const ws = buildWorkingSet(Cib.parse(cibXml(member('n1') + member('n2', lrm))));
    expect([...ws.byId.get('d1')!.active.keys()]).toEqual(['n2']);
    // Nothing to do: it runs, and its monitor too (the digest the executor recorded is the scheduler's).
    expect(schedule(ws).summary).toEqual([]);
    expect(transitionGraph(ws, []).actions.filter((a) => a.type === 'rsc_op').map((a) => `${a.key}@${a.node?.name}`)).toEqual(['d1_monitor_0@n1']);
  });

  it('keeps the last failure apart, and a cancelled recurring operation is gone', () => {
    const history = [{ rsc: 'd1', agent: 'ocf:heartbeat:Dummy', params: {}, ops: [op({ callId: 2, action: 'start', rc: 0 }), op({ callId: 3, action: 'monitor', intervalMs: 10000, rc: 7, key: 'd1_monitor_10000' }), op({ callId: 4, action: 'stop', rc: 0 }), op({ callId: 5, action: 'monitor', intervalMs: 5000, rc: 0, status: 'cancelled', key: 'd1_monitor_5000' })], lastFailure: op({ callId: 3, action: 'monitor', intervalMs: 10000, rc: 7 }) }];
    const lrm = serializeXml(lrmElement('n1', 'n1', history));
    expect(lrm).toContain('id="d1_last_failure_0" operation_key="d1_monitor_10000"');
    expect(lrm).toContain('operation_key="d1_stop_0"');
    expect(lrm).not.toContain('d1_monitor_5000');
    // A failed recurring monitor expected "running": the scheduler sees a failure, then the stop.
    expect(lrm).toMatch(/id="d1_last_failure_0"[^>]*transition-key="3:-1:0:/);
  });
});

describe('the transition runner', () => {
  const graphOf = (status: string) => {
    const s = simulate(cibXml(status));
    return { actions: runnableActions(transitionGraph(s.ws, s.schedule.fenced).actions.map(toWireAction)) };
  };

  it('fires actions once what they wait for is confirmed, and completes', async () => {
    const g = graphOf(member('n1') + member('n2'));
    const order: string[] = [];
    const r = await new TransitionRunner(g, async (a: RunnableAction) => {
      order.push(`${a.operation}_${a.intervalMs}@${a.node}`);
      return { rc: Number(a.meta.op_target_rc ?? 0), status: 'done' };
    }).run();
    expect(r.complete).toBe(true);
    // Probes on both nodes, then the start, then its monitor.
    expect(order.indexOf('start_0@n1')).toBeGreaterThan(Math.max(order.indexOf('monitor_0@n1'), order.indexOf('monitor_0@n2')));
    expect(order.indexOf('monitor_10000@n1')).toBeGreaterThan(order.indexOf('start_0@n1'));
  });

  it('aborts on an unexpected result: nothing new fires, what depends on the failed action never does', async () => {
    const g = graphOf(member('n1') + member('n2'));
    const fired: string[] = [];
    const r = await new TransitionRunner(g, async (a: RunnableAction) => {
      fired.push(`${a.operation}_${a.intervalMs}@${a.node}`);
      if (a.operation === 'start') return { rc: 1, status: 'done' };
      return { rc: Number(a.meta.op_target_rc ?? 0), status: 'done' };
    }).run();
    expect(r.complete).toBe(false);
    expect(r.aborted).toMatch(/d1_start_0 on n1: rc=1 \(expected 0\)/);
    expect(r.failed.map((f) => f.action.key)).toEqual(['d1_start_0']);
    expect(fired).not.toContain('monitor_10000@n1');
  });

  it('a probe that finds the resource running confirms but aborts (the cluster learnt something)', async () => {
    const g = graphOf(member('n1') + member('n2'));
    const r = await new TransitionRunner(g, async (a: RunnableAction) => (a.operation === 'monitor' && a.node === 'n2' ? { rc: 0, status: 'done' } : { rc: Number(a.meta.op_target_rc ?? 0), status: 'done' })).run();
    expect(r.failed).toEqual([]);
    expect(r.aborted).toMatch(/d1_monitor_0 on n2/);
  });

  it('keeps to batch-limit', async () => {
    const g = graphOf(member('n1') + member('n2'));
    let running = 0;
    let most = 0;
    await new TransitionRunner(g, async (a: RunnableAction) => {
      most = Math.max(most, ++running);
      await new Promise((res) => setTimeout(res, 5));
      running--;
      return { rc: Number(a.meta.op_target_rc ?? 0), status: 'done' };
    }, { batchLimit: 1 }).run();
    expect(most).toBe(1);
  });
});

describe('the controllers\' cluster messages', () => {
  it('round-trip, and a malformed or foreign-version one is refused with the reason', () => {
    const m = encode('crmd_join', { dc: 'n1', generation: 4 });
    expect(decode('crmd_join', m.fields)).toEqual({ dc: 'n1', generation: 4 });
    expect(() => decode('crmd_join', { v: '2', data: '{}' })).toThrow(/protocol version 2, expected 1/);
    expect(() => decode('crmd_join', { v: '1', data: '{' })).toThrow(/not JSON/);
    expect(() => decode('crmd_result', { v: '1', data: JSON.stringify({ id: 'x', node: 'n2', rc: 'zero', status: 'done' }) })).toThrow(/rc/);
  });
});
