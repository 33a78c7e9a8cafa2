/**
 * The scheduler's view of a CIB (Pacemaker's "working set"): cluster options, nodes with
 * their state (online, unclean and why, standby, maintenance) and attributes, the resource
 * tree with meta attributes, and where each resource is active, in which role, failed or not,
 * with its fail counts — all read from the status section's operation history. Pure.
 */
import { attributeSets, type AttributeSet, Cib, type Primitive, resourceOf, type Resource as CibResource } from '@heartbeat-ts/cib/client';
import { isElement, paramDigest, parseCrmDurationMs, type XmlElement } from '@heartbeat-ts/cluster-glue/client';
import { simpleConstraints, type SimpleConstraint } from './constraints.js';
import { ruleHolds, type RuleContext } from './rules.js';
import { INFINITY, parseScore } from './scores.js';

export interface NodeInfo {
  id: string;
  name: string;
  online: boolean;
  /** In the cluster membership (in_ccm), whatever else its state (an unclean node may be). */
  inMembership?: boolean;
  /** In the membership but not joined yet (Pacemaker's "pending"): runs nothing, probes wait. */
  pending?: boolean;
  unclean: boolean;
  uncleanReason?: string;
  standby: boolean;
  maintenance: boolean;
  shutdown: boolean;
  attrs: Record<string, string>;
  /** Resources assigned to it so far (placement ties go to the emptier node). */
  assigned: number;
  /** Utilization capacity left (placement-strategy other than default). */
  capacity: Record<string, number>;
  /** A remote node to fence only if its connection cannot be started again. */
  fenceRevocable?: boolean;
  /** A Pacemaker Remote node: its connection resource, and the resource it lives in (guest nodes). */
  remote?: { connection: string; container?: string };
  /** The priorities of what runs there when the working set was built (see nodePriorities). */
  priority?: number;
}

export type Role = 'Stopped' | 'Started' | 'Unpromoted' | 'Promoted';

export interface Rsc {
  id: string;
  kind: 'primitive' | 'group' | 'clone';
  parent?: Rsc;
  children: Rsc[];
  /** ocf:heartbeat:Dummy (primitives). */
  agent?: string;
  meta: Record<string, string>;
  params: Record<string, string>;
  /** Clone: how many instances; which are anonymous; promotable. */
  clone?: { max: number; nodeMax: number; unique: boolean; promotable: boolean; promotedMax: number; interleave: boolean; ordered: boolean; template: string; memberIds: string[] };
  /** Clone instances: their number. */
  instance?: number;
  /** Where it is active now, with its role there. */
  active: Map<string, Role>;
  /** Nodes where its last state is failed (needs recovery). */
  failed: Set<string>;
  /** Nodes where it hit a hard error (invalid argument, unimplemented, no permission, not installed): never again there. */
  hardBanned: Set<string>;
  /** It hit OCF_ERR_CONFIGURED: it cannot run anywhere. */
  misconfigured: boolean;
  /** Nodes where stopping failed (it is stuck there). */
  stopFailed: Set<string>;
  failCount: Map<string, number>;
  /** The digests recorded with the last start on each node (to see a changed definition). */
  startDigests: Map<string, { pending?: boolean; opDigest: string; restartDigest?: string; forceRestart?: string[]; featureSet?: string; secureDigest?: string; secureParams?: string[] }>;
  /** Completed operation records per node, in call order (read by settleMigrations). */
  history?: Map<string, Record<string, string>[]>;
  /** Sources of completed migrations: stopped there to finish, not counted as active. */
  dangling?: Set<string>;
  /** Nodes where a failure of it restarts its container (meta container). */
  restartContainer?: Set<string>;
  /** Nodes where it may not be promoted in this transition (a failure with on-fail=demote). */
  noPromote?: Set<string>;
  /** The clone of what runs inside a bundle (it has the bundle's id). */
  bundleInner?: boolean;
  /** shutdown-lock: it may run only on this node (which shut down cleanly) for now. */
  lockedTo?: string;
  /** A bundle's instance: it runs only on this (guest) node. */
  pinnedTo?: string;
  /** A bundle's container (placed like a clone instance: it stays where it runs when that is as good as any). */
  bundleContainer?: boolean;
  /** Created by the scheduler, not configured (a guest node's connection). */
  implicit?: boolean;
  /** Only in the status section (see orphan()). */
  orphan?: boolean;
  /** An anonymous clone instance's name in the status section when it differs (Pacemaker's operation keys use it). */
  historyName?: string;
  /** Per node, the name its history there was recorded under, when not its own. */
  historyNames?: Map<string, string>;
  /** The name its active history was last recorded under, when not its own (promotion scores go by it). */
  cloneName?: string;
  /** Nodes whose status section has any history of it (no probe needed there). */
  known: Set<string>;
  /** Recurring operations running now per node, as "name_intervalMs" (from the history since the last start). */
  recurring: Map<string, Set<string>>;
  /** What it uses of a node's capacity (utilization). */
  utilization: Record<string, number>;
  /** Configured operations (name, interval in ms, on-fail). */
  ops: { name: string; intervalMs: number; onFail?: string; role?: string; timeout?: string; attrs: Record<string, string>; params?: Record<string, string> }[];
  /** An operation in progress (status -1): start, stop, promote... ("probe" for a one-off monitor). */
  pendingTask?: string;
  /** Where that operation is in progress (shown even when a later result says it stopped). */
  pendingNode?: string;
  /** Nodes whose history of it was recorded under another agent (class, provider or type). */
  agentChangedOn?: Set<string>;
  /** Nodes where its fail count is to be cleared (the failed operation's definition changed). */
  failcountCleared?: Set<string>;
  /** A failure was ignored (on-fail=ignore): migration-threshold no longer applies. */
  failureIgnored?: boolean;
  /** A failure with on-fail=block (or a failed stop that cannot be fenced): no actions for it. */
  blocked: boolean;
  /** A failure with on-fail=stop: stop it and do not start it again. */
  stopOnly: boolean;
  /** Set by placement: the node it will run on, null if nowhere. */
  next?: string | null;
  nextRole?: Role;
  /** Why it moves rather than migrating although it could (a first that stops the plain way). */
  noMigrate?: string;
  /** An ordering (not its own placement) keeps it from running. */
  heldByOrder?: boolean;
  /** An ordering stopped it: "unrunnable X start", and where it would have run. */
  blockedBy?: string;
  wouldRun?: string;
  /** Its stop must wait for a blocked resource ordered after it: it cannot happen. */
  stopBlocked?: boolean;
  /** Its promotion cannot happen: why ("colocation with X"); it starts unpromoted. */
  promoteBlockedBy?: string;
  /** The resource whose stop it waits for (when it was to restart or move). */
  stopBlockedBy?: string;
  /** Why its definition changed where it runs (a new agent, or new parameters). */
  definitionChanged?: 'definition' | 'parameters';
  /** Only reloadable parameters changed: reload in place. */
  reload?: boolean;
  /** An ordering restarts it: "required X start". */
  restartFor?: string;
  /** Scores per node, as placement computed them (crm_simulate -s). */
  scores?: Map<string, number>;
}

export interface WorkingSet {
  cib: Cib;
  options: {
    stonithEnabled: boolean;
    symmetric: boolean;
    noQuorumPolicy: string;
    haveQuorum: boolean;
    maintenanceMode: boolean;
    startFailureIsFatal: boolean;
    stopOrphans: boolean;
    placementStrategy: string;
    haveFencingDevice: boolean;
  };
  nodes: NodeInfo[];
  node: Map<string, NodeInfo>;
  /** Top-level resources in CIB order. */
  resources: Rsc[];
  /** Every resource by id (clone instances as id:N). */
  byId: Map<string, Rsc>;
  /** A primitive's instance parameters as they apply on a node (rules evaluated there). */
  paramsOn(r: Rsc, node: string): Record<string, string>;
  /** Ticket states from the status section (absent: not granted). */
  tickets: Map<string, { granted: boolean; standby: boolean }>;
  /** Bundles as expanded (their IPs and containers, and the clone of what runs inside). */
  bundles?: { id: string; members: Rsc[]; clone?: Rsc }[];
  /** Resources only the status section knows, with the clone they are extra copies of. */
  orphans: { rsc: Rsc; owner?: Rsc }[];
  /** The constraints with resource sets, tags and templates expanded (see constraints.ts). */
  constraints: SimpleConstraint[];
  now: number;
}

/** Whether a section configures a fencing device (a primitive or template of class stonith). */
function hasFencingDevice(el: XmlElement | undefined): boolean {
  if (!el) return false;
  if ((el.name === 'primitive' || el.name === 'template') && el.attrs.class === 'stonith') return true;
  return el.children.some((c) => isElement(c) && hasFencingDevice(c));
}

/**
 * Whether the scheduler may act on a resource: managed (is-managed), not in maintenance (its own
 * or the cluster's), and not left alone because fencing is enabled without any device.
 */
export function isManaged(ws: WorkingSet, r: Rsc): boolean {
  return isTrue(r.meta['is-managed'] ?? 'true') && !ws.options.maintenanceMode && !isTrue(r.meta.maintenance) && !(ws.options.stonithEnabled && !ws.options.haveFencingDevice);
}

