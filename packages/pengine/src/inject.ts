/**
 * What crm_simulate injects into a CIB's status before scheduling (`-u`, `-d`, `-f`, `-i`,
 * `--quorum`, `-g`/`-r` tickets), written into the XML the way Pacemaker's simulator does:
 * a node coming up is in the cluster, online and a member; a node going down left cleanly; a
 * failed node is online for the controller but out of the membership (so it is unclean); an
 * injected operation result is a new history entry with the next call id, and a failure also
 * records a fail count (literally "value++", as Pacemaker's does) and the last-failure time. Injected results carry no
 * parameters and no digest, as Pacemaker's do (a resource found running by one restarts). Pure apart from the clock.
 */
import { CibError } from '@heartbeat-ts/cib';
import { isElement, type XmlElement } from '@heartbeat-ts/cluster-glue';

export interface Injections {
  nodeUp?: string[];
  nodeDown?: string[];
  nodeFail?: string[];
  /** RSC_TASK_INTERVALMS@NODE=RC */
  opInject?: string[];
  quorum?: boolean;
  ticketGrant?: string[];
  ticketRevoke?: string[];
  ticketStandby?: string[];
  ticketActivate?: string[];
  /** Seconds since the epoch to record for injected results. */
  now?: number;
}

const el = (name: string, attrs: Record<string, string> = {}): XmlElement => ({ name, attrs, children: [] });
const kids = (e: XmlElement, name?: string) => e.children.filter(isElement).filter((c) => !name || c.name === name);

function ensure(parent: XmlElement, name: string, attrs: Record<string, string> = {}, match?: (e: XmlElement) => boolean): XmlElement {
  const have = kids(parent, name).find((e) => (match ? match(e) : true));
  if (have) return have;
  const e = el(name, attrs);
  parent.children.push(e);
  return e;
}

function nodeIdOf(root: XmlElement, uname: string): string {
  const config = kids(root, 'configuration')[0];
  const nodes = config ? kids(config, 'nodes')[0] : undefined;
  const def = nodes ? kids(nodes, 'node').find((n) => n.attrs.uname === uname) : undefined;
  return def?.attrs.id ?? uname;
}

function nodeState(root: XmlElement, uname: string): XmlElement {
  const status = ensure(root, 'status');
  return ensure(status, 'node_state', { id: nodeIdOf(root, uname), uname }, (e) => e.attrs.uname === uname || e.attrs.id === nodeIdOf(root, uname));
}

function setNode(root: XmlElement, uname: string, up: boolean): XmlElement {
  const ns = nodeState(root, uname);
  Object.assign(ns.attrs, up ? { in_ccm: 'true', crmd: 'online', join: 'member', expected: 'member' } : { in_ccm: 'false', crmd: 'offline', join: 'down', expected: 'down' }, { 'crm-debug-origin': 'crm_simulate' });
  return ns;
}

function transientAttr(ns: XmlElement, name: string, value: string): void {
  const ta = ensure(ns, 'transient_attributes', { id: ns.attrs.id ?? '' });
  const ia = ensure(ta, 'instance_attributes', { id: `status-${ns.attrs.id ?? ''}` });
  const nv = ensure(ia, 'nvpair', { id: `status-${ns.attrs.id ?? ''}-${name}`, name }, (e) => e.attrs.name === name);
  nv.attrs.value = value;
}

/** The primitive named in an injection (clone instances by their base name), from the configuration. */
function primitiveDef(root: XmlElement, id: string): XmlElement | undefined {
  const base = id.replace(/:\d+$/, '');
  const walk = (e: XmlElement): XmlElement | undefined => {
    for (const c of kids(e)) {
      if (c.name === 'primitive' && c.attrs.id === base) return c;
      const found = walk(c);
      if (found) return found;
    }
    return undefined;
  };
  const config = kids(root, 'configuration')[0];
  const resources = config ? kids(config, 'resources')[0] : undefined;
  return resources ? walk(resources) : undefined;
}

