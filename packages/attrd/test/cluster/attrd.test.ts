/**
 * The attribute daemon on three loopback nodes of real processes (heartbeat with `crm respawn`):
 * a value set on one node reaches the CIB through the writer after its dampening and is seen
 * everywhere; increments; deletion; permanent attributes; a location rule on an attribute moves a
 * resource, and so does standby set with crm_attribute; crm_node lists the nodes; a node that
 * leaves takes its transient attributes with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cib } from '@heartbeat-ts/cib';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { buildWorkingSet } from '@heartbeat-ts/pengine';
import { type Cluster, type HarnessNode, resolveBin, waitFor } from '@heartbeat-ts/test-harness';
import { heartbeatCluster } from '../../../heartbeat/test/cluster/hb-cluster.js';

let cluster: Cluster | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const n of cluster?.nodes ?? []) console.error(`--- ${n.name} attrd.log\n${(n.logs()['attrd.log'] ?? '').split('\n').slice(-20).join('\n')}`);
  await cluster?.stop();
  cluster = undefined;
});

const run = async (n: HarnessNode, pkg: string, bin: string, ...args: string[]) => {
  const r = await n.exec(process.execPath, [resolveBin(pkg, bin), ...args]);
  return { out: String(r.stdout), err: String(r.stderr), code: r.exitCode };
};
const attrd = (n: HarnessNode, ...args: string[]) => run(n, '@heartbeat-ts/attrd', 'attrd_updater', ...args);
const cibadmin = (n: HarnessNode, ...args: string[]) => run(n, '@heartbeat-ts/cib', 'cibadmin', ...args);
const cibOf = async (n: HarnessNode) => Cib.parse((await cibadmin(n, '-Q')).out, 'live');
/** A node's attributes as this node's CIB has them (transient ones over permanent ones). */
const attrsIn = async (n: HarnessNode, node: string) => buildWorkingSet(await cibOf(n)).node.get(node)?.attrs ?? {};