/** A CIB boolean (Pacemaker's crm_is_true): true, yes, on, 1 or y, any case. */
export const isTrue = (v: string | undefined) => /^(true|yes|on|1|y)$/i.test((v ?? '').trim());

/** Name/value pairs of attribute sets, rules evaluated, in score order (higher first), first value wins. */
export function setValues(sets: AttributeSet[], ctx: RuleContext): Record<string, string> {
  const out: Record<string, string> = {};
  const sorted = [...sets].sort((a, b) => parseScore(b.el.attrs.score, 0) - parseScore(a.el.attrs.score, 0));
  for (const s of sorted) {
    if (s.rules.length && !s.rules.every((r) => ruleHolds(r, ctx))) continue;
    // ("#default" means unset.)
    for (const nv of s.nvpairs) if (!(nv.name in out) && nv.value !== undefined && nv.value.toLowerCase() !== '#default') out[nv.name] = nv.value;
  }
  return out;
}

/**
 * Pacemaker Remote nodes: one per ocf:pacemaker:remote connection resource (the node is named
 * after it), and one per resource with meta remote-node=NAME (a guest node living in that
 * resource, its container).
 */
export interface BundleDef {
  id: string;
  /** docker, podman or rkt. */
  kind: string;
  replicas: number;
  perHost: number;
  promotedMax: number;
  ipStart?: string;
  child?: XmlElement;
}

/** Bundles as Pacemaker expands them: per replica an IP (with ip-range-start), a container, and with a resource inside, a guest node running one instance of it. */
export function bundleDefs(cib: Cib): BundleDef[] {
  const resources = cib.section('resources');
  if (!resources) return [];
  return resources.children.filter(isElement).filter((b) => b.name === 'bundle' && b.attrs.id).map((b) => {
    const kids = b.children.filter(isElement);
    const container = kids.find((k) => ['docker', 'podman', 'rkt'].includes(k.name));
    const network = kids.find((k) => k.name === 'network');
    const promotedMax = Number(container?.attrs['promoted-max'] ?? container?.attrs.masters ?? 0) || 0;
    const child = kids.find((k) => k.name === 'primitive');
    return {
      id: b.attrs.id!,
      kind: container?.name ?? 'docker',
      replicas: Number(container?.attrs.replicas ?? (promotedMax || 1)) || 1,
      perHost: Number(container?.attrs['replicas-per-host'] ?? 1) || 1,
      promotedMax,
      ...(network?.attrs['ip-range-start'] ? { ipStart: network.attrs['ip-range-start'] } : {}),
      ...(child ? { child } : {}),
    };
  });
}

export function remoteNodeDefs(cib: Cib): Map<string, { container?: string }> {
  const out = new Map<string, { container?: string }>();
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (!isElement(c)) continue;
      if (c.name === 'primitive' && c.attrs.id) {
        if (c.attrs.class === 'ocf' && c.attrs.provider === 'pacemaker' && c.attrs.type === 'remote') out.set(c.attrs.id, {});
        for (const m of c.children) if (isElement(m) && m.name === 'meta_attributes') for (const nv of m.children) if (isElement(nv) && nv.attrs.name === 'remote-node' && nv.attrs.value) out.set(nv.attrs.value, { container: c.attrs.id });
      }
      if (c.name === 'group' || c.name === 'clone' || c.name === 'master') walk(c);
    }
  };
  const resources = cib.section('resources');
  if (resources) walk(resources);
  for (const b of bundleDefs(cib)) if (b.child) for (let i = 0; i < b.replicas; i++) out.set(`${b.id}-${i}`, { container: `${b.id}-${b.kind}-${i}` });
  return out;
}

function nodeState(ws: WorkingSet, cib: Cib): void {
  // (The status view is built once: cib.status works it out again at every call.)
  const statusList = cib.status;
  const states = new Map(statusList.map((s) => [s.attrs.uname ?? s.id, s]));
  const byId = new Map(statusList.map((s) => [s.id, s]));
  const remotes = remoteNodeDefs(cib);
  const addRemote = (name: string, id: string, attributes: AttributeSet[], utilization: AttributeSet[]) => {
    const def = remotes.get(name)!;
    const st = states.get(name) ?? byId.get(id);
    const attrs: Record<string, string> = { ...setValues(attributes, { attrs: {}, now: ws.now }), '#uname': name, '#id': id, '#kind': def.container ? 'container' : 'remote', '#is_dc': 'false' };
    if (st) Object.assign(attrs, setValues(st.transient, { attrs: {}, now: ws.now }));
    const capacity: Record<string, number> = {};
    for (const [k, v] of Object.entries(setValues(utilization, { attrs: {}, now: ws.now }))) capacity[k] = Number.parseInt(v, 10) || 0;
    // Online once its connection is known to run (see remoteOnline()).
    const n: NodeInfo = { id, name, online: false, unclean: false, standby: isTrue(attrs.standby), maintenance: isTrue(attrs.maintenance), shutdown: false, attrs, assigned: 0, capacity, remote: { connection: name, ...(def.container ? { container: def.container } : {}) } };
    ws.nodes.push(n);
    ws.node.set(name, n);
  };
  for (const def of cib.nodes) {
    if (def.el.attrs.type === 'ping') continue;
    if (remotes.has(def.uname)) {
      addRemote(def.uname, def.id, def.attributes, def.utilization);
      continue;
    }
    if (def.el.attrs.type === 'remote') continue;
    const name = def.uname;
    const st = states.get(name) ?? byId.get(def.id);
    const attrs: Record<string, string> = { ...setValues(def.attributes, { attrs: {}, now: ws.now }), '#uname': name, '#id': def.id, '#kind': 'cluster', '#is_dc': String(cib.root.attrs['dc-uuid'] === def.id) };
    if (st) Object.assign(attrs, setValues(st.transient, { attrs: {}, now: ws.now }));
    const capacity: Record<string, number> = {};
    for (const [k, v] of Object.entries(setValues(def.utilization, { attrs: {}, now: ws.now }))) capacity[k] = Number.parseInt(v, 10) || 0;
    const n: NodeInfo = { id: def.id, name, online: false, unclean: false, standby: false, maintenance: false, shutdown: false, attrs, assigned: 0, capacity };
    if (st) {
      const a = st.attrs;
      const inCcm = a.in_ccm === 'true' || (/^\d+$/.test(a.in_ccm ?? '') && Number(a.in_ccm) > 0);
      const crmd = a.crmd === 'online' || (/^\d+$/.test(a.crmd ?? '') && Number(a.crmd) > 0);
      const join = a.join ?? 'down';
      const expected = a.expected ?? 'down';
      const terminate = isTrue(attrs.terminate) || /^[1-9]\d*$/.test(attrs.terminate ?? '');
      const shuttingDown = attrs.shutdown !== undefined && attrs.shutdown !== '0';
      const lost = (why: string) => {
        n.unclean = true;
        n.uncleanReason = why;
      };
      if (inCcm && crmd && join === 'member') n.online = true;
      if (inCcm) n.inMembership = true;
      // Without fencing a node that is not online is simply down: what ran there counts as stopped.
      // With fencing, Pacemaker's rules in its order: a node shutting down is just up or down; one
      // never seen, refused, gone from the membership or without its controller is lost (fenced);
      // one up but not joined (or expected down) is pending.
      if (!ws.options.stonithEnabled || shuttingDown) {
        // (up or down only)
      } else if (a.in_ccm === undefined) lost('peer has not been seen by the cluster');
      else if (join === 'banned') lost('peer failed Pacemaker membership criteria');
      else if (!terminate && expected === 'down') n.pending = !n.online && (inCcm || crmd);
      else if (terminate && join === 'down' && !inCcm && !crmd) {
        // (just fenced)
      } else if (!inCcm) lost('peer is no longer part of the cluster');
      else if (!crmd) lost('peer process is no longer available');
      else if (terminate) lost('termination was requested');
      else if (join === 'pending' || join === 'down') n.pending = true;
      else if (join !== 'member') lost('peer was in an unknown state');
      n.shutdown = shuttingDown;
    } else if (ws.options.stonithEnabled && isTrue(cib.property('startup-fencing') ?? 'true')) {
      // Never seen since the cluster started: it may run anything, so it is fenced (startup-fencing).
      n.unclean = true;
      n.uncleanReason = 'node is unclean';
    }
    // An administrator asked for this node to be fenced (crm_node -K / stonith_admin -F style).
    if (isTrue(attrs.terminate) && !n.unclean) {
      n.unclean = true;
      n.uncleanReason = 'termination was requested';
    }
    n.standby = isTrue(attrs.standby);
    n.maintenance = isTrue(attrs.maintenance);
    ws.nodes.push(n);
    ws.node.set(name, n);
  }
  for (const name of remotes.keys()) if (!ws.node.has(name)) addRemote(name, name, [], []);
  // A remote connection known only from the status section (its configuration removed): its
  // node still exists, shutting down, so that what runs there is moved away.
  const configured = new Set<string>();
  const walk = (el: XmlElement) => {
    if (el.attrs.id) configured.add(el.attrs.id);
    for (const c of el.children) if (isElement(c)) walk(c);
  };
  for (const r of cib.resources) walk(r.el);
  // (Not once that connection is stopped everywhere: its last result on every node is a stop or
  // a probe that found it not running.)
  const stoppedEverywhere = (id: string) =>
    statusList.every((st) =>
      st.lrm.filter((lr) => lr.id === id).every((lr) => {
        const last = [...lr.ops].map((o) => o.attrs).filter((o) => Number(o['call-id'] ?? -1) >= 0).sort((x, y) => Number(x['call-id']) - Number(y['call-id'])).pop();
        return last !== undefined && last['op-status'] === '0' && ((last.operation === 'stop' && last['rc-code'] === '0') || (last.operation === 'monitor' && Number(last.interval ?? 0) === 0 && last['rc-code'] === '7'));
      }),
    );
  for (const st of statusList) {
    for (const lr of st.lrm) {
      const a = lr.attrs;
      if (a.class !== 'ocf' || a.provider !== 'pacemaker' || a.type !== 'remote' || configured.has(lr.id) || ws.node.has(lr.id) || stoppedEverywhere(lr.id)) continue;
      remotes.set(lr.id, {});
      addRemote(lr.id, lr.id, [], []);
      ws.node.get(lr.id)!.shutdown = true;
    }
  }
}

