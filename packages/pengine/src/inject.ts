/**
 * What crm_simulate injects into a CIB's status before scheduling (`-u`, `-d`, `-f`, `-i`,
 * `--quorum`, `-g`/`-r` tickets), written into the XML the way Pacemaker's simulator does:
 * a node coming up is in the cluster, online and a member; a node going down left cleanly; a
 * failed node is online for the controller but out of the membership (so it is unclean); an
 * injected operation result is a new history entry with the next call id, and a failure also
 * records a fail count (literally "value++", as Pacemaker's does) and the last-failure time. Injected results carry no
 * parameters and no digest, as Pacemaker's do (a resource found running by one restarts). Pure apart from the clock.
 */
import { CibError } from '@heartbeat-ts/cib/client';
import { isElement, type XmlElement } from '@heartbeat-ts/cluster-glue/client';

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


const FAKE_UUID = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';

/** One operation result as the executor records it, for crm_simulate's injections and simulated transitions. */
export interface OperationResult {
  /** The resource's name in the history (a clone instance's, e.g. rsc:1). */
  rsc: string;
  task: string;
  intervalMs: number;
  node: string;
  rc: number;
  /** Counted as a failure: the fail count and last-failure time are recorded too. */
  failure: boolean;
  /** Extra attributes of the history entry (migrate_source, migrate_target). */
  extra?: Record<string, string>;
  /** The result the transition expected (0 if not given). */
  expectedRc?: number;
  /** The agent, for resources the configuration does not name (bundle containers, remote connections). */
  agent?: { class: string; provider?: string; type: string };
}

/**
 * Writes an operation result into the node's resource history: a new entry with the next call
 * id (a recurring one by its key, others as the last result or the last failure); a failure
 * also records a fail count — literally "value++", as Pacemaker's simulator writes the attribute
 * daemon's increment syntax, which the scheduler reads as 0, so an injected failure alone does
 * not reach migration-threshold (kept so that simulations agree with Pacemaker's) — and the
 * last-failure time.
 */
export function recordOperation(root: XmlElement, r: OperationResult, now: number): void {
  new StatusWriter(root).record(r, now);
}

/**
 * Writes results into a CIB's status section, remembering where things are (the primitives'
 * definitions, node states, resource histories and their last call ids), so that a transition of
 * tens of thousands of actions records each in constant time.
 */
export class StatusWriter {
  private defs: Map<string, XmlElement> | undefined;
  private readonly states = new Map<string, XmlElement>();
  private readonly histories = new Map<string, { el: XmlElement; lastCall: number }>();
  private readonly lrmIndex = new Map<string, { lrs: XmlElement; byId: Map<string, XmlElement> }>();

  constructor(readonly root: XmlElement) {}

  /** The primitive named (clone instances by their base name), from the configuration. */
  primitiveDef(id: string): XmlElement | undefined {
    if (!this.defs) {
      const defs = new Map<string, XmlElement>();
      const walk = (e: XmlElement) => {
        for (const c of kids(e)) {
          if (c.name === 'primitive' && c.attrs.id && !defs.has(c.attrs.id)) defs.set(c.attrs.id, c);
          walk(c);
        }
      };
      const config = kids(this.root, 'configuration')[0];
      const resources = config ? kids(config, 'resources')[0] : undefined;
      if (resources) walk(resources);
      this.defs = defs;
    }
    return this.defs.get(id.replace(/:\d+$/, ''));
  }

  private nodeState(uname: string): XmlElement {
    let ns = this.states.get(uname);
    if (!ns) this.states.set(uname, (ns = nodeState(this.root, uname)));
    return ns;
  }

