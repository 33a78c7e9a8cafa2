/**
 * `heartbeat-ts demo`, the main job: a local 3-node cluster on loopback (no root). Each node is
 * a directory and real daemons talking over UDP and Unix sockets: heartbeat (ours) with `crm
 * respawn`, which starts the CRM — the replicated CIB, the executor, the scheduler, the
 * attribute daemon, the fencer and the controller. The resources are configured in the CIB as
 * an operator would with cibadmin: the group `website` (a web server run by
 * ocf:heartbeat-ts:anything, and its check ocf:heartbeat-ts:HttpCheck) preferring n1, and `db`
 * (ocf:heartbeat-ts:Dummy) preferring n2. Kill a node's heartbeat and watch the DC move its
 * resources; Ctrl-C (or SIGTERM) stops everything.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { IpcClient } from '@heartbeat-ts/cluster-glue/client';
import { Cib, connectLiveCib } from '@heartbeat-ts/cib/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { HeartbeatProtocol } from '@heartbeat-ts/heartbeat';
import { buildWorkingSet, primitives } from '@heartbeat-ts/pengine/working-set';
import { resourceDir } from '@heartbeat-ts/resource-agents';
import { Cluster, type HarnessNode, resolveBin, waitFor } from '@heartbeat-ts/test-harness';

export interface DemoOptions {
  /** The web service's TCP port on 127.0.0.1. */
  port: number;
}

/** The resources and the node each prefers. */
const HOMES = [
  { name: 'website', home: 'n1' },
  { name: 'db', home: 'n2' },
];

/** The demo's resources, as an operator would write them into the CIB. */
export function demoResources(port: number): string[] {
  const web = join(dirname(fileURLToPath(import.meta.url)), 'demo-web.js');
  const monitor = (id: string) => `<operations><op id="${id}-mon" name="monitor" interval="2s" timeout="10s"/></operations>`;
  return [
    '<group id="website">' +
      '<primitive id="web-server" class="ocf" provider="heartbeat-ts" type="anything"><instance_attributes id="web-server-params">' +
      `<nvpair id="web-server-binfile" name="binfile" value="${process.execPath}"/>` +
      `<nvpair id="web-server-options" name="cmdline_options" value="&quot;${web}&quot; --port ${port}"/>` +
      `</instance_attributes>${monitor('web-server')}</primitive>` +
      '<primitive id="web-check" class="ocf" provider="heartbeat-ts" type="HttpCheck"><instance_attributes id="web-check-params">' +
      `<nvpair id="web-check-url" name="url" value="http://127.0.0.1:${port}/"/>` +
      `</instance_attributes>${monitor('web-check')}</primitive>` +
      '</group>',
    `<primitive id="db" class="ocf" provider="heartbeat-ts" type="Dummy">${monitor('db')}</primitive>`,
  ];
}

/**
 * A directory with the commands: node_modules/.bin above this package when npm made one (an
 * install), else `dir`, filled with links to every package's commands (a clone of the
 * repository, where npm ci links none at the top).
 */
function commandsDir(dir: string): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); dirname(d) !== d; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules/.bin/crm_mon'))) return join(d, 'node_modules/.bin');
  }
  mkdirSync(dir, { recursive: true });
  const require = createRequire(import.meta.url);
  const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string>; bin: Record<string, string> };
  const packages: [string, Record<string, string>][] = [[fileURLToPath(new URL('../../package.json', import.meta.url)), own.bin]];
  for (const dep of Object.keys(own.dependencies)) {
    try {
      const pj = require.resolve(`${dep}/package.json`);
      packages.push([pj, (JSON.parse(readFileSync(pj, 'utf8')) as { bin?: Record<string, string> }).bin ?? {}]);
    } catch {
      // (A package without commands of its own to link.)
    }
  }
  for (const [pj, bins] of packages) for (const [name, file] of Object.entries(bins)) if (!existsSync(join(dir, name))) symlinkSync(join(dirname(pj), file), join(dir, name));
  return dir;
}

const NAME = 'heartbeat-ts demo';

/** A request to a node's CIB daemon (undefined while it is not up). */
async function withCib<T>(n: HarnessNode, fn: (c: Awaited<ReturnType<typeof connectLiveCib>>) => Promise<T>): Promise<T | undefined> {
  let c;
  try {
    c = await connectLiveCib(NAME, n.root);
    return await fn(c);
  } catch {
    return undefined;
  } finally {
    c?.close();
  }
}

async function membership(n: HarnessNode): Promise<string> {
  let c;
  try {
    c = await IpcClient.connect(HeartbeatProtocol, { path: n.socket('heartbeat'), name: NAME, connectTimeoutMs: 500, timeoutMs: 1000 });
    const r = await c.request('nodes', {});
    return r.nodes.map((x) => `${x.name}=${x.status}`).join(' ');
  } catch {
    return 'down';
  } finally {
    c?.close();
  }
}

async function dcOf(n: HarnessNode): Promise<string> {
  let c;
  try {
    c = await connectController(NAME, n.root);
    return (await c.request('status', {})).dc ?? 'none';
  } catch {
    return '-';
  } finally {
    c?.close();
  }
}