/**
 * Bundles: for each replica i an IP BUNDLE-ip-ADDR (when the network has ip-range-start), the
 * container BUNDLE-KIND-i, and with a resource inside, the guest node BUNDLE-i (its connection
 * is created like any guest's) running instance CHILD:i of an anonymous clone of that resource
 * (promotable with promoted-max), pinned to it. Containers keep replicas-per-host; the IP goes
 * with its container. Constraints naming the bundle reach its containers (and the clone).
 */
function expandBundle(ws: WorkingSet, b: BundleDef, def: CibResource, build: Build): void {
  const synth = (id: string, cls: string, provider: string, type: string, meta: Record<string, string>): Rsc => {
    const r = buildResource({ kind: 'primitive', id, meta: [], instance: [], utilization: [], ops: [], el: { name: 'primitive', attrs: { id, class: cls, provider, type }, children: [] } } as unknown as CibResource, build)[0]!;
    r.meta = { ...r.meta, ...meta };
    r.implicit = true;
    return r;
  };
  {
    const meta = { ...build.defaults(), ...setValues(def.meta, { attrs: {}, now: ws.now }), 'bundle-id': b.id };
    const members: Rsc[] = [];
    const containers: Rsc[] = [];
    const ipParts = b.ipStart?.split('.').map(Number);
    for (let i = 0; i < b.replicas; i++) {
      const container = synth(`${b.id}-${b.kind}-${i}`, 'ocf', 'heartbeat', b.kind, meta);
      container.bundleContainer = true;
      if (ipParts && ipParts.length === 4) {
        const addr = [...ipParts.slice(0, 3), ipParts[3]! + i].join('.');
        const ip = synth(`${b.id}-ip-${addr}`, 'ocf', 'heartbeat', 'IPaddr2', meta);
        members.push(ip);
        const c = (kind: 'rsc_colocation' | 'rsc_order', attrs: Record<string, string>) => ws.constraints.push({ kind, id: `${ip.id}-${kind}`, attrs: { id: `${ip.id}-${kind}`, ...attrs }, sets: [], rules: [], el: { name: kind, attrs, children: [] } });
        c('rsc_colocation', { rsc: container.id, 'with-rsc': ip.id, score: 'INFINITY' });
        c('rsc_order', { first: ip.id, then: container.id, kind: 'Mandatory' });
      }
      members.push(container);
      containers.push(container);
    }
    // At most replicas-per-host containers on a node (1: all apart).
    if (b.perHost === 1) for (let i = 0; i < containers.length; i++) for (let j = 0; j < i; j++) {
      const id = `${containers[i]!.id}-apart-${j}`;
      ws.constraints.push({ kind: 'rsc_colocation', id, attrs: { id, rsc: containers[i]!.id, 'with-rsc': containers[j]!.id, score: '-INFINITY' }, sets: [], rules: [], el: { name: 'rsc_colocation', attrs: {}, children: [] } });
    }
    let clone: Rsc | undefined;
    if (b.child && def.kind === 'bundle' && def.primitive) {
      const cloneEl: XmlElement = { name: 'clone', attrs: { id: b.id }, children: [b.child] };
      const c = buildResource({ kind: 'clone', id: b.id, meta: def.meta, child: def.primitive, el: cloneEl } as unknown as CibResource, build)[0]!;
      c.clone!.max = b.replicas;
      c.clone!.nodeMax = 1;
      c.clone!.promotable = b.promotedMax > 0;
      c.clone!.promotedMax = b.promotedMax;
      instantiate(c, def.primitive, b.replicas, build);
      c.children.forEach((inst, i) => {
        inst.pinnedTo = `${b.id}-${i}`;
        for (const p of primitives(inst)) p.pinnedTo = `${b.id}-${i}`;
      });
      c.bundleInner = true;
      clone = c;
    }
    (ws.bundles ??= []).push({ id: b.id, members, clone });
    ws.resources.push(...members);
    if (clone) ws.resources.push(clone);
  }
}

/** A remote node is online when its connection runs (and, for a guest, its container too) and neither failed. */
function remoteOnline(ws: WorkingSet): void {
  for (const n of ws.nodes) {
    if (!n.remote) continue;
    const conn = ws.byId.get(n.remote.connection);
    const container = n.remote.container ? ws.byId.get(n.remote.container) : undefined;
    const runs = (r: Rsc | undefined) => !!r && [...r.active.keys()].some((h) => ws.node.get(h)?.online) && !r.failed.size;
    n.online = runs(conn) && (!n.remote.container || runs(container));
    if (!ws.options.stonithEnabled && !n.remote.container) continue;
    // A failed connection leaves a remote node in an unknown state: fenced. A guest whose
    // container failed, or whose host is being fenced, is "fenced" by recovering the container.
    const host = container ? [...container.active.keys()][0] : undefined;
    if (container && (container.failed.size || (host && ws.node.get(host)?.unclean))) {
      n.unclean = true;
      n.uncleanReason = 'guest is unclean';
    }
  }
}

function metaOf(sets: AttributeSet[], defaults: Record<string, string>, now: number): Record<string, string> {
  return { ...defaults, ...setValues(sets, { attrs: {}, now }) };
}

/** A clone's instances: copies of its child with ids suffixed :0, :1, ... (group members too). */
function instantiate(c: Rsc, child: CibResource, count: number, ctx: Build): void {
  const template = buildResource(child, ctx, c)[0];
  if (!template) return;
  c.clone!.template = template.id;
  c.clone!.memberIds = primitives(template).map((p) => p.id);
  const copy = (t: Rsc, i: number, parent: Rsc): Rsc => {
    const r: Rsc = { ...t, id: `${t.id}:${i}`, parent, children: [], active: new Map(), failed: new Set(), stopFailed: new Set(), failCount: new Map(), instance: i, meta: { ...t.meta }, params: { ...t.params }, startDigests: new Map(), known: new Set(), recurring: new Map(), ops: t.ops, utilization: t.utilization, blocked: false, stopOnly: false, hardBanned: new Set(), misconfigured: false };
    r.children = t.children.map((x) => copy(x, i, r));
    return r;
  };
  for (let i = 0; i < count; i++) c.children.push(copy(template, i, c));
}

/** An operation's own instance attributes: parameters of that operation only (in its digest too). */
function opParams(el: XmlElement, now: number): { params?: Record<string, string> } {
  const sets = attributeSets(el, 'instance_attributes');
  return sets.length ? { params: setValues(sets, { attrs: {}, now }) } : {};
}

/** What building resources needs: rsc_defaults for an agent, and the resource templates by id. */
interface Build {
  defaults: (agent?: RuleContext['agent']) => Record<string, string>;
  /** Rules in attribute sets are evaluated at this time. */
  now: number;
  templates: Map<string, Primitive>;
}

/**
 * A primitive made from a template: the template's agent, and its attribute sets and operations
 * under the primitive's own (which win); an operation of the primitive replaces the template's
 * of the same name and interval.
 */
function expandTemplate(r: Primitive, templates: Map<string, Primitive>): Primitive {
  const t = r.template !== undefined ? templates.get(r.template) : undefined;
  if (!t) return r;
  const key = (o: Primitive['ops'][number]) => `${o.name}_${parseCrmDurationMs(o.interval ?? '0') ?? 0}`;
  const own = new Set(r.ops.map(key));
  const attrs = { ...t.el.attrs, ...r.el.attrs };
  delete attrs.template;
  return { ...r, meta: [...r.meta, ...t.meta], instance: [...r.instance, ...t.instance], utilization: [...r.utilization, ...t.utilization], ops: [...r.ops, ...t.ops.filter((o) => !own.has(key(o)))], el: { ...r.el, name: 'primitive', attrs } };
}

