/** `heartbeat-ts setup --root DIR`: the files a real host needs, each accepted by the component that reads it. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseAuthkeys, parseHaCf } from '@heartbeat-ts/heartbeat';
import { setupFiles } from '../src/setup.js';

const cli = join(__dirname, '../dist/src/cli.js');
const crmVerify = join(__dirname, '../../cib/dist/src/crm-verify.js');
const root = mkdtempSync(join(tmpdir(), 'hbts-setup-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('writes ha.cf, authkeys (600), a first CIB and the systemd unit; each is valid for what reads it', () => {
  const out = execFileSync(process.execPath, [cli, 'setup', '--root', root, '--node', 'alpha', '--node', 'beta', '--interface', 'eth1'], { encoding: 'utf8' });
  expect(out).toContain(`wrote ${join(root, 'etc/ha.d/ha.cf')}`);
  expect(out).toContain('haclient group: not created (--root');
  expect(out).toMatch(/Now:\n  1\. .*ha\.cf: list every node/);

  const haCf = parseHaCf(readFileSync(join(root, 'etc/ha.d/ha.cf'), 'utf8'), 'ha.cf', 'alpha');
  expect(haCf.nodes).toEqual(['alpha', 'beta']);
  expect(haCf.crm).toBe('respawn');
  expect(haCf.keepaliveMs).toBe(200);
  expect(haCf.deadtimeMs).toBe(1000);

  const authkeys = join(root, 'etc/ha.d/authkeys');
  expect(statSync(authkeys).mode & 0o777).toBe(0o600);
  expect(parseAuthkeys(readFileSync(authkeys, 'utf8')).active.method).toBe('sha1');

  const cib = join(root, 'var/lib/heartbeat-ts/cib/cib.xml');
  const verify = spawnSync(process.execPath, [crmVerify, '-x', cib], { encoding: 'utf8' });
  expect(verify.stderr).toBe('');
  expect(verify.status).toBe(0);
  // Two nodes: the survivor keeps the resources.
  expect(readFileSync(cib, 'utf8')).toContain('name="no-quorum-policy" value="ignore"');

  const unit = readFileSync(join(root, 'etc/systemd/system/heartbeat-ts.service'), 'utf8');
  const exec = /^ExecStart=(\S+) (\S+) -f$/m.exec(unit)!;
  expect(exec).not.toBeNull();
  expect(existsSync(exec[1]!) && existsSync(exec[2]!)).toBe(true);
  const crm = /^Environment=HA_CRM_COMMAND=(\S+) (\S+) --ocf-ra-path (\S+)$/m.exec(unit)!;
  expect(existsSync(crm[2]!)).toBe(true);
  expect(crm[3]!.split(':')).toContain('/usr/lib/ocf/resource.d');
});

it('keeps files that exist unless --force; a different key each time', () => {
  writeFileSync(join(root, 'etc/ha.d/ha.cf'), '# mine\n');
  const out = execFileSync(process.execPath, [cli, 'setup', '--root', root], { encoding: 'utf8' });
  expect(out).toContain(`kept ${join(root, 'etc/ha.d/ha.cf')} (it exists; --force replaces it)`);
  expect(readFileSync(join(root, 'etc/ha.d/ha.cf'), 'utf8')).toBe('# mine\n');
  const before = readFileSync(join(root, 'etc/ha.d/authkeys'), 'utf8');
  execFileSync(process.execPath, [cli, 'setup', '--root', root, '--force', '--node', 'solo'], { encoding: 'utf8' });
  expect(readFileSync(join(root, 'etc/ha.d/ha.cf'), 'utf8')).toMatch(/^node solo\n#node SECOND-NODE$/m);
  expect(readFileSync(join(root, 'etc/ha.d/authkeys'), 'utf8')).not.toBe(before);
});

it('three nodes or more: no-quorum-policy stop', () => {
  const files = setupFiles({ nodes: ['a', 'b', 'c'], iface: 'eth0', secret: 'ab', node: '/n', heartbeat: '/h', crmCommand: '/c' });
  expect(files.find((f) => f.path.endsWith('cib.xml'))!.text).toContain('name="no-quorum-policy" value="stop"');
});

it('bad usage: exit 64 and the usage', () => {
  const r = spawnSync(process.execPath, [cli, 'setup', '--bogus'], { encoding: 'utf8' });
  expect(r.status).toBe(64);
  expect(r.stderr).toContain('heartbeat-ts: setup: unknown option --bogus');
  const none = spawnSync(process.execPath, [cli], { encoding: 'utf8' });
  expect(none.status).toBe(64);
  expect(none.stderr).toContain('Usage: heartbeat-ts COMMAND');
});
