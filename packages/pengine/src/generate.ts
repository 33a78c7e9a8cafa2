/**
 * Random, valid CIBs for benchmarks and differential tests against Pacemaker's scheduler:
 * nodes (some offline or in standby), primitives (Dummy), groups, anonymous clones, location
 * constraints (node scores and #uname rules), colocations and orders between primitives and
 * groups, stickiness, and a status section where resources run (some failed, some with fail
 * counts). Deterministic for a seed. Pure.
 */
export interface GenerateOptions {
  nodes: number;
  resources: number;
  constraints: number;
  seed?: number;
  /** Share of nodes offline / in standby (default 0.1 / 0.05). */
  offline?: number;
  standby?: number;
}

/** A small, fast PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCib(o: GenerateOptions): string {
  const rnd = prng(o.seed ?? 1);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const nodes = Array.from({ length: o.nodes }, (_, i) => `node${i + 1}`);
  const offline = new Set(nodes.filter(() => rnd() < (o.offline ?? 0.1)));
  const standby = new Set(nodes.filter((n) => !offline.has(n) && rnd() < (o.standby ?? 0.05)));
  const online = nodes.filter((n) => !offline.has(n));
  const nv = (id: string, name: string, value: string) => `<nvpair id="${id}" name="${name}" value="${value}"/>`;
  const prim = (id: string) => `<primitive id="${id}" class="ocf" provider="heartbeat" type="Dummy"><operations><op id="${id}-mon" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;

  // Resources: mostly primitives, some groups of 3, some anonymous clones.
  const rsc: string[] = [];
  const units: string[] = []; // ids constraints may name
  const running: { id: string; where: string; failed: boolean }[] = [];
  let count = 0;
  let g = 0;
  let c = 0;
  while (count < o.resources) {
    const kind = rnd();
    if (kind < 0.1 && count + 3 <= o.resources) {
      const gid = `grp${++g}`;
      const members = [1, 2, 3].map((k) => `${gid}-r${k}`);
      rsc.push(`<group id="${gid}">${members.map(prim).join('')}</group>`);
      units.push(gid);
      if (online.length && rnd() < 0.6) {
        const where = pick(online);
        for (const m of members) running.push({ id: m, where, failed: false });
      }
      count += 3;
    } else if (kind < 0.15) {
      const cid = `cln${++c}`;
      const child = `${cid}-child`;
      rsc.push(`<clone id="${cid}">${prim(child)}<meta_attributes id="${cid}-meta">${nv(`${cid}-il`, 'interleave', 'true')}</meta_attributes></clone>`);
      if (rnd() < 0.5) for (const n of online.slice(0, Math.max(1, online.length - 1))) running.push({ id: child, where: n, failed: false });
      count += 1;
    } else {
      const id = `rsc${count + 1}`;
      rsc.push(prim(id));
      units.push(id);
      if (online.length && rnd() < 0.6) running.push({ id, where: pick(online), failed: rnd() < 0.03 });
      count += 1;
    }
  }

  // Constraints.
  const cons: string[] = [];
  for (let i = 0; i < o.constraints && units.length; i++) {
    const k = rnd();
    const a = pick(units);
    if (k < 0.5) {
      const score = pick(['INFINITY', '-INFINITY', '100', '50', '-50', '200']);
      if (rnd() < 0.7) cons.push(`<rsc_location id="loc${i}" rsc="${a}" node="${pick(nodes)}" score="${score}"/>`);
      else cons.push(`<rsc_location id="loc${i}" rsc="${a}"><rule id="loc${i}-rule" score="${score}"><expression id="loc${i}-expr" attribute="#uname" operation="eq" value="${pick(nodes)}"/></rule></rsc_location>`);
    } else {
      const b = pick(units);
      if (a === b) continue;
      if (k < 0.75) cons.push(`<rsc_colocation id="col${i}" rsc="${a}" with-rsc="${b}" score="${pick(['INFINITY', '100', '-100', '-INFINITY'])}"/>`);
      else cons.push(`<rsc_order id="ord${i}" first="${a}" then="${b}" kind="${pick(['Mandatory', 'Optional'])}"/>`);
    }
  }

  // Status: who runs what (a start, or a failed monitor), fail counts.
  const byNode = new Map<string, string[]>();
  for (const r of running) {
    // transition-key ACTION:TRANSITION:TARGET_RC:UUID and -magic STATUS:RC;KEY, as the controller records them.
    const key = (n: number) => `${n}:1:0:6a2a1f2e-0000-4000-8000-000000000001`;
    const start = `<lrm_rsc_op id="${r.id}_last_0" operation_key="${r.id}_start_0" operation="start" crm_feature_set="3.16.2" transition-key="${key(1)}" transition-magic="0:0;${key(1)}" call-id="1" rc-code="0" op-status="0" interval="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>`;
    const ops = r.failed
      ? `${start}<lrm_rsc_op id="${r.id}_monitor_10000" operation_key="${r.id}_monitor_10000" operation="monitor" crm_feature_set="3.16.2" transition-key="${key(2)}" transition-magic="0:7;${key(2)}" call-id="2" rc-code="7" op-status="0" interval="10000" op-digest="4811cef7f7f94e3a35a70be7916cb2fd"/>`
      : start;
    const list = byNode.get(r.where) ?? [];
    list.push(`<lrm_resource id="${r.id}" class="ocf" provider="heartbeat" type="Dummy">${ops}</lrm_resource>`);
    byNode.set(r.where, list);
  }
  const status = nodes
    .map((n, i) => {
      const up = !offline.has(n);
      const attrs = up ? 'in_ccm="true" crmd="online" join="member" expected="member"' : 'in_ccm="false" crmd="offline" join="down" expected="down"';
      const fails = running.filter((r) => r.failed && r.where === n).map((r) => nv(`st-${n}-fc-${r.id}`, `fail-count-${r.id}`, '1'));
      const transient = fails.length ? `<transient_attributes id="${i + 1}"><instance_attributes id="status-${i + 1}">${fails.join('')}</instance_attributes></transient_attributes>` : '';
      return `<node_state id="${i + 1}" uname="${n}" ${attrs}>${transient}<lrm id="${i + 1}"><lrm_resources>${(byNode.get(n) ?? []).join('')}</lrm_resources></lrm></node_state>`;
    })
    .join('\n    ');
  const nodeXml = nodes
    .map((n, i) => `<node id="${i + 1}" uname="${n}">${standby.has(n) ? `<instance_attributes id="n${i + 1}-ia">${nv(`n${i + 1}-standby`, 'standby', 'on')}</instance_attributes>` : ''}</node>`)
    .join('');
  return `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.7" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="cib-bootstrap-options">${nv('opt-stonith', 'stonith-enabled', 'false')}${nv('opt-nq', 'no-quorum-policy', 'ignore')}</cluster_property_set></crm_config>
    <nodes>${nodeXml}</nodes>
    <resources>${rsc.join('')}</resources>
    <constraints>${cons.join('')}</constraints>
    <rsc_defaults><meta_attributes id="rsc-options">${nv('rsc-stick', 'resource-stickiness', '10')}${nv('rsc-mt', 'migration-threshold', '1')}</meta_attributes></rsc_defaults>
  </configuration>
  <status>
    ${status}
  </status>
</cib>
`;
}
