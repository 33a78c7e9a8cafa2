/**
 * Our crm_simulate as a command: files written by -G/-D/-I/-O, injected events, the transition
 * carried out (-S, -F), profiling (-P), and the exit codes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseXml } from '@heartbeat-ts/cluster-glue';
import { normalizeLine, sectionOf } from '../src/simulate.js';

const bin = join(__dirname, '../dist/src/crm-simulate.js');
const corpus = join(__dirname, '../../../../shared/pacemaker-scheduler/xml');
const dir = mkdtempSync(join(tmpdir(), 'hbts-crm-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('crm_simulate', () => {
  it('writes the transition graph (-G), its dot form (-D) and the simulated input (-I)', () => {
    const r = run('-x', join(corpus, 'group1.xml'), '-S', '-G', join(dir, 'g.xml'), '-D', join(dir, 'g.dot'), '-I', join(dir, 'in.xml'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('* Start      child_rsc1 ( node1 )');
    const graph = parseXml(readFileSync(join(dir, 'g.xml'), 'utf8'));
    expect(graph.name).toBe('transition_graph');
    expect(readFileSync(join(dir, 'g.xml'), 'utf8')).toContain('operation_key="rsc1_running_0"');
    expect(readFileSync(join(dir, 'g.dot'), 'utf8')).toContain('"child_rsc1_start_0 node1" -> "child_rsc2_start_0 node1"');
    expect(parseXml(readFileSync(join(dir, 'in.xml'), 'utf8')).name).toBe('cib');
  });

  it('prints the current status, the summary and (with -S) the revised status as Pacemaker does', () => {
    const want = readFileSync(join(corpus, '../summary/promoted-8.summary'), 'utf8');
    const r = run('-x', join(corpus, 'promoted-8.xml'), '-S');
    expect(r.code).toBe(0);
    const section = (text: string, heading: string) => sectionOf(text, heading).map(normalizeLine).filter(Boolean);
    for (const heading of ['Current cluster status', 'Transition Summary', 'Revised Cluster Status']) {
      expect(section(r.out, heading).length, heading).toBeGreaterThan(0);
      expect(section(r.out, heading), heading).toEqual(section(want, heading));
    }
    // Without -S nothing is carried out: no revised status.
    expect(run('-x', join(corpus, 'promoted-8.xml')).out).not.toContain('Revised Cluster Status');
  });

  it('carries the transition out as Pacemaker does (-S): the actions in order, a failed one (-F) stopping it, the result saved (-O)', () => {
    const section = (text: string, heading: string) => sectionOf(text, heading).map(normalizeLine).filter(Boolean);
    const want = readFileSync(join(corpus, '../summary/migrate-1.summary'), 'utf8');
    const r = run('-x', join(corpus, 'migrate-1.xml'), '-S');
    expect(r.code).toBe(0);
    expect(section(r.out, 'Executing Cluster Transition')).toEqual(section(want, 'Executing Cluster Transition'));
    // The live migration's first step fails: nothing after it runs, the failure is counted, and
    // the resource is left failed on both nodes (Pacemaker 2.1.5 prints the same actions).
    const f = run('-x', join(corpus, 'migrate-1.xml'), '-S', '-F', 'rsc3_migrate_to_0@node1=1', '-O', join(dir, 'out.xml'));
    expect(f.code).toBe(0);
    // (Pacemaker prints its "Pretending ..." line unindented, inside the section.)
    const executed = f.out.split('Executing Cluster Transition:\n')[1]!.split('\n\n')[0]!.split('\n');
    expect(executed.slice(0, 2).map(normalizeLine)).toEqual(['*Resourceaction:rsc3monitoronnode2', '*Resourceaction:rsc3migrate_toonnode1']);
    expect(executed[2]).toMatch(/^Pretending action \d+ failed with rc=1$/);
    expect(executed[3]).toBe("  * Injecting attribute fail-count-rsc3#migrate_to_0=value++ into /node_state 'node1'");
    expect(executed.join('\n')).not.toContain('migrate_from');
    expect(section(f.out, 'Revised Cluster Status').join('\n')).toContain('FAILED[node1node2]');
    const saved = readFileSync(join(dir, 'out.xml'), 'utf8');
    expect(saved).toMatch(/<lrm_rsc_op id="rsc3_last_failure_0" operation_key="rsc3_migrate_to_0"[^>]* rc-code="1"/);
    expect(saved).toContain('name="fail-count-rsc3#migrate_to_0" value="value++"');
    // A malformed -F is refused before anything runs; -O needs the transition carried out.
    expect(run('-x', join(corpus, 'migrate-1.xml'), '-S', '-F', 'rsc3@node1').code).toBe(64);
    expect(run('-x', join(corpus, 'migrate-1.xml'), '-O', join(dir, 'x.xml')).code).toBe(64);
  });

  it('profiles a directory of CIBs (-P, -N)', () => {
    const pdir = join(dir, 'profile');
    mkdirSync(pdir);
    for (const c of ['group1', 'migrate-1']) writeFileSync(join(pdir, `${c}.xml`), readFileSync(join(corpus, `${c}.xml`)));
    const r = run('-P', pdir, '-N', '3');
    expect(r.code).toBe(0);
    expect(r.out.trimEnd().split('\n').map((l) => l.replace(/[\d.]+ secs$/, 'T secs'))).toEqual([`  * Testing ${join(pdir, 'group1.xml')} ... T secs`, `  * Testing ${join(pdir, 'migrate-1.xml')} ... T secs`]);
  });

  it('injects node events and operation results before scheduling, as Pacemaker does', () => {
    const r = run('-x', join(corpus, 'group1.xml'), '-u', 'node2', '-f', 'node1', '-i', 'child_rsc1_monitor_0@node2=0', '-I', join(dir, 'inj.xml'));
    expect(r.code).toBe(0);
    // Found running without a digest by the injected probe: restarted, as Pacemaker 2.1.5 does.
    expect(r.out).toContain('* Restart    child_rsc1 ( node2 )');
    const saved = readFileSync(join(dir, 'inj.xml'), 'utf8');
    expect(saved).toMatch(/<node_state[^>]*uname="node1"[^>]*in_ccm="false"/);
    expect(saved).toContain('operation_key="child_rsc1_monitor_0"');
  });

  it('reports configuration errors as crm_verify does and simulates what it can understand', () => {
    writeFileSync(join(dir, 'bad.xml'), '<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes><node id="1" uname="n1"/></nodes><resources><primitive id="r1" class="ocf" provider="heartbeat" type="Dummy"/></resources><constraints><rsc_location id="l1" rsc="nosuch" node="n1" score="10"/></constraints></configuration><status><node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>');
    const r = run('-x', join(dir, 'bad.xml'));
    expect(r.code).toBe(0);
    expect(r.err).toContain("rsc_location[@id='l1']: rsc \"nosuch\" is not a resource");
    expect(r.out).toContain('* Start      r1 ( n1 )');
  });

  it('says what is wrong, with Pacemaker-style exit codes', () => {
    expect(run('--no-such-flag').code).toBe(64);
    expect(run('-x', join(dir, 'missing.xml')).code).toBe(66);
    const bad = run('-x', join(corpus, 'group1.xml'), '-i', 'nonsense');
    expect(bad.code).toBe(65);
    expect(bad.err).toContain('RESOURCE_TASK_INTERVALMS@NODE=RC');
    expect(run('-x', join(corpus, 'group1.xml'), '-i', 'nosuch_start_0@node1=1').err).toContain('no resource nosuch');
    expect(run('-L', '--root', dir).code).toBe(102);
  });
});
