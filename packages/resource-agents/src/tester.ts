/**
 * The OCF contract checks (what Debian's ocf-tester runs, and a few more): meta-data that
 * parses and declares the required actions, validate-all, probes, start/stop idempotence,
 * monitor results in each state, promote/demote when offered, migrate and reload when
 * advertised, unknown actions, missing required parameters. Each check is reported.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { type AgentLocations, type AgentSpec, defaultLocations, describeRc, parseAgent, parseMetadata, runAgent, type AgentMetadata, type OpResult } from '@heartbeat-ts/executor';

export interface OcfCheckOptions {
  /** A file path, or ocf:PROVIDER:TYPE found on the locations' OCF_RA_PATH. */
  agent: string;
  instance?: string;
  params?: Record<string, string>;
  locations?: Partial<AgentLocations>;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface CheckResult {
  check: string;
  ok: boolean;
  /** An optional feature the agent does not have (not a failure). */
  skipped?: boolean;
  detail?: string;
}

export async function runOcfChecks(o: OcfCheckOptions): Promise<CheckResult[]> {
  let spec: AgentSpec;
  let loc: AgentLocations;
  if (o.agent.includes('/')) {
    const dir = dirname(o.agent);
    spec = { class: 'ocf', provider: basename(dir), type: basename(o.agent) };
    loc = defaultLocations({ ...o.locations, ocfRaPath: [dirname(dir)] });
  } else {
    spec = parseAgent(o.agent);
    loc = defaultLocations(o.locations);
  }
  const results: CheckResult[] = [];
  const instance = o.instance ?? `${spec.type}-ocf-test`;
  const run = (action: string, extra: { params?: Record<string, string>; interval?: number; env?: Record<string, string> } = {}): Promise<OpResult> =>
    runAgent(spec, action, {
      rsc: instance,
      params: extra.params ?? o.params ?? {},
      meta: { timeout: String(o.timeoutMs ?? 20_000), interval: String(extra.interval ?? 0) },
      timeoutMs: o.timeoutMs ?? 20_000,
      locations: loc,
      env: { ...o.env, ...extra.env },
    });
  const expect = async (check: string, action: string, want: number[], extra: Parameters<typeof run>[1] = {}): Promise<OpResult> => {
    const r = await run(action, extra);
    const ok = r.status === 'done' && want.includes(r.rc);
    results.push({ check, ok, ...(ok ? {} : { detail: `expected ${want.map((c) => describeRc(c)).join(' or ')}, got ${r.status === 'done' ? describeRc(r.rc) : r.reason}${r.output.trim() ? `\n${r.output.trim().split('\n').slice(-5).join('\n')}` : ''}` }) });
    return r;
  };

  // The file.
  const file = o.agent.includes('/') ? o.agent : `${loc.ocfRaPath.find((d) => { try { return statSync(`${d}/${spec.provider}/${spec.type}`).isFile(); } catch { return false; } }) ?? loc.ocfRaPath[0]}/${spec.provider}/${spec.type}`;
  try {
    const st = statSync(file);
    accessSync(file, constants.X_OK);
    const worldOk = (st.mode & 0o005) === 0o005;
    results.push({ check: 'the agent is an executable file that everyone may run (755)', ok: worldOk, ...(worldOk ? {} : { detail: `${file} has mode ${(st.mode & 0o777).toString(8)}` }) });
  } catch (e) {
    results.push({ check: 'the agent is an executable file', ok: false, detail: `${file}: ${(e as Error).message}` });
    return results;
  }

  // Meta-data.
  const md = await expect('meta-data returns 0', 'meta-data', [0]);
  let meta: AgentMetadata | undefined;
  try {
    meta = parseMetadata(`ocf:${spec.provider}:${spec.type}`, md.output.slice(md.output.indexOf('<')));
    results.push({ check: 'meta-data is a <resource-agent> document', ok: true });
  } catch (e) {
    results.push({ check: 'meta-data is a <resource-agent> document', ok: false, detail: (e as Error).message });
  }
  if (meta) {
    const missing = ['start', 'stop', 'monitor', 'meta-data'].filter((a) => !meta!.actions.some((x) => x.name === a));
    results.push({ check: 'meta-data declares start, stop, monitor and meta-data', ok: missing.length === 0, ...(missing.length ? { detail: `missing: ${missing.join(', ')}` } : {}) });
    const noTimeout = meta.actions.filter((a) => a.timeoutMs === undefined).map((a) => a.name);
    results.push({ check: 'every action in meta-data has a timeout', ok: noTimeout.length === 0, ...(noTimeout.length ? { detail: `no timeout: ${noTimeout.join(', ')}` } : {}) });
    const undescribed = meta.parameters.filter((p) => !p.shortdesc).map((p) => p.name);
    results.push({ check: 'every parameter has a shortdesc', ok: undescribed.length === 0, ...(undescribed.length ? { detail: undescribed.join(', ') } : {}) });
    const required = meta.parameters.filter((p) => p.required).map((p) => p.name);
    const notGiven = required.filter((p) => o.params?.[p] === undefined);
    if (notGiven.length) {
      results.push({ check: 'values for the required parameters were given (-o)', ok: false, detail: `missing: ${notGiven.join(', ')}` });
      return results;
    }
    if (required.length) {
      const without = Object.fromEntries(Object.entries(o.params ?? {}).filter(([k]) => !required.includes(k)));
      await expect('start without the required parameters fails as not configured', 'start', [2, 6], { params: without });
    }
  }

  const v = await run('validate-all');
  if (v.status === 'done' && v.rc === 3) results.push({ check: 'validate-all', ok: true, skipped: true, detail: 'not supported (optional)' });
  else {
    results.push({ check: 'validate-all returns 0 with the given parameters', ok: v.status === 'done' && v.rc === 0, ...(v.rc === 0 ? {} : { detail: `${v.reason}\n${v.output.trim()}` }) });
    if (v.rc !== 0) return results;
  }

  // Clean up whatever state the resource is in.
  const cur = await run('monitor');
  if (cur.rc === 8) await run('demote');
  if (cur.rc !== 7) await run('stop');

  const recurring = { interval: 20_000 };
  await expect('monitor of a stopped resource returns 7', 'monitor', [7], recurring);
  await expect('a probe returns 7 or 5 even if the binaries are missing', 'monitor', [7, 5], { env: { OCF_TESTER_FAIL_HAVE_BINARY: '1' } });
  const started = await expect('start returns 0', 'start', [0]);
  if (started.rc !== 0) return results;
  await expect('monitor of a started resource returns 0', 'monitor', [0], recurring);
  await expect('a probe of a started resource returns 0', 'monitor', [0]);
  const n = await run('notify', { env: { OCF_RESKEY_CRM_meta_notify_type: 'post', OCF_RESKEY_CRM_meta_notify_operation: 'start' } });
  results.push(n.rc === 3 ? { check: 'notify', ok: true, skipped: true, detail: 'not supported (optional)' } : { check: 'notify returns 0', ok: n.rc === 0, ...(n.rc === 0 ? {} : { detail: n.reason }) });

  const d = await run('demote');
  const p = d.rc === 3 ? undefined : await run('promote');
  if (d.rc === 3 && (await run('promote')).rc === 3) results.push({ check: 'promote/demote', ok: true, skipped: true, detail: 'not promotable (optional)' });
  else if (d.rc === 3 || p?.rc === 3) results.push({ check: 'promote and demote both supported', ok: false, detail: 'the agent has only one of promote and demote' });
  else {
    results.push({ check: 'demote of a started resource returns 0', ok: d.rc === 0, ...(d.rc === 0 ? {} : { detail: d.reason }) });
    results.push({ check: 'promote returns 0', ok: p!.rc === 0, ...(p!.rc === 0 ? {} : { detail: p!.reason }) });
    await expect('monitor of a promoted resource returns 8', 'monitor', [8], recurring);
    await expect('promote of a promoted resource returns 0', 'promote', [0]);
    await expect('demote returns 0', 'demote', [0]);
    await expect('monitor of a demoted resource returns 0', 'monitor', [0], recurring);
    await expect('demote of a demoted resource returns 0', 'demote', [0]);
  }

  await expect('stop returns 0', 'stop', [0]);
  await expect('monitor after stop returns 7', 'monitor', [7], recurring);
  await expect('start again returns 0', 'start', [0]);
  await expect('start of a started resource returns 0', 'start', [0]);
  await expect('monitor after two starts returns 0', 'monitor', [0], recurring);
  if (meta?.actions.some((a) => a.name === 'reload' || a.name === 'reload-agent')) await expect('reload of a started resource returns 0', meta.actions.some((a) => a.name === 'reload-agent') ? 'reload-agent' : 'reload', [0]);
  await expect('stop after two starts returns 0', 'stop', [0]);
  await expect('monitor after stop returns 7', 'monitor', [7], recurring);
  await expect('stop of a stopped resource returns 0', 'stop', [0]);
  await expect('monitor still returns 7', 'monitor', [7], recurring);
  if (meta?.actions.some((a) => a.name === 'migrate_to') && meta.actions.some((a) => a.name === 'migrate_from')) {
    await expect('start before migrating', 'start', [0]);
    await expect('migrate_to returns 0', 'migrate_to', [0], { env: { OCF_RESKEY_CRM_meta_migrate_target: 'other', OCF_RESKEY_CRM_meta_migrate_source: 'this' } });
    await expect('migrate_from returns 0', 'migrate_from', [0], { env: { OCF_RESKEY_CRM_meta_migrate_target: 'this', OCF_RESKEY_CRM_meta_migrate_source: 'other' } });
    await expect('monitor after migrate_from returns 0', 'monitor', [0], recurring);
    await expect('stop after migrating', 'stop', [0]);
  }
  await expect('an unknown action returns 3 (unimplemented)', 'no-such-action', [3]);
  return results;
}
