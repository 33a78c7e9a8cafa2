#!/usr/bin/env node
/**
 * fence_hbts_power: a fence agent (fence-agents API) for the test harness's power switch — what
 * a real network power switch is to a real cluster. Options as key=value lines on stdin:
 *   action      off | on | reboot | status | list | monitor | metadata | validate-all
 *   plug / port / nodename   the node (its harness name)
 *   power_socket             the switch's Unix socket (Cluster.powerSwitch() gives it)
 * `-o ACTION` and `-n NODE` also work on the command line. Exit codes: 0 success (status: on),
 * 2 status off, 1 failure. Written with cluster-glue's fence agent SDK.
 */
import { connect } from 'node:net';
import { defineFenceAgent } from '@heartbeat-ts/cluster-glue/fence-sdk';

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

/** The switch's answer to an action on a node: "ok", else why not (the agent fails with it). */
async function act(socket: string, what: string, plug: string): Promise<void> {
  const r = await ask(socket, `${what} ${plug}`);
  if (r !== 'ok') throw new Error(`the power switch says: ${r}`);
}

const switchAt = (params: Record<string, string>) => params.power_socket!;
const answering = <T>(socket: string, p: Promise<T>) => p.catch((e: Error) => Promise.reject(new Error(`the power switch at ${socket} does not answer: ${e.message}`)));

await defineFenceAgent({
  name: 'fence_hbts_power',
  shortdesc: 'Power switch of the heartbeat-ts test harness (netns nodes)',
  longdesc: "Powers a node of a heartbeat-ts test-harness cluster off (every process killed, its link down) and on (booted again), through the harness's power switch socket.",
  parameters: { power_socket: { shortdesc: "The harness's power switch socket", required: true, getopt: '--power-socket=[path]' } },
  off: ({ plug, params }) => answering(switchAt(params), act(switchAt(params), 'off', plug)),
  on: ({ plug, params }) => answering(switchAt(params), act(switchAt(params), 'on', plug)),
  // (The switch reboots a node in one step: off, then booted again.)
  reboot: ({ plug, params }) => answering(switchAt(params), act(switchAt(params), 'reboot', plug)),
  status: async ({ plug, params }) => {
    const s = await answering(switchAt(params), ask(switchAt(params), `status ${plug}`));
    if (s !== 'on' && s !== 'off') throw new Error(`the power switch says: ${s}`);
    return s;
  },
  list: async ({ params }) => (await answering(switchAt(params), ask(switchAt(params), 'list'))).split(/\s+/).filter(Boolean),
}).main();
