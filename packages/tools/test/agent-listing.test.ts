/**
 * crm_resource's listings of the installed agents against Pacemaker 2.1.5's crm_resource on the
 * same host (Debian packages pacemaker-cli-utils, resource-agents, pacemaker-resource-agents,
 * fence-agents, cluster-glue): what management shells call, and parse.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ours = fileURLToPath(new URL('../dist/src/crm-resource.js', import.meta.url));
const PCMK = '/usr/sbin/crm_resource';
async function run(cmd: string[], ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(cmd[0]!, [...cmd.slice(1), ...args], { maxBuffer: 16 << 20 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}
const mine = (...a: string[]) => run([process.execPath, ours], ...a);
const theirs = (...a: string[]) => run([PCMK], ...a);
// (The request attribute names the command as it was run.)
const body = (xml: string) => xml.replace(/ request="[^"]*"/, '');

describe("crm_resource's listings of the installed agents, beside Pacemaker's", () => {
  it('prints the same standards, providers, agents, alternatives and meta-data as Pacemaker 2.1.5', async () => {
    if (!existsSync(PCMK)) throw new Error(`this test compares with ${PCMK}: install the Debian package pacemaker-cli-utils`);
    for (const args of [['--list-standards'], ['--list-ocf-providers'], ['--list-agents', 'ocf'], ['--list-agents', 'ocf:pacemaker'], ['--list-agents', 'lsb'], ['--list-agents', 'service'], ['--list-agents', 'stonith'], ['--list-ocf-alternatives', 'Dummy'], ['--show-metadata', 'ocf:pacemaker:Dummy'], ['--show-metadata', 'ocf:heartbeat:IPaddr2']]) {
      const [a, b] = await Promise.all([mine(...args), theirs(...args)]);
      expect(a.code, `${args.join(' ')}: ${a.err}`).toBe(b.code);
      expect(a.out, args.join(' ')).toBe(b.out);
    }
    for (const args of [['--list-standards'], ['--list-ocf-providers'], ['--list-agents', 'ocf:pacemaker'], ['--list-ocf-alternatives', 'Dummy']]) {
      const [a, b] = await Promise.all([mine(...args, '--output-as', 'xml'), theirs(...args, '--output-as', 'xml')]);
      expect(body(a.out), args.join(' ')).toBe(body(b.out));
    }
  });

  it('fails as Pacemaker does, and gives JSON', async () => {
    for (const args of [['--list-agents', 'nosuch'], ['--list-ocf-alternatives', 'Nope'], ['--show-metadata', 'ocf:pacemaker:Nope']]) {
      const [a, b] = await Promise.all([mine(...args), theirs(...args)]);
      expect(a.code, args.join(' ')).toBe(b.code);
      expect(a.err.split('\n')[0]).toBe(b.err.split('\n')[0]);
    }
    const j = JSON.parse((await mine('--list-ocf-alternatives', 'Dummy', '--output-as', 'json')).out);
    expect(j).toMatchObject({ 'heartbeat-ts': { command: 'crm_resource', version: 1 }, status: { code: 0 }, for: 'Dummy', providers: ['heartbeat', 'pacemaker'] });
  });
});
