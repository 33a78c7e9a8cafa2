#!/usr/bin/env node
/**
 * fence_hbts_power: a fence agent (fence-agents API) for the test harness's power switch — what
 * a real network power switch is to a real cluster. Options as key=value lines on stdin:
 *   action      off | on | reboot | status | list | monitor | metadata | validate-all
 *   plug / port / nodename   the node (its harness name)
 *   power_socket             the switch's Unix socket (Cluster.powerSwitch() gives it)
 * `-o ACTION` and `-n NODE` also work on the command line. Exit codes: 0 success (status: on),
 * 2 status off, 1 failure.
 */
import { connect } from 'node:net';

const META = `<?xml version="1.0" ?>
<resource-agent name="fence_hbts_power" shortdesc="Power switch of the heartbeat-ts test harness (netns nodes)">
<longdesc>Powers a node of a heartbeat-ts test-harness cluster off (every process killed, its link down) and on (booted again), through the harness's power switch socket.</longdesc>
<parameters>
	<parameter name="action" unique="0" required="1">
		<getopt mixed="-o, --action=[action]" />
		<content type="string" default="reboot"  />
		<shortdesc lang="en">Fencing action</shortdesc>
	</parameter>
	<parameter name="plug" unique="0" required="1" obsoletes="port">
		<getopt mixed="-n, --plug=[id]" />
		<content type="string"  />
		<shortdesc lang="en">The node to act on</shortdesc>
	</parameter>
	<parameter name="power_socket" unique="0" required="1">
		<getopt mixed="--power-socket=[path]" />
		<content type="string"  />
		<shortdesc lang="en">The harness's power switch socket</shortdesc>
	</parameter>
</parameters>
<actions>
	<action name="on" automatic="0"/>
	<action name="off" />
	<action name="reboot" />
	<action name="status" />
	<action name="list" />
	<action name="monitor" />
	<action name="metadata" />
	<action name="validate-all" />
</actions>
</resource-agent>
`;

function ask(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (out += d));
    c.on('end', () => resolve(out.trim()));
    c.on('error', reject);
    c.end(`${line}\n`);
  });
}

async function main(): Promise<number> {
  const opts: Record<string, string> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-o') opts.action = argv[++i] ?? '';
    else if (argv[i] === '-n') opts.plug = argv[++i] ?? '';
  }
  if (!opts.action) {
    const input = await new Promise<string>((resolve) => {
      let s = '';
      process.stdin.setEncoding('utf8');
      process.stdin.on('data', (d: string) => (s += d));
      process.stdin.on('end', () => resolve(s));
    });
    for (const line of input.split('\n')) {
      const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) opts[m[1]!] = m[2]!;
    }
  }
  const action = opts.action || 'reboot';
  if (action === 'metadata') {
    process.stdout.write(META);
    return 0;
  }
  const plug = opts.plug ?? opts.port ?? opts.nodename ?? '';
  const socket = opts.power_socket ?? '';
  if (!socket) {
    process.stderr.write('fence_hbts_power: power_socket is required\n');
    return 1;
  }
  if (action === 'validate-all') return 0;
  try {
    switch (action) {
      case 'list':
        process.stdout.write(`${(await ask(socket, 'list')).split(/\s+/).filter(Boolean).map((n) => `${n},`).join('\n')}\n`);
        return 0;
      case 'monitor':
        return (await ask(socket, 'list')) !== '' ? 0 : 1;
      case 'status': {
        const s = await ask(socket, `status ${plug}`);
        process.stdout.write(`Status: ${s.toUpperCase()}\n`);
        return s === 'on' ? 0 : s === 'off' ? 2 : 1;
      }
      case 'off':
      case 'on':
      case 'reboot': {
        if (!plug) {
          process.stderr.write('fence_hbts_power: plug is required\n');
          return 1;
        }
        const r = await ask(socket, `${action} ${plug}`);
        process.stdout.write(`${r}\n`);
        return r === 'ok' ? 0 : 1;
      }
      default:
        process.stderr.write(`fence_hbts_power: unknown action ${action}\n`);
        return 1;
    }
  } catch (e) {
    process.stderr.write(`fence_hbts_power: the power switch at ${socket} does not answer: ${(e as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main();