function buildResource(r: CibResource, ctx: Build, parent?: Rsc): Rsc[] {
  if (r.kind === 'primitive') r = expandTemplate(r, ctx.templates);
  const base = (id: string, kind: Rsc['kind']): Rsc => ({ id, kind, children: [], meta: {}, params: {}, active: new Map(), failed: new Set(), stopFailed: new Set(), failCount: new Map(), startDigests: new Map(), known: new Set(), recurring: new Map(), ops: [], utilization: {}, blocked: false, stopOnly: false, hardBanned: new Set(), misconfigured: false, ...(parent ? { parent } : {}) });
  if (r.kind === 'primitive') {
    const p = base(r.id, 'primitive');
    const el = r.el;
    p.agent = `${el.attrs.class}:${el.attrs.provider ? `${el.attrs.provider}:` : ''}${el.attrs.type}`;
    // Precedence: its own meta-attributes, its parent's, then rsc_defaults (evaluated for its agent).
    p.meta = { ...ctx.defaults({ class: el.attrs.class, provider: el.attrs.provider, type: el.attrs.type }), ...(parent?.meta ?? {}), ...metaOf(r.meta, {}, ctx.now) };
    p.params = setValues(r.instance, { attrs: {}, now: ctx.now });
    for (const [k, v] of Object.entries(setValues(r.utilization, { attrs: {}, now: ctx.now }))) p.utilization[k] = Number.parseInt(v, 10) || 0;
    p.ops = r.ops.map((o) => ({ name: o.name, intervalMs: parseCrmDurationMs(o.interval ?? '0') ?? 0, ...(o.el.attrs['on-fail'] ? { onFail: o.el.attrs['on-fail'].toLowerCase() } : {}), ...(o.role ? { role: o.role } : {}), ...(o.timeout ? { timeout: o.timeout } : {}), attrs: o.el.attrs, ...opParams(o.el, ctx.now) }));
    return [p];
  }
  if (r.kind === 'group') {
    const g = base(r.id, 'group');
    g.meta = { ...(parent?.meta ?? {}), ...metaOf(r.meta, parent ? {} : ctx.defaults(), ctx.now) };
    for (const c of r.children) g.children.push(...buildResource(c, ctx, g));
    return [g];
  }
  if (r.kind === 'clone' || r.kind === 'master') {
    const c = base(r.id, 'clone');
    c.meta = metaOf(r.meta, ctx.defaults(), ctx.now);
    const promotable = r.kind === 'master' || isTrue(c.meta.promotable);
    const unique = isTrue(c.meta['globally-unique']);
    c.clone = {
      max: Number(c.meta['clone-max'] ?? NaN),
      nodeMax: Number(c.meta['clone-node-max'] ?? 1),
      unique,
      promotable,
      promotedMax: Number(c.meta['promoted-max'] ?? c.meta['master-max'] ?? 1),
      interleave: isTrue(c.meta.interleave),
      ordered: isTrue(c.meta.ordered),
      template: '',
      memberIds: [],
    };
    return [c];
  }
  return [];
}

/**
 * Whether a primitive can move from a node by live migration: allow-migrate, not failed there,
 * that node not being fenced, not a clone instance, no earlier migration still to be finished.
 */
export function canMigrate(ws: WorkingSet, p: Rsc, from: string): boolean {
  return p.kind === 'primitive' && isTrue(p.meta['allow-migrate']) && !p.failed.has(from) && ws.node.get(from)?.unclean !== true && p.parent?.kind !== 'clone' && !p.dangling?.size && !p.noMigrate;
}

/** The parameters of an action on a node: the resource's, with the operation's own on top (as its digest has them). */
export function actionParams(ws: WorkingSet, r: Rsc, node: string, task: string, intervalMs: number): Record<string, string> {
  return { ...ws.paramsOn(r, node), ...r.ops.find((o) => o.name === task && o.intervalMs === intervalMs)?.params };
}

/** Whether any resource is active on the node (by the status section). */
export function activeOnNode(ws: WorkingSet, node: string): boolean {
  for (const r of ws.byId.values()) if (r.kind === 'primitive' && r.active.has(node)) return true;
  return false;
}

/** Every primitive under a resource (clone templates included). */
export function primitives(r: Rsc): Rsc[] {
  return r.kind === 'primitive' ? [r] : r.children.flatMap(primitives);
}

/**
 * The recurring operations of a history that run now: those recorded after the last start
 * (or migrate_from; else after a promote/demote or a successful probe that implies one), unless
 * a successful stop came after it. Completed records only.
 */
/**
 * A resource the status section knows and the configuration does not (or an anonymous clone's
 * copy beyond clone-max): it is stopped where it runs, unless stop-orphan-resources=false
 * leaves it alone. Kept out of placement; listed after what it belonged to.
 */
function orphan(ws: WorkingSet, id: string, attrs: Record<string, string>, clone?: Rsc): Rsc {
  // (stop-orphan-resources concerns resources no longer configured, not extra clone instances.)
  const r: Rsc = { id, kind: 'primitive', children: [], meta: {}, params: {}, active: new Map(), failed: new Set(), stopFailed: new Set(), failCount: new Map(), startDigests: new Map(), known: new Set(), recurring: new Map(), ops: [], utilization: {}, blocked: !clone && !ws.options.stopOrphans, stopOnly: true, hardBanned: new Set(), misconfigured: false, orphan: true, next: null };
  r.agent = `${attrs.class ?? 'ocf'}:${attrs.provider ? `${attrs.provider}:` : ''}${attrs.type ?? ''}`;
  if (clone) {
    const member = clone.children[0] && clone.children[0].kind === 'group' ? clone.children[0].children.find((m) => m.id.replace(/:\d+$/, '') === id.replace(/:\d+$/, '')) : clone.children[0];
    if (member) {
      r.ops = member.ops;
      r.meta = { ...member.meta };
    }
  }
  ws.byId.set(id, r);
  ws.orphans.push({ rsc: r, ...(clone ? { owner: clone } : {}) });
  return r;
}

/**
 * meta container="X": the resource lives inside X — placed with it, started after it, and its
 * failure restarts X (Pacemaker's default on-fail=restart-container for such resources).
 */
function containers(ws: WorkingSet): void {
  for (const r of [...ws.byId.values()]) {
    const id = r.meta.container;
    if (r.kind !== 'primitive' || !id || r.parent?.kind === 'clone') continue;
    const c = ws.byId.get(id);
    if (!c || c === r) continue;
    // A guest node's container holds only the guest's connection; "container" elsewhere pointing at it is ignored.
    if (c.meta['remote-node'] !== undefined && c.meta['remote-node'] !== r.id) continue;
    const implicit = (kind: 'rsc_colocation' | 'rsc_order', attrs: Record<string, string>) =>
      ws.constraints.push({ kind, id: `${r.id}-container-${kind}`, attrs: { id: `${r.id}-container-${kind}`, ...attrs }, sets: [], rules: [], el: { name: kind, attrs, children: [] }, fromContainer: true });
    implicit('rsc_colocation', { rsc: r.id, 'with-rsc': id, score: 'INFINITY' });
    implicit('rsc_order', { first: id, then: r.id, kind: 'Mandatory' });
    for (const n of new Set([...r.failed, ...(r.restartContainer ?? [])])) for (const p of primitives(c)) if (p.active.has(n) && !p.failed.has(n)) p.restartFor ??= '';
    // Its failures count against the container (whose migration-threshold moves them all), not itself.
    for (const [n, count] of r.failCount) for (const p of primitives(c)) p.failCount.set(n, Math.min(INFINITY, (p.failCount.get(n) ?? 0) + count));
    r.failCount.clear();
  }
}

/** The digest of the parameters without the secret ones (op-secure-params), when recorded. */
/** The digests an operation history entry recorded, by which a definition change is judged. */
function recordedDigests(o: Record<string, string>) {
  return {
    opDigest: o['op-digest'] ?? '',
    ...(o['op-restart-digest'] ? { restartDigest: o['op-restart-digest'] } : {}),
    ...(o.crm_feature_set ? { featureSet: o.crm_feature_set } : {}),
    ...(o['op-secure-digest'] ? { secureDigest: o['op-secure-digest'], secureParams: (o['op-secure-params'] ?? '').split(/\s+/).filter(Boolean) } : {}),
  };
}

/* Intervals in the status section are in milliseconds. */
function activeRecurring(ops: Record<string, string>[]): Set<string> {
  const sorted = [...ops].sort((a, b) => Number(a['call-id'] ?? -1) - Number(b['call-id'] ?? -1));
  let start = -1;
  let stop = -1;
  let impliedByMonitor = -1;
  let impliedByRole = -1;
  sorted.forEach((o, i) => {
    const op = o.operation ?? '';
    if (op === 'stop' && o['op-status'] === '0') stop = i;
    else if (op === 'start' || op === 'migrate_from') start = i;
    else if (op === 'monitor' && impliedByMonitor <= stop && (o['rc-code'] === '0' || o['rc-code'] === '8')) impliedByMonitor = i;
    else if (op === 'promote' || op === 'demote') impliedByRole = i;
  });
  if (start === -1) start = impliedByRole !== -1 ? impliedByRole : impliedByMonitor;
  const out = new Set<string>();
  if (start < stop) return out;
  sorted.forEach((o, i) => {
    if (i < start) return;
    const interval = Number(o.interval ?? 0) || 0;
    if (interval === 0 || o['op-status'] === '-1') return;
    out.add(`${o.operation}_${interval}`);
  });
  return out;
}

