/** The fence agent SDK: an agent written with it, run as a real process through the device layer. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { fenceAgentMetadata, runFenceAgent } from '../src/index.js';
import { defineFenceAgent, parseFenceOptions } from '../src/fence-sdk.js';

const dir = mkdtempSync(join(tmpdir(), 'hbts-fence-sdk-'));
const sdk = fileURLToPath(new URL('../dist/src/fence-sdk.js', import.meta.url));
const agentPath = join(dir, 'fence_files');
// A switch kept in a directory: a file per node, "on" or "off".
writeFileSync(agentPath, `#!${process.execPath}
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineFenceAgent } from ${JSON.stringify(sdk)};
await defineFenceAgent({
  name: 'fence_files',
  shortdesc: 'A switch of files',
  parameters: { dir: { shortdesc: 'Where the nodes are', required: true }, power_wait: { shortdesc: 'Wait', type: 'second', default: '0' } },
  off: async ({ plug, params }) => writeFileSync(join(params.dir, plug), 'off'),
  on: async ({ plug, params }) => writeFileSync(join(params.dir, plug), 'on'),
  status: async ({ plug, params }) => {
    if (!existsSync(join(params.dir, plug))) throw new Error('no node ' + plug);
    return readFileSync(join(params.dir, plug), 'utf8') === 'on' ? 'on' : 'off';
  },
  list: async ({ params }) => readdirSync(params.dir).map((n) => ({ port: n, alias: n.toUpperCase() })),
}).main();
`);
chmodSync(agentPath, 0o755);
const nodes = join(dir, 'nodes');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the fence agent SDK', () => {
  it('speaks the fence-agents API: stdin options, actions, exit codes, list formats', async () => {
    mkdirSync(nodes);
    writeFileSync(join(nodes, 'n1'), 'on');
    writeFileSync(join(nodes, 'n2'), 'on');
    const o = { dir: nodes };
    expect(await runFenceAgent(agentPath, 'status', { ...o, plug: 'n1' })).toMatchObject({ rc: 0, output: 'Status: ON\n' });
    expect((await runFenceAgent(agentPath, 'off', { ...o, port: 'n1' })).rc).toBe(0);
    expect(readFileSync(join(nodes, 'n1'), 'utf8')).toBe('off');
    expect((await runFenceAgent(agentPath, 'status', { ...o, nodename: 'n1' })).rc).toBe(2);
    // reboot without its own handler: off, then on.
    expect((await runFenceAgent(agentPath, 'reboot', { ...o, plug: 'n1' })).rc).toBe(0);
    expect(readFileSync(join(nodes, 'n1'), 'utf8')).toBe('on');
    expect(await runFenceAgent(agentPath, 'list', o)).toMatchObject({ rc: 0, output: 'n1,N1\nn2,N2\n' });
    expect(await runFenceAgent(agentPath, 'list-status', o)).toMatchObject({ rc: 0, output: 'n1,N1,ON\nn2,N2,ON\n' });
    expect((await runFenceAgent(agentPath, 'monitor', o)).rc).toBe(0);
    expect((await runFenceAgent(agentPath, 'disable', { ...o, plug: 'n2' })).rc).toBe(0);
    expect(readFileSync(join(nodes, 'n2'), 'utf8')).toBe('off');
    // Errors: a missing required option, a bad type, a failing handler, no node, no such action.
    expect(await runFenceAgent(agentPath, 'status', { plug: 'n1' })).toMatchObject({ rc: 1, output: 'fence_files: dir is required (Where the nodes are)\n' });
    expect((await runFenceAgent(agentPath, 'validate-all', { ...o, power_wait: 'soon' })).output).toBe('fence_files: power_wait: "soon" is not a number of seconds\n');
    expect((await runFenceAgent(agentPath, 'validate-all', o)).rc).toBe(0);
    expect(await runFenceAgent(agentPath, 'status', { ...o, plug: 'n9' })).toMatchObject({ rc: 1, output: 'fence_files: no node n9\n' });
    expect((await runFenceAgent(agentPath, 'off', o)).output).toMatch(/off needs a node/);
    expect((await runFenceAgent(agentPath, 'dance', o)).rc).toBe(1);
  });

  it('writes meta-data the device layer (and Pacemaker) read', async () => {
    const md = await fenceAgentMetadata(agentPath);
    expect(md.name).toBe('fence_files');
    expect(md.parameters.map((p) => p.name)).toEqual(['action', 'plug', 'port', 'dir', 'power_wait']);
    expect(md.parameters.find((p) => p.name === 'dir')).toMatchObject({ required: true, type: 'string' });
    expect(md.parameters.find((p) => p.name === 'action')).toMatchObject({ default: 'reboot' });
    expect(md.actions).toEqual(['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor', 'metadata', 'validate-all']);
  });

  it('reads options from stdin and the command line as fence-agents do', async () => {
    expect(parseFenceOptions([], 'action=off\n# a comment\nplug = n1 \nip-addr=10.0.0.1\n')).toEqual({ action: 'off', plug: 'n1', ip_addr: '10.0.0.1' });
    expect(parseFenceOptions(['-o', 'status', '-n', 'n2', '--ip-addr=10.0.0.2', '--verbose'], '')).toEqual({ action: 'status', plug: 'n2', ip_addr: '10.0.0.2', verbose: '1' });
    const a = defineFenceAgent({ name: 'fence_x', shortdesc: 'x', off: async () => undefined, status: async () => 'off' });
    expect(await a.run({ action: 'list' })).toMatchObject({ code: 1 });
    expect(a.metadata()).not.toContain('name="list"');
  });
});
