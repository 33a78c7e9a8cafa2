/**
 * As a user would: `npm pack` of every package, installed into an empty directory from those
 * tarballs alone (their third-party dependencies from the registry), then `heartbeat-ts demo`
 * run from there and driven with the installed commands through the `export` lines it prints:
 * three nodes online, a resource moved, a node killed and its resources recovered elsewhere,
 * everything stopped on SIGTERM.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const repo = join(__dirname, '../../../..');
const work = mkdtempSync(join(tmpdir(), 'hbts-install-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

it('npm pack → npm install into an empty directory → heartbeat-ts demo: nodes online, a move, a node killed and recovered, SIGTERM stops everything', async () => {
  const packs = join(work, 'packs');
  const app = join(work, 'app');
  mkdirSync(packs);
  mkdirSync(app);
  execFileSync('npm', ['pack', '--workspaces', '--pack-destination', packs, '--silent'], { cwd: repo, stdio: 'ignore' });
  const tarballs = readdirSync(packs).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
  expect(tarballs.length).toBeGreaterThanOrEqual(12);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], { cwd: app, stdio: 'ignore' });

  const port = await freePort();
  const demo = spawn(join(app, 'node_modules/.bin/heartbeat-ts'), ['demo', '--port', String(port)], { cwd: app, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  demo.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  demo.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', r));
  try {
    const until = async (what: string, test: () => boolean | Promise<boolean>, ms = 30_000) => {
      const end = Date.now() + ms;
      while (!(await test())) {
        if (Date.now() > end) throw new Error(`demo: ${what} did not happen within ${ms} ms; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const last = () => out.split('\n[').at(-1) ?? '';
    await until('the export lines', () => /^export PATH=.*\n/m.test(out), 60_000);
    // The commands, as another terminal runs them after pasting the export lines.
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [, name, value] of out.matchAll(/^export (\w+)=(.*)$/gm)) env[name!] = value!.replace('$PATH', process.env.PATH ?? '');
    expect(env.PATH!.split(':')[0]).toBe(join(app, 'node_modules/.bin'));
    const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { env, encoding: 'utf8' });

    await until('website on n1 and db on n2, as every node sees it', () => [1, 2, 3].every((i) => new RegExp(`n${i} \\(heartbeat pid \\d+\\) sees: n1=active n2=active n3=active\\s+DC: n1\\s+CIB: website@n1 db@n2\\n`).test(last())), 60_000);
    // The other commands' JSON, from the installed package (the shapes their READMEs document).
    expect(JSON.parse(run('crm_node', '-l', '--output-as', 'json')).nodes.map((n: { name: string; state: string }) => `${n.name}=${n.state}`)).toEqual(['n1=member', 'n2=member', 'n3=member']);
    expect(JSON.parse(run('crm_failcount', '-r', 'db', '-N', 'n2', '-G', '--output-as', 'json')).failcount).toMatchObject({ resource: 'db', node: 'n2', value: 0 });
    run('attrd_updater', '-n', 'demo-attr', '-U', '42');
    await until('attrd_updater -Q sees the value', () => {
      try {
        return JSON.parse(run('attrd_updater', '-n', 'demo-attr', '-Q', '--output-as', 'json')).attributes[0]?.value === '42';
      } catch {
        return false;
      }
    });
    expect(JSON.parse(run('crm_attribute', '-n', 'stonith-enabled', '-G', '--output-as', 'json')).attribute).toEqual({ name: 'stonith-enabled', value: 'false', scope: 'crm_config' });
    const mon = run('crm_mon', '-1');
    expect(mon).toContain('Online: [ n1 n2 n3 ]');
    expect(mon).toMatch(/web-server\s+\(ocf:heartbeat-ts:anything\):\s+Started n1/);
    const served = async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/`)).text();
      } catch {
        return '';
      }
    };
    await until('the web service answers from n1', async () => (await served()).includes('served by n1'));

    // A move with the installed crm_resource.
    run('crm_resource', '--move', '-r', 'db', '-N', 'n3');
    await until('db moved to n3', () => / CIB: website@n1 db@n3\n/.test(last()));
    // The installed crm_resource's --wait, --why and --restart on the live cluster.
    run('crm_resource', '--wait', '--timeout', '30s');
    expect(run('crmadmin', '-S', 'n1')).toBe('Controller on n1 in state S_IDLE: ok\n');
    expect(run('crmadmin', '-S', 'n2')).toBe('Controller on n2 in state S_NOT_DC: ok\n');
    const why = JSON.parse(run('crm_resource', '--why', '-r', 'db', '--output-as', 'json')).why;
    expect([why.running, why.placed]).toEqual([['n3'], 'n3']);
    expect(why.nodes.find((n: { node: string }) => n.node === 'n3').contributions).toContainEqual(expect.objectContaining({ source: 'location', id: 'cli-prefer-db' }));
    expect(run('crm_resource', '--restart', '-r', 'db', '--timeout', '30s')).toBe('Stopping db...\nStarting db...\ndb is running on: n3\n');

    // n1 powered off (typed at the demo: every process of the node dies): its group is recovered on a survivor.
    demo.stdin!.write('off n1\n');
    await until('website recovered on n2 or n3', () => /n2 \(heartbeat pid \d+\) sees: n1=dead.*CIB: website@n[23] db@n3/.test(last()));
    await until('the web service answers from the survivor', async () => /served by n[23]/.test(await served()));
  } finally {
    demo.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(out).toContain('stopped; nothing left behind');
  // Nothing of the installed stack still runs.
  const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(app));
  expect(left).toEqual([]);
}, 240_000);

