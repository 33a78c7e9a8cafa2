import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAuthkeys, readAuthkeys } from '../src/config/authkeys.js';
import { parseHaCf } from '../src/config/ha-cf.js';
import { parseHaresources } from '../src/config/haresources.js';

const haCf = `# two nodes, unicast
keepalive 200ms
deadtime 1
warntime 500ms
initdead 12
udpport 694
ucast eth0 10.250.0.2
mcast eth1 225.0.0.1 694 1 0
auto_failback on
node nodeA
node nodeB   # comment
crm respawn
respawn hacluster /usr/lib/heartbeat/ipfail
`;

describe('ha.cf', () => {
  it('reads every directive with heartbeat 3.0.6 defaults and time units', () => {
    const c = parseHaCf(haCf, '/etc/ha.d/ha.cf', 'NodeA');
    expect(c).toMatchObject({ keepaliveMs: 200, deadtimeMs: 1000, warntimeMs: 500, initdeadMs: 12000, udpport: 694, autoFailback: 'on', crm: 'respawn', nodes: ['nodea', 'nodeb'] });
    expect(c.media).toEqual([
      { kind: 'ucast', iface: 'eth0', peers: ['10.250.0.2'], line: 7 },
      { kind: 'mcast', iface: 'eth1', group: '225.0.0.1', port: 694, ttl: 1, loop: false, line: 8 },
    ]);
    expect(c.respawn[0]).toMatchObject({ user: 'hacluster', command: '/usr/lib/heartbeat/ipfail' });
    const d = parseHaCf('bcast eth0\nnode a\n', 'ha.cf');
    expect(d).toMatchObject({ keepaliveMs: 1000, deadtimeMs: 30000, warntimeMs: 15000, initdeadMs: 30000, msgfmt: 'classic', autoFailback: 'legacy', crm: 'off', compressionThresholdKb: 2, maxRexmitDelayMs: 250 });
    expect(parseHaCf('bcast eth0\nnode a\ndeadtime 5\n').initdeadMs).toBe(12000);
    expect(parseHaCf('bcast eth0\nnode a\ndeadtime 8\n').initdeadMs).toBe(16000);
  });

  it('stops with file:line and the reason', () => {
    expect(() => parseHaCf('node a\nbcast eth0\nkeepalive fast\n', '/etc/ha.d/ha.cf')).toThrow('/etc/ha.d/ha.cf:3: keepalive: "fast" is not a time');
    expect(() => parseHaCf('node a\nbcast eth0\nheartbeat_speed 3\n', 'ha.cf')).toThrow('ha.cf:3: unknown directive "heartbeat_speed"');
    expect(() => parseHaCf('node a\nmcast eth0 10.0.0.1 694 1 0\n', 'ha.cf')).toThrow(/ha.cf:2: mcast: 10.0.0.1 is not a multicast address/);
    expect(() => parseHaCf('node a\n', 'ha.cf')).toThrow(/no heartbeat media defined/);
    expect(() => parseHaCf('bcast eth0\nnode a\nkeepalive 2\ndeadtime 3\n', 'ha.cf')).toThrow(/deadtime \[3000\] is too small compared to keepalive \[2000\]/);
    expect(() => parseHaCf('bcast eth0\nnode a\ndeadtime 10\ninitdead 4\n', 'ha.cf')).toThrow('initial dead time [4000] is smaller than deadtime [10000]');
    expect(() => parseHaCf('bcast eth0\nnode a\n', 'ha.cf', 'b')).toThrow(/current node \[b\] not in configuration/);
    expect(parseHaCf('bcast eth0\nautojoin any\n', 'ha.cf', 'b').nodes).toEqual(['b']);
  });
});

describe('authkeys', () => {
  it('reads keys and the active one', () => {
    const k = parseAuthkeys('auth 2\n1 crc\n2 sha1 s3cret phrase\n3 md5 x\n');
    expect(k.active).toEqual({ index: 2, method: 'sha1', key: 's3cret phrase' });
    expect([...k.keys.keys()]).toEqual([1, 2, 3]);
  });

  it('refuses bad lines and files others can read', () => {
    expect(() => parseAuthkeys('auth 1\n1 rot13 x\n', 'authkeys')).toThrow('authkeys:2: unknown authentication method "rot13"');
    expect(() => parseAuthkeys('auth 1\n1 sha1\n', 'authkeys')).toThrow(/authkeys:2: method sha1 needs a secret/);
    expect(() => parseAuthkeys('auth 4\n1 crc\n', 'authkeys')).toThrow('authkeys:1: "auth 4" names a key that is not defined');
    const dir = mkdtempSync(join(tmpdir(), 'hbts-ak-'));
    const f = join(dir, 'authkeys');
    writeFileSync(f, 'auth 1\n1 sha1 secret\n');
    chmodSync(f, 0o644);
    expect(() => readAuthkeys(f)).toThrow(/must be mode 600, it is 644 \(chmod 600/);
    chmodSync(f, 0o600);
    expect(readAuthkeys(f).active.method).toBe('sha1');
  });
});

describe('haresources', () => {
  it('reads resource groups with continuation lines and IP shorthand', () => {
    const g = parseHaresources('# comment\nnodeA IPaddr2::10.0.0.10/24/eth0 \\\n   apache::/etc/apache2/apache2.conf\nnodeb 10.0.0.11\n', 'haresources', ['nodea', 'nodeb']);
    expect(g).toEqual([
      { node: 'nodea', line: 2, resources: [{ agent: 'IPaddr2', args: ['10.0.0.10/24/eth0'], spec: 'IPaddr2::10.0.0.10/24/eth0' }, { agent: 'apache', args: ['/etc/apache2/apache2.conf'], spec: 'apache::/etc/apache2/apache2.conf' }] },
      { node: 'nodeb', line: 4, resources: [{ agent: 'IPaddr', args: ['10.0.0.11'], spec: '10.0.0.11' }] },
    ]);
    expect(() => parseHaresources('nodec Dummy\n', 'haresources', ['nodea'])).toThrow('haresources:1: node "nodec" is not declared in ha.cf');
  });
});
