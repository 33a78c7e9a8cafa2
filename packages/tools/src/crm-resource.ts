#!/usr/bin/env node
/**
 * crm_resource: resources, and the operator's commands on them, as Pacemaker 2.1's.
 *   -L, --list / -l, --list-raw    the configured resources (as crm_mon lists them) / their ids
 *   -W, --locate -r RSC            the nodes it runs on ("resource RSC is running on: NODE")
 *   -M, --move -r RSC [-N NODE]    to NODE: constraint cli-prefer-RSC (INFINITY); without -N, away
 *                                  from where it runs: cli-ban-RSC-on-NODE (-INFINITY), with a warning
 *   -B, --ban -r RSC [-N NODE]     keep it off NODE (default: where it runs): cli-ban-RSC-on-NODE
 *   -U, --clear -r RSC [-N NODE]   remove those constraints (only NODE's ban with -N)
 *   -C, --cleanup / -R, --refresh -r RSC [-N NODE]  forget its history and fail counts (on every
 *                                  node, or NODE's): it is probed again
 *   -u, --lifetime DURATION        with --move/--ban: the constraint expires (ISO 8601, e.g. PT1H)
 *   -g/-p/-d NAME [-v VALUE]       get, set, delete an instance attribute (--meta: a meta
 *                                  attribute, --utilization: a utilization value)
 *   -a, --constraints / -A, --stack  the constraints on it (and, -A, on those it depends on)
 *   -Y, --why -r RSC               why it runs where it runs, or is stopped (scores and causes)
 *   --restart -r RSC               stop it (target-role=Stopped) and start it again, waiting for each
 *   --wait                         until the cluster has nothing left to do (--timeout)
 *   --force-start/--force-stop/--force-check -r RSC   run its agent here, outside the cluster
 * The installed agents, read on this host (the calls management shells make):
 *   --list-standards  --list-ocf-providers  --list-agents STD[:PROVIDER]
 *   --list-ocf-alternatives TYPE  --show-metadata SPEC (ocf:PROVIDER:TYPE, lsb:NAME, stonith:TYPE)
 *   --output-as text|xml|json      (XML as Pacemaker's; JSON documented in the README)
 *   --root DIR                     the runtime root of the node
 * Exit codes: 0; 1 error (the resource runs nowhere for --move/--ban, an agent failed); 64
 * usage; 102 the cluster is not running here; 105 no such resource; 124 --wait timed out.
 */
import { allResourceIds, Cib, connectCib } from '@heartbeat-ts/cib/client';
import { cibKnowsNode, closestIds, clusterOrExit, failWith } from './cli.js';
import { EXIT, HaError, isOutputFormat, parseCrmDurationMs, type OutputFormat, parseOutputFormat, serializeXml, takeRootOption, writeResult, xmlElement, type XmlElement, commandOptions } from '@heartbeat-ts/cluster-glue/client';
import { parseIsoDuration } from './iso8601-time.js';
import { banConstraint, constraintsToClear, preferConstraint } from './placement.js';
import { type ParamKind } from './resource-params.js';

const usage = `Usage: crm_resource COMMAND [-r RESOURCE] [options]
Commands:
  -L, --list                list the configured resources (as crm_mon does)
  -l, --list-raw            list the resource ids (clone instances too)
  -W, --locate              show the nodes the resource runs on
  -M, --move                move it (to -N NODE, or away from where it runs)
  -B, --ban                 keep it off -N NODE (default: where it runs)
  -U, --clear               remove the constraints --move and --ban created
  -C, --cleanup             forget its failures and history (every node, or -N NODE)
  -R, --refresh             the same: its history is forgotten and it is probed again
  -g, --get-parameter NAME  a parameter's value (with --meta: a meta attribute; --utilization)
  -p, --set-parameter NAME  set it to -v VALUE
  -d, --delete-parameter NAME
  -a, --constraints         the constraints on the resource
  -A, --stack               those, and the constraints of what it depends on
  -Y, --why                 why it runs where it does, or is stopped: node scores and causes
  --restart                 stop it and start it again (waits for each; --timeout)
  --wait                    wait until the cluster has nothing left to do (--timeout)
  --force-start, --force-stop, --force-check
                            run its agent here, outside the cluster's control
  --list-standards, --list-ocf-providers, --list-agents STD[:PROVIDER],
  --list-ocf-alternatives TYPE, --show-metadata SPEC   the installed agents
Options:
  -r, --resource RSC        the resource
  -N, --node NODE           the node
  -u, --lifetime DURATION   how long a --move/--ban lasts (ISO 8601 duration, e.g. PT1H)
  -v, --parameter-value V   the value for --set-parameter
  -m, --meta                parameters are meta attributes
  -z, --utilization         parameters are utilization values
  -T, --timeout DURATION    for --wait and --restart (e.g. 60s, 2min; default 60s)
  --output-as text|xml|json
  --root DIR                the runtime root of the node
`;

