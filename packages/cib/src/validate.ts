/**
 * Checks a CIB the way an operator needs it: each issue names the element path and id and
 * says what is wrong — a duplicate id, a reference to an unknown id, a bad score, a bad
 * interval or timeout, a wrong child, missing attributes, and Pacemaker's start-up check that
 * STONITH is either configured or disabled. Not a full Relax-NG validation of the schema.
 */
import { parseCrmDurationMs } from '@heartbeat-ts/cluster-glue/client';
import { Cib, resourceIdsIn } from './model.js';
import { elements, walk, type XmlElement } from './xml.js';

export interface Issue {
  severity: 'error' | 'warning';
  /** e.g. /cib/configuration/constraints/rsc_location[@id='l1'] */
  path: string;
  id?: string;
  message: string;
}

const SCORE = /^([-+]?(INFINITY|infinity)|[-+]?\d+)$/;
/** Pacemaker durations: plain numbers (seconds), units ms/s/m/min/h, or ISO 8601 (P...T...). */
const DURATION = /^(\d+(\.\d+)?\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?|P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?|(\d+H)?(\d+(\.\d+)?S)?))$/;
const CLASSES = new Set(['ocf', 'lsb', 'heartbeat', 'stonith', 'service', 'systemd', 'upstart', 'nagios', 'alert']);
/** Elements whose `id` attribute refers to another element instead of naming this one. */
const ID_IS_REFERENCE = new Set(['resource_ref', 'obj_ref', 'role']);
/** Elements whose `id` is plain text in the schema (node ids live apart: a remote node's id is its resource's). */
const ID_IS_TEXT = new Set(['node']);

export function validDuration(v: string): boolean {
  return DURATION.test(v.trim()) && v.trim() !== 'P' && !v.trim().endsWith('T');
}

export function validScore(v: string): boolean {
  return SCORE.test(v.trim());
}

