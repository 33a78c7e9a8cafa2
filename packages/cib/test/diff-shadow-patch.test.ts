/**
 * crm_diff, cibadmin --patch, crm_shadow and the commands on a CIB file (CIB_file, CIB_shadow),
 * beside Pacemaker 2.1.5's on copies of the same CIB.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const captures = join(__dirname, '../../../../shared/reference/captures/pacemaker-3node');
const dist = join(__dirname, '../dist/src');
const dir = mkdtempSync(join(tmpdir(), 'hbts-diff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const live = join(captures, 'cib-live.xml');
const ours = (tool: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => spawnSync(process.execPath, [join(dist, `${tool}.js`), ...args], { encoding: 'utf8', env: { ...process.env, ...env }, ...(input !== undefined ? { input } : {}) });
const theirs = (tool: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string) => {
  const r = spawnSync(`/usr/sbin/${tool}`, args, { encoding: 'utf8', env: { ...process.env, ...env }, ...(input !== undefined ? { input } : {}) });
  if (r.error) throw new Error(`Pacemaker's ${tool} did not run (package pacemaker-cli-utils): ${r.error.message}`);
  return r;
};
const changed = join(dir, 'changed.xml');
writeFileSync(changed, readFileSync(live, 'utf8').replace('value="10.250.1.100"', 'value="10.250.1.101"').replace(/<primitive id="web-apache"/, '<primitive id="extra" class="ocf" provider="heartbeat" type="Dummy"/><primitive id="web-apache"').replace(/<nvpair id="cib-bootstrap-options-have-watchdog"[^>]*\/>/, ''));

describe('crm_diff', () => {
  it('the same v2 patchset as Pacemaker\'s (plain, --cib with its digest, --no-version), exit 1', () => {
    for (const extra of [[], ['--cib'], ['--no-version']]) {
      const o = ours('crm-diff', ['-o', live, '-n', changed, ...extra]);
      const t = theirs('crm_diff', ['-o', live, '-n', changed, ...extra]);
      expect([o.status, o.stdout], `crm_diff ${extra.join(' ')}`).toEqual([t.status, t.stdout]);
    }
    expect(ours('crm-diff', ['-o', live, '-n', live]).status).toBe(0);
  });

  it('a patch applied gives the new CIB', () => {
    const patch = join(dir, 'patch.xml');
    writeFileSync(patch, theirs('crm_diff', ['-o', live, '-n', changed]).stdout);
    const o = ours('crm-diff', ['-o', live, '-p', patch]);
    expect(o.status).toBe(0);
    expect(ours('crm-diff', ['-O', o.stdout, '-n', changed]).status, 'no difference left').toBe(0);
    expect(ours('crm-diff', ['-o', live]).status).toBe(64);
  });
});

describe('cibadmin --patch on a CIB file (CIB_file), beside Pacemaker\'s', () => {
  it('applies crm_diff\'s patches (to a newer version; without a version) as Pacemaker\'s does; an old one is refused (103), the file unchanged', () => {
    const newer = join(dir, 'newer.xml');
    writeFileSync(newer, readFileSync(changed, 'utf8').replace(/(<cib [^>]*?)epoch="(\d+)"/, (_, pre, e) => `${pre}epoch="${Number(e) + 1}"`));
    const head = (f: string) => /<cib [^>]*>/.exec(readFileSync(f, 'utf8'))![0].match(/ (admin_epoch|epoch|num_updates)="\d+"/g)!.sort();
    const section = (f: string) => [...(/<resources>[\s\S]*<\/resources>/.exec(readFileSync(f, 'utf8'))![0].matchAll(/<(primitive|nvpair) [^>]*>/g))].map((m) => m[0].replace(/\s*\/?>$/, '')).sort();
    for (const [name, args] of [['versioned', []], ['unversioned', ['--no-version']]] as const) {
      const patch = theirs('crm_diff', ['-o', live, '-n', newer, ...args]).stdout;
      const [a, b] = [join(dir, `${name}-a.xml`), join(dir, `${name}-b.xml`)];
      copyFileSync(live, a);
      copyFileSync(live, b);
      const o = ours('cibadmin', ['--patch', '-p'], { CIB_file: a }, patch);
      const t = theirs('cibadmin', ['--patch', '-p'], { CIB_file: b }, patch);
      expect([o.status, o.stderr], name).toEqual([t.status, '']);
      expect(section(a), name).toEqual(section(b));
      expect(head(a), name).toEqual(head(b));
    }
    const a = join(dir, 'versioned-a.xml');
    const before = readFileSync(a, 'utf8');
    const again = ours('cibadmin', ['--patch', '-p'], { CIB_file: a }, theirs('crm_diff', ['-o', live, '-n', newer]).stdout);
    expect([again.status, theirs('cibadmin', ['--patch', '-p'], { CIB_file: join(dir, 'versioned-b.xml') }, theirs('crm_diff', ['-o', live, '-n', newer]).stdout).status]).toEqual([103, 103]);
    expect(again.stderr).toContain('Update was older than existing configuration');
    expect(readFileSync(a, 'utf8')).toBe(before);
  });
});

describe('crm_shadow', () => {
  it('create, work on the copy, diff, commit, delete — with Pacemaker\'s messages', () => {
    const livefile = join(dir, 'live.xml');
    copyFileSync(live, livefile);
    const env = { CIB_file: livefile, CIB_shadow_dir: join(dir, 'shadows') };
    // (Pacemaker's does not make its directory; ours does.)
    mkdirSync(join(dir, 'their-shadows'));
    const created = ours('crm-shadow', ['--create', 'try', '--batch'], env);
    const pacemakers = theirs('crm_shadow', ['--create', 'try', '--batch'], { ...env, CIB_shadow_dir: join(dir, 'their-shadows') });
    expect([created.status, created.stdout]).toEqual([pacemakers.status, pacemakers.stdout]);
    expect(existsSync(join(dir, 'shadows/shadow.try'))).toBe(true);
    expect(ours('crm-shadow', ['--create', 'try', '--batch'], env).status).toBe(73);
    // Commands work on the copy while CIB_shadow is set (it wins over CIB_file, as in Pacemaker).
    const shadowEnv = { CIB_shadow_dir: env.CIB_shadow_dir, CIB_shadow: 'try' };
    expect(ours('cibadmin', ['-M', '-o', 'resources', '-X', '<primitive id="web-vip"><instance_attributes id="web-vip-ia"><nvpair id="web-vip-ip" name="ip" value="10.250.1.7"/></instance_attributes></primitive>'], shadowEnv).status).toBe(0);
    expect(ours('crm-shadow', ['--which'], shadowEnv).stdout).toBe('try\n');
    expect(ours('crm-shadow', ['--file'], shadowEnv).stdout).toBe(`${join(dir, 'shadows/shadow.try')}\n`);
    expect(readFileSync(livefile, 'utf8')).toContain('value="10.250.1.100"');
    const diff = ours('crm-shadow', ['--diff'], { ...env, CIB_shadow: 'try' });
    expect(diff.status).toBe(1);
    expect(diff.stdout).toContain('<change-attr name="value" operation="set" value="10.250.1.7"/>');
    expect(ours('crm-shadow', ['--commit', 'try'], env).status).toBe(0);
    expect(readFileSync(livefile, 'utf8')).toContain('value="10.250.1.7"');
    expect(readFileSync(livefile, 'utf8')).toContain('<node_state id="1" uname="n1"');
    expect(ours('crm-shadow', ['--delete', 'try'], env).status).toBe(64);
    const deleted = ours('crm-shadow', ['--delete', 'try', '--force'], { ...env, CIB_shadow: 'try' });
    expect(deleted.stdout).toBe(theirs('crm_shadow', ['--delete', 'try', '--force'], { ...env, CIB_shadow_dir: join(dir, 'their-shadows'), CIB_shadow: 'try' }).stdout);
    expect(existsSync(join(dir, 'shadows/shadow.try'))).toBe(false);
    expect(ours('crm-shadow', ['--which'], {}).status).toBe(105);
  });
});

describe('crm_verify --output-as', () => {
  it('Pacemaker\'s XML for a valid and an invalid CIB; JSON lists the problems', () => {
    const bad = join(dir, 'bad.xml');
    writeFileSync(bad, '<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources><primitive id="x" class="ocf" type="Dummy"/></resources><constraints/></configuration><status/></cib>');
    for (const f of [live, bad]) {
      const o = ours('crm-verify', ['-x', f, '--output-as', 'xml']);
      const t = theirs('crm_verify', ['-x', f, '--output-as', 'xml']);
      expect([o.status, o.stdout.replace(/ request="[^"]*"/, '')]).toEqual([t.status, t.stdout.replace(/ request="[^"]*"/, '')]);
    }
    const j = JSON.parse(ours('crm-verify', ['-x', bad, '--output-as', 'json']).stdout);
    expect(j.status.code).toBe(78);
    expect(j.errors[0].path).toContain("primitive[@id='x']");
  });
});