/** on-fail for an operation: configured, else Pacemaker's default (stop: fence, or block without fencing). */
function onFailOf(ws: WorkingSet, rsc: Rsc, op: string, intervalMs: number): string {
  const cfg = rsc.ops.find((o) => o.name === op && o.intervalMs === intervalMs)?.onFail;
  if (cfg) return cfg === 'fence' && !ws.options.stonithEnabled ? 'stop' : cfg;
  // A resource inside a container is recovered by restarting the container.
  if (rsc.meta.container) return 'restart-container';
  // A remote connection that drops (anything but a failed start or probe) leaves the node unknown.
  if (ws.node.get(rsc.id)?.remote && !rsc.orphan && op !== 'start' && !(op === 'monitor' && intervalMs === 0)) return 'reset-remote';
  if (op === 'stop') return ws.options.stonithEnabled ? 'fence' : 'block';
  return 'restart';
}

/** Reads one resource's operation history on one node into its state there. */
function unpackHistory(ws: WorkingSet, rsc: Rsc, node: string, ops: Record<string, string>[]): void {
  rsc.known.add(node);
  const running = activeRecurring(ops);
  if (running.size) rsc.recurring.set(node, running);
  // Completed operations in call order, then those still in progress (call-id -1).
  // In call order. Two records with one call id are a recurring operation's latest result and
  // its *_last_failure_0: only the one whose result changed last counts.
  const changed = (o: Record<string, string>) => Number(o['last-rc-change'] ?? 0) || 0;
  // (An operation in progress that already has a call id is ordered by it, like the others.)
  const callId = (o: Record<string, string>) => Number(o['call-id'] ?? -1);
  const sorted = ops.filter((o) => callId(o) >= 0 && o['op-status'] !== '1').sort((a, b) => callId(a) - callId(b) || changed(a) - changed(b));
  const done = sorted.filter((o, i) => sorted[i + 1]?.['call-id'] !== o['call-id']);
  const pending = ops.filter((o) => o['op-status'] === '-1' && callId(o) < 0);
  // The last failure of a start or probe whose parameters changed since: its fail count is to be
  // cleared (Pacemaker schedules clear_failcount and does not ban for it).
  for (const o of ops) {
    if (!(o.id ?? '').endsWith('_last_failure_0') || !['start', 'monitor'].includes(o.operation ?? '') || Number(o.interval ?? 0) !== 0 || !o['op-digest']) continue;
    const op = o.operation!;
    if (paramDigest(actionParams(ws, rsc, node, op, 0)) !== o['op-digest']) (rsc.failcountCleared ??= new Set()).add(node);
  }
  let role: Role = 'Stopped';
  let failed = false;
  // The on-fail of the last failure (what a later success clears depends on it).
  let lastOnFail: string | undefined;
  // A remote connection's failure not settled since (without reconnect_interval, a later
  // successful start, stop, promote or migration settles it).
  let resetRemote = false;
  // An operation in progress is newer than the completed ones, but for those of a later
  // transition of the same controller (by the transition key's number and uuid).
  const transitionOf = (o: Record<string, string>) => {
    const [, t, , uuid] = (o['transition-key'] ?? '').split(':');
    return { n: Number(t), uuid: uuid ?? '' };
  };
  const merged = [...done];
  for (const p of pending) {
    const tp = transitionOf(p);
    const at = merged.findIndex((c) => {
      if (c['op-status'] === '-1') return false;
      const tc = transitionOf(c);
      // (A result of no transition, -1, as a simulator records it, comes after all of them.)
      return tc.uuid === tp.uuid && Number.isFinite(tp.n) && Number.isFinite(tc.n) && tp.n >= 0 && (tp.n < tc.n || tc.n === -1);
    });
    if (at < 0) merged.push(p);
    else merged.splice(at, 0, p);
  }
  const timeout = failureTimeoutS(rsc);
  for (const o of merged) {
    const op = o.operation ?? '';
    // OCF_DEGRADED (190) and OCF_DEGRADED_PROMOTED (191) are successes: running, and running promoted.
    const rawRc = Number(o['rc-code'] ?? 0);
    const rc = rawRc === 190 ? 0 : rawRc === 191 ? 8 : rawRc;
    const interval = Number(o.interval ?? 0) || 0;
    // An error status with exactly the expected result (older feature sets record it so) is a success.
    const expectedRc = Number((o['transition-key'] ?? '').split(':')[2]);
    const status = o['op-status'] === '4' && rawRc === expectedRc ? '0' : o['op-status'] ?? '0';
    if (status === '-1') {
      // In progress: a start or promote is taken as done, a stop as not done yet.
      if (op === 'start' || op === 'migrate_from') role = 'Started';
      else if (op === 'promote') role = 'Promoted';
      rsc.pendingTask = op === 'monitor' && interval === 0 ? 'probe' : op;
      if (rsc.pendingTask !== 'probe') rsc.pendingNode = node;
      // A start in progress is judged by its own digest (a restart Pacemaker gives no reason for).
      if (op === 'start' && o['op-digest']) rsc.startDigests.set(node, { ...recordedDigests(o), pending: true });
      continue;
    }
    // The expected result travels in the transition key (ACTION:TRANSITION:EXPECTED_RC:UUID).
    // A Stopped-role monitor expects 7: 7 is fine, 0 means it runs where it should not (a failure).
    const stoppedMonitor = op === 'monitor' && interval > 0 && expectedRc === 7;
    const ok = status === '0' && (stoppedMonitor ? rc === 7 : rc === 0 || (op === 'monitor' && (rc === 7 || rc === 8) && interval === 0) || (op === 'monitor' && rc === 8));
    // A failure older than failure-timeout has expired: as if it had not happened.
    if (!ok && timeout > 0 && Number(o['last-rc-change'] ?? 0) > 0 && ws.now > Number(o['last-rc-change']) + timeout && op !== 'stop') continue;
    // Hard errors keep it off the node for good (unless failures of that operation are ignored;
    // an agent or tool found not installed, status 7, cannot be ignored); "not configured" keeps
    // it off every node.
    const notInstalled = status === '7';
    const onFail = ok ? undefined : onFailOf(ws, rsc, op, interval);
    const ignoring = !ok && !notInstalled && onFail === 'ignore';
    if ((status === '0' && [2, 3, 4, 5].includes(rc) && !ignoring) || notInstalled) rsc.hardBanned.add(node);
    if (status === '0' && rc === 6) rsc.misconfigured = true;
    // "Not running", as expected (any operation): stopped there.
    if (status === '0' && rc === 7 && expectedRc === 7) {
      role = 'Stopped';
      failed = false;
      continue;
    }
    // (Whatever status older controllers recorded with it.)
    if (op === 'monitor' && interval === 0 && (rc === 5 || notInstalled)) {
      rsc.hardBanned.add(node);
      // A probe finding the software missing: not running here.
      role = 'Stopped';
      failed = false;
      continue;
    }
    // On a node about to be fenced a failure has no consequence beyond the fencing.
    const fencedHere = ws.node.get(node)?.unclean === true && ws.options.stonithEnabled;
    if (!ok) lastOnFail = onFail;
    if (!ok && !fencedHere) {
      if (onFail === 'ignore' && !notInstalled) {
        rsc.failureIgnored = true;
        if (op === 'stop') role = 'Stopped';
        else if (op === 'start' || op === 'migrate_from') role = 'Started';
        continue;
      }
      // on-fail=demote: a failed promoted instance is demoted where it is, not recovered.
      if (onFail === 'demote' && role === 'Promoted') {
        (rsc.noPromote ??= new Set()).add(node);
        continue;
      }
      if (onFail === 'restart-container') {
        (rsc.restartContainer ??= new Set()).add(node);
        // A failed stop is settled by the container's restart: stopped, to start again.
        if (op === 'stop') {
          role = 'Stopped';
          failed = false;
          continue;
        }
      }
      // (Judged once the whole history is read: a later start or stop settles it.)
      if (onFail === 'reset-remote') resetRemote = true;
      if (onFail === 'block') rsc.blocked = true;
      if (onFail === 'stop') rsc.stopOnly = true;
      if (onFail === 'fence') {
        const n = ws.node.get(node);
        if (n && !n.unclean) {
          n.unclean = true;
          n.uncleanReason = `${rsc.id} failed there`;
        }
      }
      if (onFail === 'standby') {
        const n = ws.node.get(node);
        if (n) n.standby = true;
      }
    }
    if (ok && ['start', 'stop', 'promote', 'migrate_from'].includes(op) && rsc.params.reconnect_interval === undefined) resetRemote = false;
    switch (op) {
      case 'start':
      case 'migrate_from':
        role = 'Started';
        failed = !ok;
        if (ok && o['op-digest']) {
          const force = o['op-force-restart']?.split(/\s+/).filter(Boolean);
          rsc.startDigests.set(node, { ...recordedDigests(o), ...(force ? { forceRestart: force } : {}) });
        }
        break;
      case 'stop':
        if (ok) {
          role = 'Stopped';
          failed = false;
        } else {
          failed = true;
          rsc.stopFailed.add(node);
        }
        break;
      case 'migrate_to':
        if (ok) role = 'Started';
        break;
      case 'promote':
        role = ok ? 'Promoted' : role === 'Stopped' ? 'Started' : role;
        if (!ok) failed = true;
        // (A promote clears an earlier failure — unless its on-fail stops, fences or moves away.)
        else if (!['stop', 'fence', 'standby', 'migrate'].includes(lastOnFail ?? '')) failed = false;
        break;
      case 'demote':
        // A failed demote leaves it unpromoted, and failed — but promoted still when blocked there
        // (on-fail=block), and stopped when the agent said it is not running.
        if (!ok && onFail === 'block') role = 'Promoted';
        else if (!ok && status === '0' && rc === 7) role = 'Stopped';
        else role = 'Unpromoted';
        if (!ok) failed = true;
        else if (lastOnFail === 'demote') failed = false;
        break;
      case 'monitor':
        if (interval === 0) {
          if (status !== '0' && rc === 0) break;
          if (rc === 7) {
            role = 'Stopped';
            failed = false;
          } else if (rc === 0 || rc === 8) {
            role = rc === 8 || role === 'Promoted' ? 'Promoted' : 'Started';
            // A probe that found it running: its definition is judged by the probe's digest.
            rsc.startDigests.set(node, recordedDigests(o));
          }
          else {
            role = role === 'Stopped' ? 'Started' : role;
            failed = true;
          }
        } else if (!ok) {
          // (A recurring monitor only runs on an active resource: its failure means it was running.)
          failed = true;
          if (role === 'Stopped') role = 'Started';
        } else if (rc === 8) role = 'Promoted';
        // A recurring monitor that succeeds says it runs, whatever came before.
        else if (rc === 0 && role === 'Stopped') role = 'Started';
        break;
      default:
        if (!ok && (status !== '0' || rc !== 0)) failed = true;
    }
  }
  if (resetRemote) {
    const remote = ws.node.get(rsc.id);
    // (Not again if it was fenced since: node_fenced in its node state.)
    const fencedSince = Number(ws.cib.status.find((st) => (st.attrs.uname ?? st.id) === rsc.id)?.attrs.node_fenced ?? 0) > 0;
    if (remote && ws.options.stonithEnabled && !remote.unclean && !fencedSince) {
      remote.unclean = true;
      remote.uncleanReason = 'remote connection is unrecoverable';
    }
    // With reconnect_interval the connection stays down until it may try again.
    if (rsc.params.reconnect_interval !== undefined) rsc.stopOnly = true;
  }
  if (role !== 'Stopped' || failed) {
    rsc.active.set(node, role === 'Stopped' ? 'Started' : role);
    // (On a node being fenced a failure is settled by the fencing: not a failed resource,
    // unless its own failure is why the node is fenced.)
    if (failed && !(ws.node.get(node)?.unclean && ws.options.stonithEnabled && !(ws.node.get(node)?.uncleanReason ?? '').startsWith(`${rsc.id} `))) rsc.failed.add(node);
  }
  (rsc.history ??= new Map()).set(node, done);
}

