/** The `stonith` command: a device tested by hand, with Debian's fence_dummy and cluster-glue's null plugin. */
import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../dist/src/stonith-cli.js', import.meta.url));
async function stonith(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

describe('stonith (a device by hand)', () => {
  it('lists, describes and runs a fence agent', async () => {
    if (!existsSync('/usr/sbin/fence_dummy')) throw new Error('this test runs /usr/sbin/fence_dummy: install the Debian package fence-agents');
    expect((await stonith('-L')).out).toMatch(/^fence_dummy$/m);
    expect((await stonith('-t', 'fence_dummy', '-n')).out).toMatch(/\bstatus_file\b/);
    expect((await stonith('-t', 'fence_dummy', '-m')).out).toMatch(/^<\?xml|^<resource-agent name="fence_dummy"/);
    const file = `/tmp/hbts-stonith-cli-${process.pid}.status`;
    expect((await stonith('-t', 'fence_dummy', `status_file=${file}`, '-T', 'off', 'n1')).code).toBe(0);
    expect((await stonith('-t', 'fence_dummy', `status_file=${file}`, '-T', 'reset', 'n1')).code).toBe(0);
    expect((await stonith('-t', 'fence_dummy', `status_file=${file}`, '-S')).code).toBe(0);
    rmSync(file, { force: true });
    const slow = await stonith('-t', 'fence_dummy', 'type=fail', '-W', '1', '-T', 'reset', 'n1');
    expect(slow.code).toBe(1);
    expect(slow.err).toMatch(/fence_dummy reboot n1 timed out after 1\d{3} ms/);
    const none = await stonith('-t', 'fence_nosuch', '-S');
    expect(none.code).toBe(5);
    expect(none.err).toMatch(/no fence agent or stonith plugin fence_nosuch/);
    expect((await stonith('-t', 'fence_dummy')).code).toBe(2);
    expect((await stonith('-t', 'fence_dummy', '-T', 'explode', 'n1')).code).toBe(2);
  });

  it("runs cluster-glue's stonith plugins the same way (-p values in -n order)", async () => {
    if (!existsSync('/usr/sbin/stonith')) throw new Error("this test runs cluster-glue's stonith: install the Debian package cluster-glue");
    expect((await stonith('-L')).out).toMatch(/^external\/ssh$/m);
    expect((await stonith('-t', 'null', '-n')).out).toBe('hostlist\n');
    expect((await stonith('-t', 'null', '-p', 'a b', '-l')).out).toBe('a\nb\n');
    expect((await stonith('-t', 'null', 'hostlist=a b', '-l')).out).toBe('a\nb\n');
    expect((await stonith('-t', 'null', 'hostlist=a', '-T', 'reset', 'a')).code).toBe(0);
    expect((await stonith('-t', 'null', 'hostlist=a', '-S')).code).toBe(0);
  });
});