describe('the attribute daemon (3 loopback nodes)', () => {
  it('keeps node attributes cluster-wide and in the CIB, and the scheduler acts on them', async () => {
    const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()} --separate`; // (one process per CRM daemon, as pacemakerd runs them: the other tests run the default, one process)
    cluster = await heartbeatCluster({ mode: 'loopback', nodes: 3, crmCommand: crm });
    const [n1, n2, n3] = cluster.nodes as [HarnessNode, HarnessNode, HarnessNode];
    for (const n of cluster.nodes) await waitFor(`${n.name}: attrd answers`, async () => (await attrd(n, '-Q', '-n', 'none')).code === 105, { timeoutMs: 30_000 });

    // Set on n2 with a dampening: in everyone's CIB shortly after, queryable from any node.
    expect((await attrd(n2, '-n', 'pingd', '-U', '100', '-d', '300ms')).code).toBe(0);
    for (const n of cluster.nodes) await waitFor(`${n.name}: pingd=100 for n2 in the CIB`, async () => (await attrsIn(n, 'n2')).pingd === '100', { timeoutMs: 5000 });
    expect((await attrd(n1, '-Q', '-n', 'pingd', '-N', 'n2')).out).toBe('name="pingd" host="n2" value="100"');
    // Increments, as fail counts use them.
    expect((await attrd(n3, '-n', 'fails', '-U', 'value++')).code).toBe(0);
    expect((await attrd(n3, '-n', 'fails', '-U', 'value++')).code).toBe(0);
    await waitFor('fails=2 on n3', async () => (await attrsIn(n1, 'n3')).fails === '2', { timeoutMs: 5000 });
    // Deleted: gone from the CIB.
    expect((await attrd(n2, '-n', 'pingd', '-D')).code).toBe(0);
    await waitFor('pingd gone', async () => (await attrsIn(n3, 'n2')).pingd === undefined, { timeoutMs: 5000 });
    expect((await attrd(n1, '-Q', '-n', 'pingd', '-N', 'n2')).code).toBe(105);
    // Permanent: in the node's configuration.
    expect((await attrd(n1, '-n', 'site', '-U', 'east', '-l', 'forever', '-N', 'n3')).code).toBe(0);
    await waitFor('site=east in n3 configuration', async () => (await cibadmin(n2, '-Q', '-o', 'nodes')).out.includes('name="site" value="east"'), { timeoutMs: 5000 });

    // A resource that must not run where "blocked" is 1 moves when its node gets it.
    expect((await cibadmin(n1, '-M', '-X', '<cib><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config></configuration></cib>')).code).toBe(0);
    expect((await cibadmin(n1, '-C', '-o', 'resources', '-X', '<primitive id="d1" class="ocf" provider="heartbeat-ts" type="Dummy"/>')).code).toBe(0);
    expect((await cibadmin(n1, '-C', '-o', 'constraints', '-X', '<rsc_location id="d1-not-blocked" rsc="d1"><rule id="d1-nb-rule" score="-INFINITY"><expression id="d1-nb-e" attribute="blocked" operation="eq" value="1"/></rule></rsc_location>')).code).toBe(0);
    const where = async () => [...(buildWorkingSet(await cibOf(n1)).byId.get('d1')?.active.keys() ?? [])];
    await waitFor('d1 runs somewhere', async () => (await where()).length === 1, { timeoutMs: 15_000 });
    const first = (await where())[0]!;
    expect((await attrd(n1, '-n', 'blocked', '-U', '1', '-N', first)).code).toBe(0);
    await waitFor(`d1 left ${first}`, async () => {
      const w = await where();
      return w.length === 1 && w[0] !== first;
    }, { timeoutMs: 15_000 });

    // Standby through crm_attribute moves it too; online again, and crm_node lists the nodes.
    const tools = (n: HarnessNode, bin: string, ...args: string[]) => run(n, '@heartbeat-ts/tools', bin, ...args);
    const second = (await where())[0]!;
    expect((await tools(n2, 'crm_attribute', '-N', second, '-n', 'standby', '-v', 'on')).code).toBe(0);
    expect((await tools(n3, 'crm_attribute', '-N', second, '-n', 'standby', '-G')).out).toBe('scope=nodes  name=standby value=on');
    await waitFor(`d1 left ${second} (standby)`, async () => {
      const w = await where();
      return w.length === 1 && w[0] !== second && w[0] !== first;
    }, { timeoutMs: 15_000 });
    expect((await tools(n2, 'crm_attribute', '-N', second, '-n', 'standby', '-v', 'off')).code).toBe(0);
    expect((await tools(n1, 'crm_attribute', '-n', 'stonith-enabled', '-G', '-q')).out).toBe('false');
    expect((await tools(n1, 'crm_attribute', '-n', 'no-such-option', '-G')).code).toBe(105);
    expect((await tools(n2, 'crm_node', '-l')).out).toBe('n1 n1 member\nn2 n2 member\nn3 n3 member');
    expect((await tools(n2, 'crm_node', '-p')).out).toBe('n1 n2 n3');
    expect((await tools(n3, 'crm_node', '-q')).out).toBe('1');
    // crmadmin: the DC and the nodes, as Pacemaker words them.
    const dcLine = (await tools(n1, 'crmadmin', '-D')).out;
    expect(dcLine).toMatch(/^Designated Controller is: n[123]$/);
    expect((await tools(n2, 'crmadmin', '-D', '-q')).out).toBe(dcLine.slice('Designated Controller is: '.length));
    expect((await tools(n2, 'crmadmin', '-D', '--output-as', 'xml')).out).toContain(`<dc node_name="${dcLine.slice(-2)}"/>`);
    expect((await tools(n3, 'crmadmin', '-N')).out).toBe('member node: n1 (n1)\nmember node: n2 (n2)\nmember node: n3 (n3)');
    expect(JSON.parse((await tools(n3, 'crmadmin', '-N', '--output-as', 'json')).out).nodes).toHaveLength(3);
    // crm_standby: crm_attribute's standby, "off" when not set.
    expect((await tools(n1, 'crm_standby', '-N', 'n2', '-v', 'on')).code).toBe(0);
    expect((await tools(n3, 'crm_standby', '-N', 'n2', '-G')).out).toBe('scope=nodes  name=standby value=on');
    expect((await tools(n1, 'crm_standby', '-N', 'n2', '-D')).code).toBe(0);
    expect((await tools(n2, 'crm_standby', '-G', '-q')).out).toBe('off');
    // crm_failcount: the sum over the resource's operations on the node.
    expect((await tools(n1, 'crm_failcount', '-r', 'd1', '-N', 'n1', '-G')).out).toBe('scope=status  name=fail-count-d1 value=0');
    expect((await tools(n1, 'crm_failcount', '-N', 'n1')).code).toBe(64);
    expect((await attrd(n1, '-n', 'fail-count-d1#monitor_10000', '-U', '3', '-N', 'n1')).code).toBe(0);
    expect((await attrd(n1, '-n', 'fail-count-d1#start_0', '-U', '1', '-N', 'n1')).code).toBe(0);
    await waitFor('the fail counts in the CIB', async () => (await tools(n2, 'crm_failcount', '-r', 'd1', '-N', 'n1', '-q')).out === '4', { timeoutMs: 5000 });
    expect((await tools(n2, 'crm_failcount', '-r', 'd1', '-N', 'n1', '-n', 'monitor', '-I', '10s', '-q')).out).toBe('3');
    expect((await tools(n2, 'crm_failcount', '-r', 'd1', '-N', 'n1', '-D')).out).toBe('Cleaned up d1 on n1');
    await waitFor('the fail counts gone', async () => (await tools(n2, 'crm_failcount', '-r', 'd1', '-N', 'n1', '-q')).out === '0', { timeoutMs: 5000 });

    // n3 leaves: its transient attributes (fails) go with it; its permanent one stays.
    cluster.killNode('n3');
    await waitFor('n3 transient attributes gone', async () => (await attrsIn(n1, 'n3')).fails === undefined, { timeoutMs: 10_000 });
    expect((await attrsIn(n1, 'n3')).site).toBe('east');
    expect((await attrd(n2, '-Q', '-n', 'fails', '-A')).code).toBe(105);
    expect((await tools(n2, 'crm_node', '-l')).out).toBe('n1 n1 member\nn2 n2 member\nn3 n3 lost');
    // Gone for good: crm_node -R takes it out of the CIB; a member cannot be removed.
    const refused = await tools(n2, 'crm_node', '-R', 'n1');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/n1 is a member of the cluster/);
    expect((await tools(n2, 'crm_node', '-R', 'n3')).code).toBe(0);
    await waitFor('n3 out of every CIB', async () => (await tools(n1, 'crm_node', '-l')).out === 'n1 n1 member\nn2 n2 member', { timeoutMs: 5000 });
    expect((await tools(n2, 'crm_node', '-R', 'n3')).code).toBe(105);
  });
});