/**
 * Migrations, read across the source's and the target's histories (after both are unpacked):
 * - migrate_to and then migrate_from succeeded: it runs on the target; the source only needs
 *   the stop that ends the migration (not active there, "dangling");
 * - migrate_to succeeded but migrate_from failed, or never came (target offline, or stopped it
 *   since): the migration failed, the source is failed too;
 * - migrate_to failed: the source is failed; the target may hold a partial copy unless it was
 *   stopped there since — active there too (failed while the source still runs it, else only to
 *   be restarted).
 */
function settleMigrations(ws: WorkingSet, r: Rsc): void {
  if (!r.history) return;
  const isOk = (o: Record<string, string>) => (o['op-status'] ?? '0') === '0' && (o['rc-code'] ?? '0') === '0';
  for (const [source, ops] of r.history) {
    const mi = ops.findLastIndex((o) => o.operation === 'migrate_to');
    if (mi < 0) continue;
    const m = ops[mi]!;
    const target = m.migrate_target;
    if (!target || target === source) continue;
    // Started or migrated again on the source since: that migration is history.
    if (ops.slice(mi + 1).some((o) => ['start', 'migrate_from', 'promote'].includes(o.operation ?? ''))) continue;
    const stoppedAfter = ops.slice(mi + 1).some((o) => o.operation === 'stop' && isOk(o));
    const tOps: Record<string, string>[] = r.history.get(target) ?? [];
    const from = tOps.findLastIndex((o) => o.operation === 'migrate_from' && o.migrate_source === source);
    const tStop = tOps.findLastIndex((o) => o.operation === 'stop' && isOk(o));
    const targetUp = ws.node.get(target)?.online === true;
    // (Operations on different nodes are compared by time.)
    const changedAt = (o: Record<string, string>) => Number(o['last-rc-change'] ?? o['last-run'] ?? 0);
    if (isOk(m)) {
      // Stopped on the source since, migrate_from never recorded, and nothing on the target
      // newer than the migrate_to: it is active on the target.
      const tLast = tOps[tOps.length - 1];
      if (stoppedAfter && from < 0 && targetUp && !r.active.has(target) && (!tLast || changedAt(tLast) < changedAt(m))) {
        r.active.set(target, 'Started');
        // (Thought active there from a half-done migration: it will not migrate again from it.)
        r.noMigrate = ' ';
        continue;
      }
      if (stoppedAfter || mi !== ops.length - 1) continue;
      if (from >= 0 && isOk(tOps[from]!) && tStop < from) {
        if (r.active.has(target) && r.active.size > 1 && !r.failed.has(target)) {
          r.active.delete(source);
          (r.dangling ??= new Set()).add(source);
        }
        continue;
      }
      // Failed, or cannot finish (the target is gone or stopped it): recover from the source.
      // (Not finished yet with the target up: the migration goes on.)
      const unfinished = from < 0 && tStop < 0 && targetUp;
      if (r.active.has(source) && !unfinished) r.failed.add(source);
      continue;
    }
    // migrate_to failed.
    if (r.active.has(source) && !stoppedAfter) r.failed.add(source);
    // (A stop on the target older than the failed migrate_to does not count.)
    const tStopNewer = tStop >= 0 && changedAt(tOps[tStop]!) >= changedAt(m);
    if (targetUp && !tStopNewer && from < 0 && !r.active.has(target)) {
      r.active.set(target, 'Started');
      if (r.active.has(source)) r.failed.add(target);
      else r.restartFor ??= '';
    }
  }
}

/** A node's fail-count-* and last-failure-* attributes (picked out once per node). */
const failureAttrCache = new WeakMap<NodeInfo, [string, string][]>();
function failureAttrs(n: NodeInfo): [string, string][] {
  let v = failureAttrCache.get(n);
  if (!v) failureAttrCache.set(n, (v = Object.entries(n.attrs).filter(([k]) => k.startsWith('fail-count-') || k.startsWith('last-failure-'))));
  return v;
}

function failCounts(ws: WorkingSet, rsc: Rsc): void {
  // An anonymous clone's failures count for every instance on that node, whichever instance number they were recorded under.
  let anonymous = false;
  for (let p = rsc.parent; p; p = p.parent) if (p.kind === 'clone' && !p.clone?.unique) anonymous = true;
  const base = rsc.id.replace(/:\d+$/, '');
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = anonymous ? new RegExp(`^fail-count-${esc(base)}(:\\d+)?(#.*)?$`) : new RegExp(`^fail-count-${esc(rsc.id)}(#.*)?$`);
  // failure-timeout: a fail count whose last failure is older than that has expired.
  const timeout = failureTimeoutS(rsc);
  for (const n of ws.nodes) {
    let total = 0;
    let last = 0;
    for (const [k, v] of failureAttrs(n)) {
      if (pattern.test(k)) total = Math.min(INFINITY, total + parseScore(v, 0));
      if (pattern.test(k.replace(/^last-failure-/, 'fail-count-')) && k.startsWith('last-failure-')) last = Math.max(last, Number(v) || 0);
    }
    if (timeout > 0 && last > 0 && ws.now > last + timeout) total = 0;
    // (A fail count to be cleared — the failed operation's definition changed — does not hold it off.)
    if (rsc.failcountCleared?.has(n.name)) total = 0;
    if (total > 0) rsc.failCount.set(n.name, total);
  }
}

/** A resource's failure-timeout in seconds (0: failures never expire). */
function failureTimeoutS(rsc: Rsc): number {
  const t = rsc.meta['failure-timeout'];
  return t ? Math.floor((parseCrmDurationMs(t) ?? 0) / 1000) : 0;
}

/**
 * Each node's priority, as the cluster finds it (before any scheduling): the sum of the `priority`
 * of the resources active (not failed) there or on its guest nodes, +1 for a promoted one.
 * What priority-fencing-delay weighs.
 */
