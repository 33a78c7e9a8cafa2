#!/usr/bin/env node
/**
 * crm_resource: where a resource runs, and the operator's placement commands, as Pacemaker 2.1's.
 *   -W, --locate -r RSC            the nodes it runs on ("resource RSC is running on: NODE")
 *   -M, --move -r RSC [-N NODE]    to NODE: constraint cli-prefer-RSC (INFINITY); without -N, away
 *                                  from where it runs: cli-ban-RSC-on-NODE (-INFINITY), with a warning
 *   -B, --ban -r RSC [-N NODE]     keep it off NODE (default: where it runs): cli-ban-RSC-on-NODE
 *   -U, --clear -r RSC [-N NODE]   remove those constraints (only NODE's ban with -N)
 *   -C, --cleanup -r RSC [-N NODE] forget its history and fail counts (on every node, or NODE's):
 *                                  it is probed again and may return where its failures kept it off
 *   -u, --lifetime DURATION        with --move/--ban: the constraint expires (ISO 8601, e.g. PT1H)
 * The installed agents, read on this host (the calls management shells make):
 *   --list-standards  --list-ocf-providers  --list-agents STD[:PROVIDER]
 *   --list-ocf-alternatives TYPE  --show-metadata SPEC (ocf:PROVIDER:TYPE, lsb:NAME, stonith:TYPE)
 *   --output-as text|xml|json      for these (XML as Pacemaker's)
 *   --root DIR                     the runtime root of the node
 * Exit codes: 0; 64 usage; 102 the cluster is not running here; 105 no such resource; 1 the
 * resource runs nowhere (--move/--ban without -N).
 * Not built yet: --refresh, --restart, --wait, parameters and the rest (issue 10).
 */
import { allResourceIds, Cib, connectCib } from '@heartbeat-ts/cib/client';
import { cibKnowsNode, clusterOrExit, failWith } from './cli.js';
import { EXIT, HaError, isOutputFormat, type OutputFormat, parseOutputFormat, serializeXml, takeRootOption, writeResult, xmlElement, type XmlElement, commandOptions } from '@heartbeat-ts/cluster-glue/client';
import { banConstraint, constraintsToClear, durationMs, preferConstraint } from './placement.js';

const usage = `Usage: crm_resource COMMAND -r RESOURCE [options]
  -W, --locate              show the nodes the resource runs on
  -M, --move                move it (to -N NODE, or away from where it runs)
  -B, --ban                 keep it off -N NODE (default: where it runs)
  -U, --clear               remove the constraints --move and --ban created
  -C, --cleanup             forget its history and fail counts (every node, or -N NODE)
  -r, --resource RSC        the resource
  -N, --node NODE           the node
  -u, --lifetime DURATION   how long a --move/--ban lasts (ISO 8601 duration, e.g. PT1H)
  --list-standards, --list-ocf-providers, --list-agents STD[:PROVIDER],
  --list-ocf-alternatives TYPE, --show-metadata SPEC   the installed agents
  --output-as text|xml|json (with those)
  --root DIR                the runtime root of the node
`;

const fail = failWith('crm_resource');

const { root, rest } = takeRootOption(process.argv.slice(2));
let command: 'locate' | 'move' | 'ban' | 'clear' | 'cleanup' | undefined;
let rsc: string | undefined;
let node: string | undefined;
let lifetime: string | undefined;
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
    case '-W': case '--locate': command = 'locate'; break;
    case '-M': case '--move': command = 'move'; break;
    case '-B': case '--ban': command = 'ban'; break;
    case '-U': case '--clear': command = 'clear'; break;
    case '-C': case '--cleanup': command = 'cleanup'; break;
    case '-r': case '--resource': rsc = value(); break;
    case '-N': case '--node': node = value(); break;
    case '-u': case '--lifetime': lifetime = value(); break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (listing) await listAndExit(listing.what, listing.arg);
if (!command) fail(`give a command\n${usage}`, EXIT.USAGE);
if (!rsc) fail('a resource is needed: -r RESOURCE', EXIT.USAGE);
const lifetimeMs = lifetime === undefined ? undefined : durationMs(lifetime);
if (lifetime !== undefined && lifetimeMs === undefined) fail(`--lifetime: "${lifetime}" is not an ISO 8601 duration (e.g. PT1H, P1D)`, EXIT.USAGE);

const client = await clusterOrExit('crm_resource', () => connectCib('crm_resource', root));
try {
  const cib = Cib.parse((await client.request('query', {})).xml, 'the live CIB');
  // The configured resources and nodes answer whether they exist; the working set (the status
  // unpacked: slower) only where the resource runs matters.
  const known = allResourceIds(cib.resources);
  if (!known.includes(rsc!)) {
    const close = known.filter((id) => id.toLowerCase().includes(rsc!.toLowerCase()) || rsc!.toLowerCase().includes(id.toLowerCase()));
    fail(`Resource '${rsc}' not found${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`, EXIT.NOSUCH);
  }
  if (node !== undefined && !cibKnowsNode(cib, node)) fail(`Node '${node}' not found`, EXIT.NOSUCH);
  const needsStatus = command === 'locate' || ((command === 'move' || command === 'ban') && node === undefined);
  // (Loaded when needed: a command that does not need them starts faster.)
  const running = needsStatus ? await (async () => {
    const { buildWorkingSet, primitives } = await import('@heartbeat-ts/pengine/working-set');
    return [...new Set(primitives(buildWorkingSet(cib).byId.get(rsc!)!).flatMap((p) => [...p.active.keys()]))].sort();
  })() : [];

  // (Most often the constraint is new: created; one that exists is replaced.)
  const put = async (el: XmlElement) => {
    try {
      await client.request('create', { section: 'constraints', xml: serializeXml(el) });
    } catch (e) {
      if ((e as HaError).code !== 'EEXIST') throw e;
      await client.request('replace', { section: 'constraints', xml: serializeXml(el) });
    }
  };
  const now = new Date();
  switch (command) {
    case 'locate':
      if (!running.length) process.stdout.write(`resource ${rsc} is NOT running\n`);
      for (const n of running) process.stdout.write(`resource ${rsc} is running on: ${n}\n`);
      break;
    case 'move':
    case 'ban': {
      const to = command === 'move' ? node : undefined;
      if (to !== undefined) {
        await put(preferConstraint(rsc!, to, lifetimeMs, now));
        break;
      }
      const away = command === 'ban' && node !== undefined ? [node] : running;
      if (!away.length) fail(`Resource '${rsc}' not moved: not active on any node${command === 'ban' ? ' (give the node with -N)' : ''}`, EXIT.ERROR);
      if (command === 'move' && away.length > 1) fail(`Resource '${rsc}' not moved: active on ${away.length} nodes (give the destination with -N)`, EXIT.ERROR);
      for (const n of away) {
        const c = banConstraint(rsc!, n, lifetimeMs, now);
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
        for (const n of nodes) process.stdout.write(`Cleaned up ${rsc} on ${n}\n`);
      } finally {
        c.close();
      }
      break;
    }
    case 'clear':
      for (const id of constraintsToClear(cib, rsc!, node)) {
        await client.request('delete', { section: 'constraints', xml: `<rsc_location id="${id}"/>` });
        process.stdout.write(`Removing constraint: ${id}\n`);
      }
      break;
  }
} catch (e) {
  fail((e as Error).message, e instanceof HaError ? EXIT.ERROR : EXIT.SOFTWARE);
} finally {
  client.close();
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
