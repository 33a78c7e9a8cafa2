/** priority-fencing-delay: the fencing of a lost node carries the delay Pacemaker 2.1 gives it (its graph's CRM_meta_priority_fencing_delay). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { simulate, transitionGraph } from '../src/index.js';

const corpus = join(__dirname, '../../../../shared/pacemaker-scheduler');
const xml = readFileSync(join(corpus, 'xml', 'priority-fencing-delay.xml'), 'utf8');
const delays = (cib: string) => {
  const sim = simulate(cib, 'test');
  return transitionGraph(sim.ws, sim.schedule.fenced).actions.filter((a) => a.type === 'crm_event' && a.operation === 'stonith').map((a) => [a.node?.name, a.meta.priority_fencing_delay]);
};

describe('priority-fencing-delay', () => {
  it('delays fencing the lost node that ran the more important resources (its guests count), as Pacemaker does', () => {
    // (kiff-01 left; it ran vm-fs, priority 100, in a guest; kiff-02 runs priority 50.)
    expect(delays(xml)).toEqual([['kiff-01', '15']]);
    const exp = readFileSync(join(corpus, 'exp', 'priority-fencing-delay.exp'), 'utf8');
    expect(exp).toMatch(/CRM_meta_on_node="kiff-01" CRM_meta_on_node_uuid="1" CRM_meta_priority_fencing_delay="15"/);
  });

  it('gives 0 when the lost node is not the most important one, or all are equal; nothing when unset', () => {
    expect(delays(xml.replace('name="priority" value="100"', 'name="priority" value="10"'))).toEqual([['kiff-01', '0']]);
    expect(delays(xml.replace('name="priority" value="100"', 'name="priority" value="50"'))).toEqual([['kiff-01', '0']]);
    expect(delays(xml.replace(/<nvpair id="cib-bootstrap-options-priority-fencing-delay"[^>]*\/>/, ''))).toEqual([['kiff-01', undefined]]);
  });
});