function nodePriorities(ws: WorkingSet): void {
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    const base = Number.parseInt(r.meta.priority ?? '0', 10) || 0;
    if (base === 0) continue;
    for (const [node, role] of r.active) {
      if (r.failed.has(node)) continue;
      const add = (name: string) => {
        const n = ws.node.get(name);
        if (n) n.priority = (n.priority ?? 0) + base + (role === 'Promoted' ? 1 : 0);
      };
      add(node);
      const container = ws.node.get(node)?.remote?.container;
      if (container) for (const host of ws.byId.get(container)?.active.keys() ?? []) add(host);
    }
  }
}

/**
 * The nodes to unfence: with fencing enabled and a device that provides unfencing, each online
 * node not unfenced yet (#node-unfenced) where such a device was never probed — with the first
 * such device (what requires it). In node order.
 */
export function nodesToUnfence(ws: WorkingSet): { node: NodeInfo; device: Rsc }[] {
  if (!ws.options.stonithEnabled) return [];
  const unfencers = [...ws.byId.values()].filter((r) => r.kind === 'primitive' && r.agent?.startsWith('stonith:') && (r.meta.provides ?? '').toLowerCase() === 'unfencing');
  const out: { node: NodeInfo; device: Rsc }[] = [];
  if (!unfencers.length) return out;
  for (const node of ws.nodes) {
    if (!node.online || node.unclean || node.remote || node.attrs['#node-unfenced']) continue;
    const device = unfencers.find((d) => !d.known.has(node.name));
    if (device) out.push({ node, device });
  }
  return out;
}