const fail = failWith('crm_resource');

type Command = 'locate' | 'move' | 'ban' | 'clear' | 'cleanup' | 'list' | 'list-raw' | 'get' | 'set' | 'delete' | 'constraints' | 'stack' | 'why' | 'restart' | 'wait' | 'force-start' | 'force-stop' | 'force-check';
const { root, rest } = takeRootOption(process.argv.slice(2));
let command: Command | undefined;
let rsc: string | undefined;
let node: string | undefined;
let lifetime: string | undefined;
let param: string | undefined;
let paramValue: string | undefined;
let kind: ParamKind = 'instance_attributes';
let timeoutMs = 60_000;
let listing: { what: 'standards' | 'providers' | 'agents' | 'alternatives' | 'metadata'; arg?: string } | undefined;
let format: OutputFormat = 'text';
for (const { name: a, value } of commandOptions(rest, (o) => fail(`${o} needs a value\n${usage}`, EXIT.USAGE))) {
  switch (a) {
    case '--list-standards': listing = { what: 'standards' }; break;
    case '--list-ocf-providers': listing = { what: 'providers' }; break;
    case '--list-agents': listing = { what: 'agents', arg: value() }; break;
    case '--list-ocf-alternatives': listing = { what: 'alternatives', arg: value() }; break;
    case '--show-metadata': listing = { what: 'metadata', arg: value() }; break;
    case '--output-as': {
      const f = parseOutputFormat(value());
      if (!isOutputFormat(f)) fail(f, EXIT.USAGE);
      format = f as OutputFormat;
      break;
    }
    case '-L': case '--list': command = 'list'; break;
    case '-l': case '--list-raw': command = 'list-raw'; break;
    case '-W': case '--locate': command = 'locate'; break;
    case '-M': case '--move': command = 'move'; break;
    case '-B': case '--ban': command = 'ban'; break;
    case '-U': case '--clear': command = 'clear'; break;
    case '-C': case '--cleanup': case '-R': case '--refresh': command = 'cleanup'; break;
    case '-g': case '--get-parameter': command = 'get'; param = value(); break;
    case '-p': case '--set-parameter': command = 'set'; param = value(); break;
    case '-d': case '--delete-parameter': command = 'delete'; param = value(); break;
    case '-v': case '--parameter-value': paramValue = value(); break;
    case '-m': case '--meta': kind = 'meta_attributes'; break;
    case '-z': case '--utilization': kind = 'utilization'; break;
    case '-a': case '--constraints': command = 'constraints'; break;
    case '-A': case '--stack': command = 'stack'; break;
    case '-Y': case '--why': command = 'why'; break;
    case '--restart': command = 'restart'; break;
    case '--wait': command = 'wait'; break;
    case '--force-start': command = 'force-start'; break;
    case '--force-stop': command = 'force-stop'; break;
    case '--force-check': command = 'force-check'; break;
    case '-T': case '--timeout': {
      const v = value();
      const ms = parseCrmDurationMs(v);
      if (ms === undefined) fail(`--timeout: "${v}" is not a duration (60s, 2min, 500ms)`, EXIT.USAGE);
      timeoutMs = ms!;
      break;
    }
    case '-r': case '--resource': rsc = value(); break;
    case '-N': case '--node': node = value(); break;
    case '-u': case '--lifetime': lifetime = value(); break;
    case '-Q': case '--quiet': case '-V': case '--verbose': case '-f': case '--force': break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (listing) await listAndExit(listing.what, listing.arg);
if (!command) fail(`give a command\n${usage}`, EXIT.USAGE);
const needsRsc = !['list', 'list-raw', 'wait'].includes(command!);
if (needsRsc && !rsc) fail('a resource is needed: -r RESOURCE', EXIT.USAGE);
if (command === 'set' && paramValue === undefined) fail('--set-parameter needs the value: -v VALUE', EXIT.USAGE);
const lifetimeDuration = lifetime === undefined ? undefined : parseIsoDuration(lifetime);
if (lifetime !== undefined && lifetimeDuration === undefined) fail(`--lifetime: "${lifetime}" is not an ISO 8601 duration (e.g. PT1H, P1D)`, EXIT.USAGE);
const cmdInfo = { name: 'crm_resource', version: 1, request: ['crm_resource', ...process.argv.slice(2)].join(' ') };


/** What the commands without data of their own print: lines in text, the status (and, JSON, the lines) otherwise. */
const said: string[] = [];
const say = (line: string) => (format === 'text' ? process.stdout.write(`${line}\n`) : said.push(line));
const client = await clusterOrExit('crm_resource', () => connectCib('crm_resource', root));
try {
  let cib = Cib.parse((await client.request('query', {})).xml, 'the live CIB');
  const query = async () => (cib = Cib.parse((await client.request('query', {})).xml, 'the live CIB'));
  // The configured resources and nodes answer whether they exist; the working set (the status
  // unpacked: slower) only where the resource runs matters.
  const known = allResourceIds(cib.resources);
  if (rsc !== undefined && !known.includes(rsc)) {
    const close = closestIds(known, rsc);
    fail(`Resource '${rsc}' not found${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`, EXIT.NOSUCH);
  }
  if (node !== undefined && !cibKnowsNode(cib, node)) fail(`Node '${node}' not found`, EXIT.NOSUCH);
  // (Loaded when needed: a command that does not need them starts faster.)
  const pe = () => import('@heartbeat-ts/pengine');
  const runningOn = async (c: Cib) => {
    const { buildWorkingSet, primitives } = await pe();
    return [...new Set(primitives(buildWorkingSet(c).byId.get(rsc!)!).flatMap((p) => [...p.active.keys()]))].sort();
  };
  const needsStatus = command === 'locate' || ((command === 'move' || command === 'ban') && node === undefined);
  const running = needsStatus ? await runningOn(cib) : [];

  // (Most often the constraint is new: created; one that exists is replaced.)
  const put = async (el: XmlElement) => {
    try {
      await client.request('create', { section: 'constraints', xml: serializeXml(el) });
    } catch (e) {
      if ((e as HaError).code !== 'EEXIST') throw e;
      await client.request('replace', { section: 'constraints', xml: serializeXml(el) });
    }
  };
  /** Until the cluster has nothing left to do for the CIB as it is (scheduled here, as Pacemaker's --wait does). */
  const settle = async (deadline: number) => {
    const { computeTransition, graphHasWork } = await pe();
    for (;;) {
      const xml = (await client.request('query', {})).xml;
      const pendingOp = /<lrm_rsc_op [^>]*op-status="-1"/.test(xml);
      if (!pendingOp && !graphHasWork(computeTransition(xml).actions)) return;
      if (Date.now() > deadline) fail(`Timed out waiting for the cluster to settle (${timeoutMs} ms; --timeout)`, 124);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const now = new Date();
  switch (command) {
    case 'list': {
      const { buildWorkingSet, resourceListLines } = await pe();
      const lines = resourceListLines(buildWorkingSet(cib), { inactive: true, rscOnly: true }).map((l, i) => (i === 0 ? l.replace(/^ {2}\* /, '') : l.replace(/^ {2}/, '')));
      writeResult(format, cmdInfo, { text: `${lines.join('\n')}\n`, xml: [xmlElement('resources', {}, cib.resources.map((r) => xmlElement(r.kind === 'master' ? 'clone' : r.kind, { id: r.id })))], json: { resources: allResourceIds(cib.resources) } }, { code: 0 });
      break;
    }
    case 'list-raw': {
      const { buildWorkingSet, primitives } = await pe();
      const ws = buildWorkingSet(cib);
      const ids = ws.resources.filter((r) => !r.implicit).flatMap((r) => primitives(r)).map((p) => p.id);
      writeResult(format, cmdInfo, { text: ids.map((x) => `${x}\n`).join(''), xml: [xmlElement('list', { name: 'resources', count: String(ids.length) }, ids.map((x) => xmlElement('item', {}, [{ text: x }])))], json: { resources: ids } }, { code: 0 });
      break;
    }
    case 'locate':
      if (format !== 'text') {
        writeResult(format, cmdInfo, { xml: [xmlElement('nodes', { resource: rsc! }, running.map((n) => xmlElement('node', {}, [{ text: n }])))], json: { resource: rsc, nodes: running } }, { code: 0 });
        break;
      }
      if (!running.length) process.stdout.write(`resource ${rsc} is NOT running\n`);
      for (const n of running) process.stdout.write(`resource ${rsc} is running on: ${n}\n`);
      break;
    case 'move':
    case 'ban': {
      const to = command === 'move' ? node : undefined;
      if (to !== undefined) {
        await put(preferConstraint(rsc!, to, lifetimeDuration, now));
        break;
      }
      const away = command === 'ban' && node !== undefined ? [node] : running;
      if (!away.length) fail(`Resource '${rsc}' not moved: not active on any node${command === 'ban' ? ' (give the node with -N)' : ''}`, EXIT.ERROR);
      if (command === 'move' && away.length > 1) fail(`Resource '${rsc}' not moved: active on ${away.length} nodes (give the destination with -N)`, EXIT.ERROR);
      for (const n of away) {
        const c = banConstraint(rsc!, n, lifetimeDuration, now);
        await put(c);
        process.stderr.write(`WARNING: Creating rsc_location constraint '${c.attrs.id}' with a score of -INFINITY for resource ${rsc} on ${n}.\n\tThis will prevent ${rsc} from running on ${n} until the constraint is removed using the clear option or by editing the CIB with an appropriate tool\n\tThis will be the case even if ${n} is the last node in the cluster\n`);
      }
      break;
    }
    case 'cleanup': {
      const { connectController } = await import('@heartbeat-ts/controller/status');
      const c = await connectController('crm_resource', root);
      try {
        const { nodes } = await c.request('cleanup', { rsc: rsc!, ...(node ? { node } : {}) });
        for (const n of nodes) say(`Cleaned up ${rsc} on ${n}`);
      } finally {
        c.close();
      }
      break;
    }
    case 'clear':
      for (const id of constraintsToClear(cib, rsc!, node)) {
        await client.request('delete', { section: 'constraints', xml: `<rsc_location id="${id}"/>` });
        say(`Removing constraint: ${id}`);
      }
      break;
    case 'get': {
      const { findParam, resourcePath } = await import('./resource-params.js');
      const el = resourcePath(cib, rsc!)!.at(-1)!;
      const found = findParam(el, kind, param!);
      if (!found) {
        // (Pacemaker says so on stderr and exits 0.)
        process.stderr.write(`Attribute '${param}' not found for '${rsc}'\n`);
        writeResult(format, cmdInfo, { text: '', xml: [xmlElement('list', { name: 'attributes', count: '0' })], json: { resource: rsc, attributes: {} } }, { code: 0 });
        break;
      }
      writeResult(format, cmdInfo, { text: `${found.value ?? ''}\n`, xml: [xmlElement('list', { name: 'attributes', count: '1' }, [xmlElement('item', { name: param! }, [{ text: found.value ?? '' }])])], json: { resource: rsc, attributes: { [param!]: found.value ?? '' } } }, { code: 0 });
      break;
    }
    case 'set': {
      const { setParam } = await import('./resource-params.js');
      for (const u of setParam(cib, rsc!, kind, param!, paramValue!)) {
        await client.request('modify', { section: 'resources', xml: serializeXml(u.xml) });
        say(`Set '${u.rsc}' option: id=${u.id}${u.newPair ? ` set=${u.setId}` : ''} name=${param} value=${paramValue}`);
      }
      break;
    }
    case 'delete': {
      const { findParam, resourcePath } = await import('./resource-params.js');
      const found = findParam(resourcePath(cib, rsc!)!.at(-1)!, kind, param!);
      if (!found) {
        process.stderr.write(`Attribute '${param}' not found for '${rsc}'\n`);
        break;
      }
      await client.request('delete', { section: 'resources', xml: `<nvpair id="${found.id}"/>` });
      say(`Deleted '${rsc}' option: id=${found.id} name=${param}`);
      break;
    }
    case 'constraints':
    case 'stack': {
      const { constraintsOf, constraintsText, constraintsXml } = await import('./resource-constraints.js');
      const c = constraintsOf(cib, rsc!, command === 'stack');
      writeResult(format, cmdInfo, { text: constraintsText(c), xml: [constraintsXml(c)], json: { ...c } }, { code: 0 });
      break;
    }
    case 'why': {
      const { explainPlacement, whyText } = await import('./why.js');
      const x = explainPlacement(cib, rsc!)!;
      writeResult(format, cmdInfo, { text: whyText(x), xml: [xmlElement('reason', { id: rsc!, running: String(x.running.length > 0), ...(x.placed ? { placed: x.placed } : {}) }, x.reasons.map((r) => xmlElement('item', {}, [{ text: r }])))], json: { why: x } }, { code: 0 });
      break;
    }
    case 'wait':
      await settle(Date.now() + timeoutMs);
      break;
    case 'restart': {
      // Stop it (target-role=Stopped), wait until it is; then the target-role it had, and wait again.
      const { findParam, resourcePath, setParam } = await import('./resource-params.js');
      const deadline = Date.now() + timeoutMs;
      const before = await runningOn(cib);
      if (!before.length) fail(`Resource '${rsc}' is not running: nothing to restart`, EXIT.ERROR);
      const had = findParam(resourcePath(cib, rsc!)!.at(-1)!, 'meta_attributes', 'target-role');
      for (const u of setParam(cib, rsc!, 'meta_attributes', 'target-role', 'Stopped')) await client.request('modify', { section: 'resources', xml: serializeXml(u.xml) });
      say(`Stopping ${rsc}...`);
      for (;;) {
        if (!(await runningOn(await query())).length) break;
        if (Date.now() > deadline) fail(`Timed out waiting for ${rsc} to stop (--timeout); it stays target-role=Stopped`, 124);
        await new Promise((r) => setTimeout(r, 200));
      }
      if (had) for (const u of setParam(cib, rsc!, 'meta_attributes', 'target-role', had.value ?? 'Started')) await client.request('modify', { section: 'resources', xml: serializeXml(u.xml) });
      else await client.request('delete', { section: 'resources', xml: `<nvpair id="${findParam(resourcePath(cib, rsc!)!.at(-1)!, 'meta_attributes', 'target-role')!.id}"/>` });
      say(`Starting ${rsc}...`);
      await settle(deadline);
      const after = await runningOn(await query());
      say(`${rsc} is running on: ${after.join(', ') || 'nowhere'}`);
      break;
    }
    case 'force-start':
    case 'force-stop':
    case 'force-check':
      await forceAction(cib, command.slice('force-'.length) as 'start' | 'stop' | 'check');
      break;
  }
  // (Commands with data wrote their result; the others say how it went.)
  if (format !== 'text' && ['move', 'ban', 'clear', 'cleanup', 'set', 'delete', 'wait', 'restart'].includes(command!)) writeResult(format, cmdInfo, { xml: [], json: { messages: said } }, { code: 0 });
} catch (e) {
  fail((e as Error).message, e instanceof HaError ? EXIT.ERROR : EXIT.SOFTWARE);
} finally {
  client.close();
}

/** --force-*: the resource's agent run here with its parameters, as Pacemaker's crm_resource does (outside the cluster). */
async function forceAction(cib: Cib, action: 'start' | 'stop' | 'check'): Promise<void> {
  const { buildWorkingSet } = await import('@heartbeat-ts/pengine');
  const { defaultLocations, runAgent } = await import('@heartbeat-ts/executor');
  const { resourceDir } = await import('@heartbeat-ts/resource-agents');
  const ws = buildWorkingSet(cib);
  // (A clone's member by its first instance: the agent and parameters are the same.)
  const p = ws.byId.get(rsc!) ?? ws.byId.get(`${rsc}:0`)!;
  if (p.kind !== 'primitive' || !p.agent) fail(`--force-${action} needs a primitive; ${rsc} is a ${p.kind}`, EXIT.USAGE);
  const [cls, ...restSpec] = p.agent!.split(':');
  const spec = cls === 'ocf' ? { class: 'ocf' as const, provider: restSpec[0]!, type: restSpec[1]! } : { class: cls as 'lsb' | 'service' | 'systemd' | 'stonith', type: restSpec.join(':') };
  const agentAction = action === 'check' ? 'monitor' : action;
  const loc = defaultLocations();
  const r = await runAgent(spec, agentAction, { rsc: rsc!, params: p.params, meta: { timeout: String(timeoutMs) }, timeoutMs, locations: { ...loc, ocfRaPath: [...loc.ocfRaPath, resourceDir()] } });
  const { rcText } = await import('./crm-mon-sections.js');
  const line = `Operation force-${action} for ${rsc} (${p.agent}) returned: '${rcText(r.rc)}' (${r.rc})${r.status === 'done' ? '' : ` [${r.reason}]`}`;
  const code = r.status === 'done' && (r.rc === 0 || (action === 'check' && r.rc === 8)) ? 0 : r.rc || EXIT.ERROR;
  if (format === 'text') {
    if (r.output) process.stdout.write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
    process.stdout.write(`${line}\n`);
  } else {
    writeResult(format, cmdInfo, { xml: [xmlElement('agent-status', { code: String(r.rc), message: rcText(r.rc), execution_code: String(r.status === 'done' ? 0 : 1), execution_message: r.status }, r.output ? [{ text: r.output }] : [])], json: { operation: { action: `force-${action}`, resource: rsc, agent: p.agent, rc: r.rc, rc_text: rcText(r.rc), status: r.status, output: r.output } } }, { code: 0 });
  }
  process.exit(code);
}

/** The installed agents (the listing commands): printed in the format asked for, then exit. */
async function listAndExit(what: 'standards' | 'providers' | 'agents' | 'alternatives' | 'metadata', arg?: string): Promise<never> {
  // (Loaded for these commands alone.)
  const l = await import('./agent-listing.js');
  const command = { name: 'crm_resource', version: 1, request: ['crm_resource', ...process.argv.slice(2)].join(' ') };
  const r = what === 'metadata' ? await l.agentMetadata(arg!) : what === 'standards' ? l.standards() : what === 'providers' ? l.ocfProviders() : what === 'agents' ? l.agents(arg!) : l.ocfAlternatives(arg!);
  if ('error' in r) {
    writeResult(format, command, {}, { code: r.code, errors: [`crm_resource: ${r.error}`] });
    process.exit(r.code);
  }
  if ('lines' in r) writeResult(format, command, { text: r.lines.map((x) => `${x}\n`).join(''), xml: [r.xml], json: r.json }, { code: 0 });
  // (The meta-data as the agent gives it, whatever the format.)
  else writeResult(format, command, { text: r.xml.endsWith('\n') ? r.xml : `${r.xml}\n`, xml: [xmlElement('metadata', {}, [{ text: r.xml }])], json: { agent: arg, metadata: r.xml } }, { code: 0 });
  process.exit(0);
}