export function injectOperation(root: XmlElement, spec: string, now: number): void {
  const m = /^(.+)_([a-z_-]+)_(\d+)@([^=]+)=(\d+)$/.exec(spec);
  if (!m) throw new CibError('EINVAL', `invalid operation spec "${spec}": expected RESOURCE_TASK_INTERVALMS@NODE=RC, e.g. rsc1_monitor_10000@node1=7`);
  const [, rsc, task, interval, node, rcText] = m as unknown as [string, string, string, string, string, string];
  const def = primitiveDef(root, rsc);
  if (!def) throw new CibError('ENXIO', `invalid operation spec "${spec}": no resource ${rsc} in the configuration`);
  const rc = Number(rcText);
  const ns = nodeState(root, node);
  if (rc !== 0 && !(rc === 7 && interval === '0')) {
    const suffix = `${rsc}#${task}_${interval}`;
    // Pacemaker's simulator writes the attribute daemon's increment syntax literally, which the
    // scheduler reads as 0: an injected failure alone does not reach migration-threshold. Kept
    // as it is so that simulations agree with Pacemaker's.
    transientAttr(ns, `fail-count-${suffix}`, 'value++');
    transientAttr(ns, `last-failure-${suffix}`, String(now));
  }
  const lrm = ensure(ns, 'lrm', { id: ns.attrs.id ?? '' });
  const lrs = ensure(lrm, 'lrm_resources');
  const lr = ensure(lrs, 'lrm_resource', { id: rsc, class: def.attrs.class ?? '', type: def.attrs.type ?? '', ...(def.attrs.provider ? { provider: def.attrs.provider } : {}) }, (e) => e.attrs.id === rsc);
  const callId = Math.max(0, ...kids(lr, 'lrm_rsc_op').map((o) => Number(o.attrs['call-id'] ?? 0) || 0)) + 1;
  const key = `${rsc}_${task}_${interval}`;
  const id = interval !== '0' ? key : rc === 0 || (rc === 7 && task === 'monitor') ? `${rsc}_last_0` : `${rsc}_last_failure_0`;
  const attrs = { id, operation_key: key, operation: task, 'crm-debug-origin': 'crm_simulate', 'transition-key': '0:0:0:crm_simulate', 'transition-magic': `0:${rc};0:0:0:crm_simulate`, 'call-id': String(callId), 'rc-code': String(rc), 'op-status': '0', interval, 'last-rc-change': String(now), 'exec-time': '0', 'queue-time': '0' };
  const same = kids(lr, 'lrm_rsc_op').find((o) => o.attrs.id === id);
  if (same) same.attrs = attrs;
  else lr.children.push(el('lrm_rsc_op', attrs));
}

function ticketState(root: XmlElement, ticket: string, attr: string, value: boolean): void {
  const status = ensure(root, 'status');
  const tickets = ensure(status, 'tickets');
  const st = ensure(tickets, 'ticket_state', { id: ticket }, (e) => e.attrs.id === ticket);
  st.attrs[attr] = String(value);
}

export function inject(root: XmlElement, inj: Injections): void {
  const now = inj.now ?? Math.floor(Date.now() / 1000);
  if (inj.quorum !== undefined) root.attrs['have-quorum'] = inj.quorum ? '1' : '0';
  for (const n of inj.nodeUp ?? []) setNode(root, n, true);
  for (const n of inj.nodeDown ?? []) setNode(root, n, false);
  for (const n of inj.nodeFail ?? []) setNode(root, n, true).attrs.in_ccm = 'false';
  for (const t of inj.ticketGrant ?? []) ticketState(root, t, 'granted', true);
  for (const t of inj.ticketRevoke ?? []) ticketState(root, t, 'granted', false);
  for (const t of inj.ticketStandby ?? []) ticketState(root, t, 'standby', true);
  for (const t of inj.ticketActivate ?? []) ticketState(root, t, 'standby', false);
  for (const spec of inj.opInject ?? []) injectOperation(root, spec, now);
}