  record(r: OperationResult, now: number): void {
    const def = this.primitiveDef(r.rsc)?.attrs ?? r.agent;
    if (!def) throw new CibError('ENXIO', `no resource ${r.rsc} in the configuration`);
    const ns = this.nodeState(r.node);
    const interval = String(r.intervalMs);
    if (r.failure) {
      const suffix = `${r.rsc}#${r.task}_${interval}`;
      transientAttr(ns, `fail-count-${suffix}`, 'value++');
      transientAttr(ns, `last-failure-${suffix}`, String(now));
    }
    const hkey = `${r.node}\0${r.rsc}`;
    let h = this.histories.get(hkey);
    if (!h) {
      let index = this.lrmIndex.get(r.node);
      if (!index) {
        const lrs = ensure(ensure(ns, 'lrm', { id: ns.attrs.id ?? '' }), 'lrm_resources');
        index = { lrs, byId: new Map(kids(lrs, 'lrm_resource').map((e) => [e.attrs.id ?? '', e])) };
        this.lrmIndex.set(r.node, index);
      }
      let lr = index.byId.get(r.rsc);
      if (!lr) {
        lr = el('lrm_resource', { id: r.rsc, class: def.class ?? '', type: def.type ?? '', ...(def.provider ? { provider: def.provider } : {}) });
        index.lrs.children.push(lr);
        index.byId.set(r.rsc, lr);
      }
      h = { el: lr, lastCall: Math.max(0, ...kids(lr, 'lrm_rsc_op').map((o) => Number(o.attrs['call-id'] ?? 0) || 0)) };
      this.histories.set(hkey, h);
    }
    const callId = ++h.lastCall;
    const key = `${r.rsc}_${r.task}_${interval}`;
    const ok = r.rc === 0 || (r.rc === 7 && r.task === 'monitor' && r.intervalMs === 0) || (r.rc === 8 && r.task === 'monitor');
    const id = r.intervalMs !== 0 ? key : ok && !r.failure ? `${r.rsc}_last_0` : `${r.rsc}_last_failure_0`;
    // (Pacemaker's simulator gives its results a transition key of no transition (-1), which
    // makes them newer than any operation still in progress.)
    const transitionKey = `${callId}:-1:${r.expectedRc ?? 0}:${FAKE_UUID}`;
    const attrs = { id, operation_key: key, operation: r.task, 'crm-debug-origin': 'crm_simulate', 'transition-key': transitionKey, 'transition-magic': `0:${r.rc};${transitionKey}`, 'call-id': String(callId), 'rc-code': String(r.rc), 'op-status': '0', interval, ...r.extra, 'last-rc-change': String(now), 'exec-time': '0', 'queue-time': '0' };
    const same = h.el.children.find((o): o is XmlElement => isElement(o) && o.name === 'lrm_rsc_op' && o.attrs.id === id);
    if (same) same.attrs = attrs;
    else h.el.children.push(el('lrm_rsc_op', attrs));
  }

  /** A node fenced: down, its resource history and transient attributes gone (as the controller clears them). */
  fenced(node: string): void {
    const ns = setNode(this.root, node, false);
    ns.children = ns.children.filter((c) => !isElement(c) || (c.name !== 'lrm' && c.name !== 'transient_attributes'));
    for (const k of [...this.histories.keys()]) if (k.startsWith(`${node}\0`)) this.histories.delete(k);
    this.lrmIndex.delete(node);
    this.states.delete(node);
  }
}

/** Parses RSC_TASK_INTERVALMS@NODE=RC (crm_simulate's -i and -F). */
export function parseOperationSpec(spec: string): { rsc: string; task: string; intervalMs: number; node: string; rc: number } {
  // (The shortest resource name that leaves a task and an interval: rsc_migrate_to_0 is rsc's migrate_to.)
  const m = /^(.+?)_(migrate_to|migrate_from|[a-z-]+)_(\d+)@([^=]+)=(\d+)$/.exec(spec);
  if (!m) throw new CibError('EINVAL', `invalid operation spec "${spec}": expected RESOURCE_TASK_INTERVALMS@NODE=RC, e.g. rsc1_monitor_10000@node1=7`);
  return { rsc: m[1]!, task: m[2]!, intervalMs: Number(m[3]), node: m[4]!, rc: Number(m[5]) };
}

export function injectOperation(root: XmlElement, spec: string, now: number): void {
  const op = parseOperationSpec(spec);
  if (!new StatusWriter(root).primitiveDef(op.rsc)) throw new CibError('ENXIO', `invalid operation spec "${spec}": no resource ${op.rsc} in the configuration`);
  recordOperation(root, { ...op, failure: op.rc !== 0 && !(op.rc === 7 && op.intervalMs === 0) }, now);
}

/** A node fenced: down, its resource history and transient attributes gone (as the controller clears them). */
export function recordFenced(root: XmlElement, node: string): void {
  new StatusWriter(root).fenced(node);
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