export function verifyCib(cib: Cib): Issue[] {
  const issues: Issue[] = [];
  const conf = cib.configuration;
  const push = (severity: Issue['severity'], path: readonly string[], el: XmlElement | undefined, message: string) => {
    const id = el?.attrs.id;
    issues.push({ severity, path: `/${path.join('/')}${id ? `[@id='${id}']` : ''}`, ...(id ? { id } : {}), message });
  };
  if (!conf) {
    push('error', ['cib'], undefined, 'no <configuration> section');
    return issues;
  }

  // One pass over the configuration for the ids (each unique), gathering what is checked after:
  // references (once every id is known), scores, values Pacemaker resets.
  // (The first definition's element is kept, its path found only for a duplicate: no path copies.)
  const ids = new Map<string, XmlElement>();
  const pathTo = (target: XmlElement): string[] => {
    let found: string[] = [];
    walk(conf, (el, path) => {
      if (el === target && !found.length) found = [...path];
    }, ['cib']);
    return found;
  };
  const rscAttrs: Record<string, string[]> = { rsc_location: ['rsc'], rsc_colocation: ['rsc', 'with-rsc'], rsc_order: ['first', 'then'], rsc_ticket: ['rsc'], resource_ref: ['id'] };
  const scored = new Set(['rsc_location', 'rsc_colocation', 'rsc_order', 'rule', 'resource_set']);
  const later: Array<{ el: XmlElement; path: string[] }> = [];
  walk(conf, (el, path) => {
    const id = el.attrs.id;
    if (id !== undefined && !ID_IS_REFERENCE.has(el.name) && !ID_IS_TEXT.has(el.name)) {
      const seen = ids.get(id);
      if (seen) push('error', path, el, `ID ${id} redefined (first defined at /${pathTo(seen).join('/')})`);
      else ids.set(id, el);
    }
    if (el.attrs['id-ref'] !== undefined || rscAttrs[el.name] || scored.has(el.name)) later.push({ el, path: [...path] });
  }, ['cib']);
  // References.
  const rscSection = cib.section('resources');
  const resources = rscSection ?? { name: 'resources', attrs: {}, children: [] };
  const resourceIds = new Set(resourceIdsIn(resources));
  const templates = new Set(elements(resources, 'template').map((t) => t.attrs.id ?? ''));
  const tags = new Set(elements(cib.section('tags') ?? { name: '', attrs: {}, children: [] }, 'tag').map((t) => t.attrs.id ?? ''));
  const isRsc = (x: string) => resourceIds.has(x) || templates.has(x) || tags.has(x);
  // A clone's (or bundle's) child exists only as its instances (d:0, d:1): constraints name the clone.
  const cloneChildren = new Set<string>();
  walk(resources, (el, path) => {
    if (el.attrs.id !== undefined && ['primitive', 'group'].includes(el.name) && path.some((p) => p === 'clone' || p === 'master' || p === 'bundle')) cloneChildren.add(el.attrs.id);
  });
  for (const { el, path } of later) {
    const ref = el.attrs['id-ref'];
    if (ref !== undefined && !ids.has(ref)) push('error', path, el, `IDREF attribute id-ref references an unknown ID "${ref}"`);
    for (const a of rscAttrs[el.name] ?? []) {
      const v = el.attrs[a];
      if (v !== undefined && !isRsc(v)) push('error', path, el, `${a} "${v}" is not a resource, template or tag (constraint ignored)`);
      else if (v !== undefined && cloneChildren.has(v) && el.name === 'rsc_colocation') push('error', path, el, `Ignoring constraint '${el.attrs.id}' because '${v}' is not a valid resource or tag (it is inside a clone: name the clone)`);
    }
    // Scores.
    if (scored.has(el.name)) {
      const sc = el.attrs.score;
      if (sc !== undefined && !validScore(sc)) push('error', path, el, `score "${sc}" is not an integer or [+-]INFINITY`);
    }
  }
  // Values Pacemaker resets, saying so as an error.
  for (const { el, path } of later) {
    if (el.name === 'rsc_order' && el.attrs.kind !== undefined && !['mandatory', 'optional', 'serialize'].includes(el.attrs.kind.toLowerCase())) {
      push('error', path, el, `Resetting 'kind' for constraint ${el.attrs.id} to 'Mandatory' because '${el.attrs.kind}' is not valid`);
    }
    if (el.name === 'rsc_colocation' && el.attrs.influence !== undefined && !/^(true|false|yes|no|on|off|1|0|y|n)$/i.test(el.attrs.influence)) {
      push('error', path, el, `Constraint '${el.attrs.id}' has invalid value for influence (using default)`);
    }
  }

  // Constraints need what they constrain.
  for (const c of cib.constraints) {
    const path = ['cib', 'configuration', 'constraints', c.kind];
    if (c.kind === 'rsc_location' && c.sets.length === 0 && c.attrs.rsc === undefined && c.attrs['rsc-pattern'] === undefined) push('error', path, c.el, 'rsc_location names no resource (rsc, rsc-pattern or a resource_set)');
    if (c.kind === 'rsc_location' && c.attrs.node !== undefined && c.attrs.score === undefined && c.rules.length === 0) push('error', path, c.el, 'rsc_location with node needs a score');
    if (c.kind === 'rsc_location' && c.attrs.node === undefined && c.rules.length === 0 && c.sets.length === 0 && c.attrs.rsc !== undefined) push('error', path, c.el, 'rsc_location needs a node and a score, or a rule');
    if (c.kind === 'rsc_colocation' && c.sets.length === 0 && (c.attrs.rsc === undefined || c.attrs['with-rsc'] === undefined)) push('error', path, c.el, 'rsc_colocation needs rsc and with-rsc, or resource sets');
    if (c.kind === 'rsc_order' && c.sets.length === 0 && (c.attrs.first === undefined || c.attrs.then === undefined)) push('error', path, c.el, 'rsc_order needs first and then, or resource sets');
  }

  // Resources.
  // (The status is read only if a stop's on-fail needs it: most updates do not unpack it.)
  let known: Set<string> | undefined;
  const inStatus = (id: string) => (known ??= new Set(cib.status.flatMap((st) => st.lrm.map((r) => r.id.replace(/:\d+$/, ''))))).has(id);
  const fencing = ['true', 'yes', 'on', '1', 'y'].includes((cib.property('stonith-enabled') ?? 'true').toLowerCase());
  const targetRoleOf = (el: XmlElement) => elements(el, 'meta_attributes').flatMap((m) => elements(m, 'nvpair')).find((n) => n.attrs.name === 'target-role')?.attrs.value;
  const checkTargetRole = (el: XmlElement, path: string[], promotable: boolean) => {
    const tr = targetRoleOf(el);
    if (tr !== undefined && ['promoted', 'unpromoted', 'master', 'slave'].includes(tr.toLowerCase()) && !promotable) {
      push('error', path, el, `Ignoring 'target-role' for ${el.attrs.id} because '${tr}' only makes sense for promotable clones`);
    }
  };
  const checkPrimitive = (el: XmlElement, path: string[], promotable = false) => {
    checkTargetRole(el, path, promotable);
    const cls = el.attrs.class;
    if (el.attrs.template === undefined) {
      if (!cls) push('error', path, el, 'primitive has no class');
      else if (!CLASSES.has(cls)) push('error', path, el, `unknown resource class "${cls}" (ocf, lsb, heartbeat, stonith, service, systemd, ...)`);
      if (!el.attrs.type) push('error', path, el, 'primitive has no type');
      if (cls === 'ocf' && !el.attrs.provider) push('error', path, el, 'ocf primitive has no provider');
    }
    const seen = new Map<string, string>();
    for (const ops of elements(el, 'operations')) {
      for (const op of elements(ops, 'op')) {
        const p = [...path, 'operations', 'op'];
        if (!op.attrs.name) push('error', p, op, 'op has no name');
        // Recurring operations are told apart by name and interval (whatever their role).
        const intervalMs = parseCrmDurationMs(op.attrs.interval ?? '0');
        if (op.attrs.name && op.attrs['id-ref'] === undefined && intervalMs !== 0) {
          const key = `${op.attrs.name}/${intervalMs ?? op.attrs.interval}`;
          const first = seen.get(key);
          if (first !== undefined) push('error', p, op, `Operation ${op.attrs.id} is duplicate of ${first} (do not use same name and interval combination more than once per resource)`);
          else seen.set(key, op.attrs.id ?? '');
        }
        const onFail = op.attrs['on-fail']?.toLowerCase();
        // Pacemaker says so while scheduling the stop, i.e. only for a resource with a history.
        if (op.attrs.name === 'stop' && onFail !== undefined && ['standby', 'demote', 'stop'].includes(onFail) && inStatus(el.attrs.id ?? '')) {
          push('error', p, op, `Resetting 'on-fail' for ${el.attrs.id} stop action to default value because '${op.attrs['on-fail']}' is not allowed for stop`);
        }
        if (onFail === 'fence' && !fencing) push('error', p, op, `Resetting 'on-fail' for operation '${op.attrs.id}' to 'stop' because 'fence' is not valid when fencing is disabled`);
        if (['promoted', 'unpromoted', 'master', 'slave'].includes((op.attrs.role ?? '').toLowerCase()) && !promotable) {
          push('error', p, op, `Ignoring 'role' for ${el.attrs.id} because '${op.attrs.role}' only makes sense for promotable clones`);
        }
        for (const a of ['interval', 'timeout', 'start-delay', 'interval-origin']) {
          const v = op.attrs[a];
          if (v !== undefined && a !== 'interval-origin' && !validDuration(v)) push('error', p, op, `${a} "${v}" is not a duration (e.g. 10s, 1min, PT10S)`);
        }
      }
    }
  };
  if (rscSection) {
    const visit = (el: XmlElement, path: string[], promotable = false) => {
      const p = [...path, el.name];
      switch (el.name) {
        case 'primitive':
          checkPrimitive(el, p, promotable);
          break;
        case 'group':
          checkTargetRole(el, p, promotable);
          for (const c of elements(el)) {
            if (c.name === 'primitive') checkPrimitive(c, [...p, 'primitive'], promotable);
            else if (!['meta_attributes', 'instance_attributes', 'utilization'].includes(c.name)) push('error', [...p, c.name], c, `a group may contain only primitives, not <${c.name}>`);
          }
          break;
        case 'clone':
        case 'master': {
          const inner = elements(el).filter((c) => c.name === 'primitive' || c.name === 'group');
          if (inner.length !== 1) push('error', p, el, `a ${el.name} must contain exactly one primitive or group (has ${inner.length})`);
          const isPromotable = el.name === 'master' || /^(true|yes|on|1|y)$/i.test(elements(el, 'meta_attributes').flatMap((m) => elements(m, 'nvpair')).find((n) => n.attrs.name === 'promotable')?.attrs.value ?? '');
          checkTargetRole(el, p, isPromotable);
          for (const c of inner) visit(c, p, isPromotable);
          for (const c of elements(el)) if (c.name === 'clone' || c.name === 'master' || c.name === 'bundle') push('error', [...p, c.name], c, `a ${el.name} may not contain a ${c.name}`);
          break;
        }
        case 'bundle': {
          // A bundle is promotable when its container says promoted-max (or the older masters).
          const container = elements(el).find((c) => ['docker', 'podman', 'rkt'].includes(c.name));
          const bundlePromotable = Number(container?.attrs['promoted-max'] ?? container?.attrs.masters ?? 0) > 0;
          for (const c of elements(el, 'primitive')) checkPrimitive(c, [...p, 'primitive'], bundlePromotable);
          break;
        }
      }
    };
    for (const el of elements(rscSection)) visit(el, ['cib', 'configuration', 'resources']);
  }

  // Pacemaker refuses to start resources when fencing is enabled but no device exists.
  const stonithEnabled = (cib.property('stonith-enabled') ?? 'true').toLowerCase();
  const hasStonith = [...(rscSection ? [rscSection] : [])].some((s) => {
    let found = false;
    walk(s, (e) => {
      if (e.name === 'primitive' && e.attrs.class === 'stonith') found = true;
    });
    return found;
  });
  // A watchdog (SBD) fences without a device.
  const watchdog = /^(true|yes|on|1|y)$/i.test(cib.property('have-watchdog') ?? '');
  if (['true', 'yes', 'on', '1', 'y'].includes(stonithEnabled) && !hasStonith && !watchdog) {
    push('error', ['cib', 'configuration', 'crm_config'], undefined, 'Resource start-up disabled since no STONITH resources have been defined: either configure some or disable STONITH with the stonith-enabled option (clusters with shared data need STONITH to ensure data integrity)');
  }
  return issues;
}