export function buildWorkingSet(cib: Cib, opts: { now?: number } = {}): WorkingSet {
  const resourcesEl = cib.section('resources');
  const templates = new Map((resourcesEl?.children ?? []).filter(isElement).filter((e) => e.name === 'template' && e.attrs.id).map((e) => [e.attrs.id!, resourceOf({ ...e, name: 'primitive' }) as Primitive]));
  const primitiveDefs = new Map<string, Primitive>();
  // A primitive's parameters include its group's and clone's instance attributes (its own win).
  const inherited = new Map<string, AttributeSet[][]>();
  const collect = (r: CibResource, outer: AttributeSet[][] = []) => {
    if (r.kind === 'primitive') {
      primitiveDefs.set(r.id, expandTemplate(r, templates));
      if (outer.length) inherited.set(r.id, outer);
      return;
    }
    const sets = [attributeSets(r.el, 'instance_attributes'), ...outer].filter((l) => l.length > 0);
    if (r.kind === 'group') r.children.forEach((c) => collect(c, sets));
    else if (r.kind === 'clone' || r.kind === 'master') {
      if (r.child) collect(r.child, sets);
    } else if (r.kind === 'bundle' && r.primitive) collect(r.primitive, sets);
  };
  cib.resources.forEach((r) => collect(r));
  const prop = (n: string, d: string) => cib.property(n) ?? d;
  const execDate = Number(cib.root.attrs['execution-date']);
  const ws: WorkingSet = {
    cib,
    options: {
      stonithEnabled: isTrue(prop('stonith-enabled', 'true')),
      symmetric: isTrue(prop('symmetric-cluster', 'true')),
      noQuorumPolicy: prop('no-quorum-policy', 'stop'),
      haveQuorum: isTrue(cib.root.attrs['have-quorum'] ?? 'false'),
      maintenanceMode: isTrue(prop('maintenance-mode', 'false')),
      startFailureIsFatal: isTrue(prop('start-failure-is-fatal', 'true')),
      stopOrphans: isTrue(prop('stop-orphan-resources', 'true')),
      placementStrategy: prop('placement-strategy', 'default'),
      // A fencing device configured (or watchdog self-fencing): without one, fencing is enabled
      // in vain — nothing can be fenced and Pacemaker leaves every resource unmanaged.
      haveFencingDevice: isTrue(prop('have-watchdog', 'false')) || hasFencingDevice(cib.section('resources')),
    },
    nodes: [],
    node: new Map(),
    resources: [],
    byId: new Map(),
    tickets: new Map(),
    constraints: simpleConstraints(cib),
    orphans: [],
    paramsOn: (r, node) => {
      const id = r.id.replace(/:\d+$/, '');
      const def = primitiveDefs.get(id);
      if (!def) return r.params;
      const ctx = { attrs: ws.node.get(node)?.attrs ?? {}, now: ws.now };
      const outer = inherited.get(id);
      // (The nearest parent's value before an outer one's.)
      return Object.assign({}, ...[...(outer ?? [])].reverse().map((sets) => setValues(sets, ctx)), setValues(def.instance, ctx));
    },
    now: opts.now ?? (Number.isFinite(execDate) && execDate > 0 ? execDate : Math.floor(Date.now() / 1000)),
  };
  nodeState(ws, cib);
  const statusEl = cib.root.children.find((c): c is typeof cib.root => 'name' in c && c.name === 'status');
  for (const t of statusEl?.children ?? []) {
    if (!('name' in t) || t.name !== 'tickets') continue;
    for (const st of t.children) if ('name' in st && st.name === 'ticket_state' && st.attrs.id) ws.tickets.set(st.attrs.id, { granted: isTrue(st.attrs.granted), standby: isTrue(st.attrs.standby) });
  }
  // rsc_defaults, evaluated for each resource (their rules may test its agent).
  const defaultSets = attributeSets(cib.section('rsc_defaults') ?? { name: '', attrs: {}, children: [] }, 'meta_attributes');
  const legacyStickiness = cib.property('default-resource-stickiness');
  const rscDefaults = (agent?: RuleContext['agent']) => {
    const d = setValues(defaultSets, { attrs: {}, now: ws.now, ...(agent ? { agent } : {}) });
    if (legacyStickiness !== undefined && d['resource-stickiness'] === undefined) d['resource-stickiness'] = legacyStickiness;
    return d;
  };
  const build: Build = { defaults: rscDefaults, templates, now: ws.now };
  const bundleList = bundleDefs(cib);
  for (const r of cib.resources) {
    if (r.kind === 'bundle') {
      const b = bundleList.find((x) => x.id === r.id);
      if (b) expandBundle(ws, b, r, build);
      continue;
    }
    const built = buildResource(r, build);
    for (const b of built) {
      if (b.kind === 'clone' && (r.kind === 'clone' || r.kind === 'master') && r.child) {
        const max = Number.isFinite(b.clone!.max) ? b.clone!.max : ws.nodes.length;
        b.clone!.max = max;
        instantiate(b, r.child, max, build);
      }
    }
    ws.resources.push(...built);
  }
  // A guest node's connection is a resource Pacemaker creates: ocf:pacemaker:remote inside its container.
  for (const n of ws.nodes) {
    if (!n.remote?.container || ws.resources.some((r) => r.id === n.name)) continue;
    const conn = buildResource({ kind: 'primitive', id: n.name, meta: [], instance: [], utilization: [], ops: [], el: { name: 'primitive', attrs: { id: n.name, class: 'ocf', provider: 'pacemaker', type: 'remote' }, children: [] } } as unknown as CibResource, build)[0]!;
    // A bundle's connection shares the bundle's meta-attributes (is-managed, target-role...).
    const holder = ws.resources.find((r) => r.id === n.remote!.container);
    conn.meta = { ...conn.meta, ...(holder?.meta['bundle-id'] !== undefined ? holder.meta : {}), container: n.remote.container };
    conn.implicit = true;
    ws.resources.push(conn);
  }
  // Remote connections migrate unless told otherwise.
  for (const r of ws.resources) if (ws.node.get(r.id)?.remote && r.kind === 'primitive' && r.meta['allow-migrate'] === undefined) r.meta = { ...r.meta, 'allow-migrate': 'true' };
  const index = (r: Rsc) => {
    ws.byId.set(r.id, r);
    for (const c of r.children) index(c);
  };
  for (const r of ws.resources) index(r);
  // History.
  const anonymousMember = new Map<string, { clone: Rsc; member: string }>();
  for (const r of ws.resources) if (r.kind === 'clone' && r.clone?.memberIds) for (const m of r.clone.memberIds) anonymousMember.set(m, { clone: r, member: m });
  const anonIndex = new Map<string, Map<string, number>>();
  // Resources Pacemaker creates itself (guest node connections, bundle replicas) are not orphans.
  const guestNames = new Set([...ws.byId.values()].map((r) => r.meta['remote-node']).filter((x): x is string => !!x));
  const bundleIds = cib.resources.filter((r) => r.kind === 'bundle').map((r) => r.id);
  const implicit = (id: string) => guestNames.has(id) || bundleIds.some((b) => id.startsWith(`${b}-`));
  // Cluster nodes' history first: it tells which remote nodes are up, whose history comes next.
  const remoteState = (st: (typeof cib.status)[number]) => ws.node.get(st.attrs.uname ?? st.id)?.remote !== undefined;
  // (Remote nodes that are up before those that are not, as Pacemaker's passes go.)
  const ordered = [...cib.status.filter((st) => !remoteState(st)), ...cib.status.filter(remoteState)];
  let remotesKnown = false;
  for (let i = 0; i < ordered.length; i++) {
    let st = ordered[i]!;
    if (remoteState(st) && !remotesKnown) {
      remoteOnline(ws);
      remotesKnown = true;
      const up = (x: (typeof cib.status)[number]) => Number(ws.node.get(x.attrs.uname ?? x.id)?.online === true);
      const rest = ordered.slice(i).sort((a, b) => up(b) - up(a));
      ordered.splice(i, rest.length, ...rest);
      st = ordered[i]!;
    }
    const node = st.attrs.uname ?? st.id;
    if (!ws.node.has(node)) continue;
    // A node that left cleanly runs nothing: its history does not make anything active —
    // unless with fencing something there still looks active: then it is fenced to be sure.
    const ni = ws.node.get(node)!;
    const offlineClean = !ni.online && !ni.unclean && !ni.maintenance;
    if (offlineClean && !ws.options.stonithEnabled) continue;
    for (const lr of st.lrm) {
      let rsc = ws.byId.get(lr.id);
      const anon = anonymousMember.get(lr.id.replace(/:\d+$/, ''));
      if (anon && !anon.clone.clone!.unique) rsc = undefined;
      if (!rsc && anon) {
        // An anonymous clone's history: the instance already on this node, else the lowest free one.
        const tmpl = ws.byId.get(`${anon.member}:0`);
        const scratch: Rsc = { id: lr.id, kind: 'primitive', children: [], meta: { ...(tmpl?.meta ?? {}) }, params: {}, active: new Map(), failed: new Set(), stopFailed: new Set(), failCount: new Map(), startDigests: new Map(), known: new Set(), recurring: new Map(), ops: tmpl?.ops ?? [], utilization: {}, blocked: false, stopOnly: false, hardBanned: new Set(), misconfigured: false };
        unpackHistory(ws, scratch, node, lr.ops.map((o) => o.attrs));
        const c = anon.clone;
        for (const inst of c.children) for (const p of primitives(inst)) if (p.id.replace(/:\d+$/, '') === anon.member) p.known.add(node);
        // A hard error of any copy keeps every instance off that node (even a probe's: not active).
        // (A cloned group's instance cannot run there either.)
        for (const n of scratch.hardBanned) for (const inst of c.children) for (const p of primitives(inst)) p.hardBanned.add(n);
        if (scratch.misconfigured) for (const inst of c.children) for (const p of primitives(inst)) p.misconfigured = true;
        const byNode = (anonIndex.get(c.id) ?? anonIndex.set(c.id, new Map()).get(c.id)!) as Map<string, number>;
        // A bundle's instance runs on its own guest node only.
        const pinned = c.children.findIndex((inst) => inst.pinnedTo === node);
        if (pinned >= 0 && !byNode.has(node)) byNode.set(node, pinned);
        let idx = byNode.get(node);
        if (!scratch.active.size) {
          // Not active here: the history belongs to the first instance active nowhere (it names that instance's operations).
          const taken = new Set(byNode.values());
          const free = idx ?? [...Array(c.children.length).keys()].find((i) => !taken.has(i));
          const inst = free === undefined ? undefined : ws.byId.get(`${anon.member}:${free}`);
          if (inst && lr.id !== inst.id) {
            inst.historyName ??= lr.id;
            // (The name of an active history there wins.)
            if (!inst.active.has(node) && !inst.historyNames?.has(node)) (inst.historyNames ??= new Map()).set(node, lr.id);
          }
          continue;
        }
        if (idx === undefined) {
          const taken = new Set(byNode.values());
          const orphanIdx = () => [...Array(c.children.length + taken.size + 1).keys()].find((i) => i >= c.children.length && !taken.has(i))!;
          // A copy on a node that is gone or being fenced does not use up an instance number when
          // the clone needs no fencing (requires quorum or nothing) and has fewer instances than nodes.
          const req = (primitives(c.children[0] ?? c)[0]?.meta.requires ?? '').toLowerCase();
          const lostNode = !ni.online || ni.unclean;
          if (lostNode && (req === 'quorum' || req === 'nothing') && c.children.length < ws.nodes.filter((n) => !n.remote).length) idx = orphanIdx();
          // More active copies than instances: the extra ones are orphans numbered after clone-max.
          else idx = [...Array(c.children.length).keys()].find((i) => !taken.has(i)) ?? orphanIdx();
          byNode.set(node, idx);
        }
        // A second active history of the same member on one node (globally-unique turned off):
        // an orphan, numbered after clone-max.
        if (ws.byId.get(`${anon.member}:${idx}`)?.active.has(node)) {
          // (Per member: a cloned group's extra instance keeps one number for all its members.)
          const used = new Set([...byNode.values(), ...ws.orphans.filter((o) => o.owner === c && o.rsc.id.replace(/:\d+$/, '') === anon.member).map((o) => Number(o.rsc.id.split(':').pop()))]);
          idx = [...Array(c.children.length + used.size + 1).keys()].find((i) => i >= c.children.length && !used.has(i))!;
        }
        rsc = ws.byId.get(`${anon.member}:${idx}`) ?? orphan(ws, `${anon.member}:${idx}`, lr.attrs, c);
        for (const [n, role] of scratch.active) rsc.active.set(n, role);
        for (const n of scratch.failed) rsc.failed.add(n);
        for (const n of scratch.stopFailed) rsc.stopFailed.add(n);
        for (const [n, d] of scratch.startDigests) rsc.startDigests.set(n, d);
        for (const [n, r] of scratch.recurring) rsc.recurring.set(n, r);
        if (lr.id !== rsc.id) {
          rsc.historyName ??= lr.id;
          rsc.cloneName = lr.id;
          (rsc.historyNames ??= new Map()).set(node, lr.id);
        } else rsc.historyNames?.delete(node);
        // Reasons name the instance, not the name its history was recorded under.
        const ni2 = ws.node.get(node)!;
        if (ni2.uncleanReason?.startsWith(`${lr.id} `)) ni2.uncleanReason = `${rsc.id}${ni2.uncleanReason.slice(lr.id.length)}`;
        rsc.blocked ||= scratch.blocked;
        rsc.stopOnly ||= scratch.stopOnly;
        continue;
      }
      // History of a resource no longer configured: an orphan, stopped if it still runs.
      if (!rsc && !anon && !lr.id.includes(':') && !implicit(lr.id)) rsc = orphan(ws, lr.id, lr.attrs);
      if (!rsc || rsc.kind !== 'primitive') continue;
      // (Its history recorded under another agent: the definition changed there.)
      const recorded = [lr.attrs.class, lr.attrs.provider, lr.attrs.type].filter(Boolean).join(':');
      if (lr.attrs.type && rsc.agent && recorded !== rsc.agent) (rsc.agentChangedOn ??= new Set()).add(node);
      unpackHistory(ws, rsc, node, lr.ops.map((o) => o.attrs));
      // shutdown-lock: stopped by its node's clean shutdown, it waits for that node (until the limit).
      const lockedAt = Number(lr.attrs['shutdown-lock'] ?? 0);
      if (lockedAt > 0 && isTrue(cib.property('shutdown-lock')) && !rsc.agent?.startsWith('stonith:')) {
        const limit = Math.floor((parseCrmDurationMs(cib.property('shutdown-lock-limit') ?? '0') ?? 0) / 1000);
        if (!limit || ws.now < lockedAt + limit) rsc.lockedTo = node;
      }
    }
    if (offlineClean) {
      const stillActive = st.lrm.map((lr) => ws.byId.get(lr.id)).find((r) => r?.active.has(node) && isTrue(r.meta['is-managed'] ?? 'true'));
      if (stillActive) {
        ni.unclean = true;
        ni.uncleanReason = ni.remote ? `${stillActive.id} is active there (fencing will be revoked if remote connection can be re-established elsewhere)` : `${stillActive.id} is thought to be active there`;
        if (ni.remote) ni.fenceRevocable = true;
      }
    }
  }
  for (const r of ws.byId.values()) {
    if (r.kind !== 'primitive') continue;
    failCounts(ws, r);
    settleMigrations(ws, r);
    // What runs on a node in maintenance is left alone there (unmanaged).
    if ([...r.active.keys()].some((n) => ws.node.get(n)?.maintenance)) r.meta = { ...r.meta, 'is-managed': 'false' };
    // Active on several nodes with multiple-active=block: left alone.
    if (r.active.size > 1 && (r.meta['multiple-active'] ?? '').toLowerCase() === 'block') r.blocked = true;
  }
  if (!remotesKnown) remoteOnline(ws);
  // A guest whose container runs nowhere while resources are active on it: they are thought
  // active there, so the guest is fenced (by starting its container).
  for (const n of ws.nodes) {
    const container = n.remote?.container ? ws.byId.get(n.remote.container) : undefined;
    if (!container || container.active.size || n.unclean) continue;
    if (![...ws.byId.values()].some((p) => p.kind === 'primitive' && p.active.has(n.name))) continue;
    n.unclean = true;
    n.uncleanReason = 'guest is unclean';
  }
  containers(ws);
  // shutdown-lock: what runs on a node shutting down cleanly stops there and stays for it.
  if (isTrue(cib.property('shutdown-lock'))) {
    for (const r of ws.byId.values()) {
      if (r.kind !== 'primitive' || r.agent?.startsWith('stonith:')) continue;
      const on = [...r.active.keys()].find((n) => ws.node.get(n)?.shutdown);
      if (on) r.lockedTo = on;
    }
  }
  nodePriorities(ws);
  return ws;
}
