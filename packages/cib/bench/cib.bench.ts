/**
 * CIB benchmarks: load + verify of a generated 5000-resource CIB (beside Pacemaker 2.1.5's
 * crm_verify on the same file, when installed), and updates per second through the cib
 * daemon's socket (each written to disk before its answer), 1 and 4 clients.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IpcClient, report, runtimePaths, socketPath, systemTool } from '@heartbeat-ts/cluster-glue';
import { Cib } from '../src/model.js';
import { CibProtocol } from '../src/protocol.js';
import { verifyCib } from '../src/validate.js';

const quick = process.env.HBTS_BENCH_QUICK === '1';
const RESOURCES = 5000;

function generate(n: number, nodes: number): string {
  const nv = (id: string, name: string, value: string) => `<nvpair id="${id}" name="${name}" value="${value}"/>`;
  const rsc: string[] = [];
  const cons: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = `<primitive id="r${i}" class="ocf" provider="heartbeat" type="Dummy"><instance_attributes id="r${i}-ia">${nv(`r${i}-state`, 'state', `/run/r${i}`)}</instance_attributes><operations><op id="r${i}-mon" name="monitor" interval="10s" timeout="20s"/></operations></primitive>`;
    rsc.push(i % 10 < 5 ? p : `<group id="g${i}">${p}</group>`);
    if (i % 5 === 0) cons.push(`<rsc_location id="l${i}" rsc="r${i}" node="node${i % nodes}" score="${i % 100}"/>`);
  }
  const nodeXml = Array.from({ length: nodes }, (_, i) => `<node id="${i + 1}" uname="node${i}"/>`).join('');
  return `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.0"><configuration><crm_config><cluster_property_set id="cps">${nv('se', 'stonith-enabled', 'false')}</cluster_property_set></crm_config><nodes>${nodeXml}</nodes><resources>${rsc.join('')}</resources><constraints>${cons.join('')}</constraints></configuration><status/></cib>`;
}

const dir = mkdtempSync(join(tmpdir(), 'hbts-cib-bench-'));
try {
  const file = join(dir, 'cib.xml');
  const text = generate(RESOURCES, 16);
  writeFileSync(file, text);
  const times: number[] = [];
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    const t0 = process.hrtime.bigint();
    const cib = Cib.parse(text, file);
    const issues = verifyCib(cib);
    if (issues.length) throw new Error(`generated CIB not valid: ${issues[0]!.message}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const ours = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  let theirs: number | undefined;
  try {
    const t0 = Date.now();
    const real = systemTool('crm_verify');
    if (!real) throw Object.assign(new Error('no crm_verify'), { status: undefined });
    execFileSync(real, ['-x', file], { stdio: 'ignore' });
    theirs = Date.now() - t0;
  } catch (e) {
    if ((e as { status?: number }).status !== undefined) theirs = undefined;
  }
  report({ bench: 'cib', case: `load + verify a ${RESOURCES}-resource CIB`, value: ours, unit: 'ms', ...(theirs !== undefined ? { baseline: theirs, baselineName: 'crm_verify 2.1.5', ratio: theirs / ours } : {}), note: 'ours in process; crm_verify as a command (it also runs its scheduler checks)' });

  // Updates per second through the daemon.
  const root = join(dir, 'node');
  const daemon = spawn(process.execPath, [fileURLToPath(new URL('../src/main.js', import.meta.url)), '--root', root], { stdio: 'ignore' });
  const sock = socketPath(runtimePaths({ root }), 'cib');
  let connected = false;
  for (let i = 0; i < 200 && !connected; i++) {
    try {
      (await IpcClient.connect(CibProtocol, { path: sock, connectTimeoutMs: 500 })).close();
      connected = true;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  const c0 = await IpcClient.connect(CibProtocol, { path: sock });
  await c0.request('create', { section: 'resources', xml: '<primitive id="d" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="d-meta"><nvpair id="d-target" name="target-role" value="Started"/></meta_attributes></primitive>' });
  c0.close();
  for (const clients of [1, 4]) {
    const cs = await Promise.all(Array.from({ length: clients }, () => IpcClient.connect(CibProtocol, { path: sock })));
    const per = quick ? 30 : 300;
    const t0 = process.hrtime.bigint();
    await Promise.all(cs.map(async (c, k) => {
      for (let i = 0; i < per; i++) await c.request('modify', { xml: `<nvpair id="d-target" value="v${k}-${i}"/>` });
    }));
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    report({ bench: 'cib', case: `modify through a persistent client, ${clients} client${clients > 1 ? 's' : ''} (each journaled before the answer)`, value: (clients * per) / secs, unit: 'updates/s', note: 'Pacemaker 2.1.5 measured here: 136–164 (1 client), 183–189 (4 clients)' });
    for (const c of cs) c.close();
  }
  // (It writes its last snapshot as it stops: the directory goes once it has exited.)
  const exited = new Promise((r) => daemon.once('exit', r));
  daemon.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