/** Where the node's CIB says each resource runs. */
async function placement(n: HarnessNode): Promise<string> {
  const xml = await withCib(n, async (c) => (await c.request('query', {})).xml);
  if (!xml) return '-';
  const ws = buildWorkingSet(Cib.parse(xml, 'the live CIB'));
  return HOMES.map(({ name }) => {
    const rsc = ws.byId.get(name);
    const on = rsc ? [...new Set(primitives(rsc).flatMap((p) => [...p.active.keys()]))] : [];
    return `${name}@${on.join('+') || 'stopped'}`;
  }).join(' ');
}

/** Runs the demo until SIGINT/SIGTERM, then stops every process and exits. */
export async function runDemo(opts: DemoOptions): Promise<never> {
  const secret = randomBytes(16).toString('hex');
  const crm = `${process.execPath} ${resolveBin('@heartbeat-ts/controller', 'hbts-crm')} --ocf-ra-path ${resourceDir()}:/usr/lib/ocf/resource.d`;
  const heartbeat = resolveBin('@heartbeat-ts/heartbeat', 'heartbeat');
  const setup = (node: HarnessNode): void => {
    const c = node.cluster;
    const etc = node.path('/etc/ha.d');
    writeFileSync(
      join(etc, 'ha.cf'),
      ['keepalive 200ms', 'deadtime 1', 'initdead 3', 'udpport 7694', `ucast lo ${c.nodes.map((n) => n.address).join(' ')}`, ...c.nodes.map((n) => `node ${n.name}`), 'crm respawn', ''].join('\n'),
    );
    writeFileSync(join(etc, 'authkeys'), `auth 1\n1 sha1 ${secret}\n`);
    chmodSync(join(etc, 'authkeys'), 0o600);
  };
  const cluster = await Cluster.start({
    mode: 'loopback',
    nodes: 3,
    setup,
    daemons: (node) => [{ name: 'heartbeat', command: process.execPath, args: [heartbeat, '-f', '--bind', node.address, '--crm-command', crm] }],
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the cluster...');
    await cluster.stop();
    console.log('stopped; nothing left behind');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  console.log(`heartbeat-ts demo: 3-node cluster ${cluster.id} on loopback`);
  for (const n of cluster.nodes) console.log(`  ${n.name}  ${n.address}  root ${n.dir}`);
  console.log('Each node runs heartbeat (keepalive 200 ms, deadtime 1 s) with crm respawn: the CIB, executor, scheduler, attribute daemon, fencer and controller.');

  // The configuration, as an operator writes it (cibadmin): no fencing on one machine, the resources.
  const n1 = cluster.node('n1');
  await waitFor('the CIB daemons', async () => (await withCib(n1, async () => true)) === true, { timeoutMs: 30_000 });
  await withCib(n1, async (c) => {
    await c.request('modify', { xml: '<cib><configuration><crm_config><cluster_property_set id="cib-bootstrap-options"><nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config></configuration></cib>' });
    for (const xml of demoResources(opts.port)) await c.request('create', { section: 'resources', xml });
    for (const r of HOMES) await c.request('create', { section: 'constraints', xml: `<rsc_location id="${r.name}-prefers-${r.home}" rsc="${r.name}" node="${r.home}" score="100"/>` });
  });
  console.log(`Resources (in the CIB): website = web-server (ocf:heartbeat-ts:anything: a web server on 127.0.0.1:${opts.port}) + web-check (ocf:heartbeat-ts:HttpCheck), prefers n1; db (ocf:heartbeat-ts:Dummy), prefers n2; all monitored every 2 s.`);
  console.log('\nThe cluster is up. In another terminal, point the commands at n1:');
  console.log(`export HA_ROOT=${n1.root}`);
  console.log(`export PATH=${commandsDir(join(dirname(n1.dir), 'bin'))}:$PATH`);
  console.log(`
Then try:
  crm_mon -1                              the cluster as n1 sees it (also --output-as xml or json)
  curl http://127.0.0.1:${opts.port}/            the web service answers with the node that serves it
  crm_resource --move -r website -N n3    move the group; crm_resource --clear -r website undoes it
Here, type:
  off n1                                  power n1 off (every process of the node dies): its resources move
  on n1                                   power it on again: it rejoins
Ctrl-C here stops everything.
`);
  // The power switch, typed in this terminal.
  createInterface({ input: process.stdin, terminal: false }).on('line', (line) => {
    const [what, name] = line.trim().split(/\s+/);
    if (!what) return;
    const node = cluster.nodes.find((n) => n.name === name);
    if ((what !== 'off' && what !== 'on') || !node) {
      console.log(`type "off NODE" or "on NODE" (NODE: ${cluster.nodes.map((n) => n.name).join(', ')})`);
      return;
    }
    const done = what === 'off' ? cluster.powerOff(node.name) : node.pids().length ? Promise.reject(new Error(`${node.name} is on`)) : cluster.startNode(node.name);
    done.then(
      () => console.log(`${node.name} powered ${what}`),
      (e: Error) => console.log(`${what} ${node.name}: ${e.message}`),
    );
  });

  let last = '';
  while (!stopping) {
    const lines: string[] = [];
    for (const n of cluster.nodes) {
      const pid = n.procs[0]?.pid;
      lines.push(`${n.name} (heartbeat pid ${pid ?? '-'}) sees: ${await membership(n)}   DC: ${await dcOf(n)}   CIB: ${await placement(n)}`);
    }
    const view = lines.join('\n');
    if (view !== last && !stopping) {
      console.log(`[${new Date().toISOString().slice(11, 19)}]\n${view}\n`);
      last = view;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return new Promise<never>(() => {});
}
