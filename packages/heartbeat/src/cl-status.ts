#!/usr/bin/env node
/**
 * cl_status — heartbeat 3's status tool, same subcommands, output and exit codes:
 *   hbstatus | listnodes [-p|-n] | nodestatus NODE | nodetype NODE | listhblinks NODE |
 *   hblinkstatus NODE LINK | clientstatus NODE CLIENT [TIMEOUT] | rscstatus |
 *   hbparameter -p NAME | nodeweight NODE | nodesite NODE        (-m: sentences for people)
 * Exit: 0 ok (node/link up), 1 down/stopped, 11 bad parameters, 12 timeout, 13 other error.
 */
import { HaError, runtimePaths, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectHeartbeat, type HeartbeatClient } from './client.js';

const OK = 0;
const NORMAL_FAIL = 1;
const PARAMETER_ERROR = 11;
const TIMEOUT = 12;
const UNKNOWN_ERROR = 13;

const HELP = `Usage: cl_status <sub-command> [<options>] [<parameters>]
Sub-commands:
  hbstatus                        Is heartbeat running on this machine?
  listnodes [-p|-n]               List the nodes (-p ping nodes only, -n normal nodes only)
  nodestatus <node>               Status of a node: active, up, dead, init or ping
  nodetype <node>                 Type of a node: normal or ping
  nodeweight <node>               Weight of a node
  nodesite <node>                 Site of a node
  listhblinks <node>              The node's heartbeat links
  hblinkstatus <node> <link>      Status of one link: up or dead
  clientstatus <node> <client> [<timeout>]   Status of a client on a node: online, offline, join, leave
  rscstatus                       Resources this node holds (haresources mode): all, local, foreign, none, transition
  hbparameter -p <parameter>      Value of an ha.cf parameter
Options: -m  human-readable sentences;  --root DIR  the node's root (HA_ROOT)
`;

const { root, rest } = takeRootOption(process.argv.slice(2));
const human = rest.includes('-m');
const args = rest.filter((a) => a !== '-m');
const [cmd, ...params] = args;

async function main(): Promise<number> {
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? OK : PARAMETER_ERROR;
  }
  let hb: HeartbeatClient;
  try {
    hb = await connectHeartbeat(runtimePaths(root ? { root } : {}), { name: 'cl_status', connectTimeoutMs: 5000, timeoutMs: 10_000 });
  } catch (e) {
    if (cmd === 'hbstatus') {
      console.log(human ? 'Heartbeat is stopped on this machine.' : 'Heartbeat is stopped on this machine.');
      return NORMAL_FAIL;
    }
    process.stderr.write(`cl_status: cannot signon to heartbeat: ${(e as Error).message}\n`);
    return NORMAL_FAIL;
  }
  try {
    return await run(hb);
  } finally {
    hb.close();
  }
}

function need(n: number): boolean {
  if (params.filter((p) => !p.startsWith('-')).length < n) {
    process.stderr.write('Not enough parameters.\n');
    return false;
  }
  return true;
}

async function node(hb: HeartbeatClient, name: string) {
  try {
    return await hb.request('node', { name });
  } catch (e) {
    if (e instanceof HaError && e.code === 'ENOSUCH') return undefined;
    throw e;
  }
}

/** The node named by the first parameter, or undefined after saying what is wrong. */
async function nodeParam(hb: HeartbeatClient) {
  if (!need(1)) return undefined;
  const n = await node(hb, params[0]!);
  if (!n) process.stderr.write('Error. May be due to incorrect node name\n');
  return n;
}

async function run(hb: HeartbeatClient): Promise<number> {
  switch (cmd) {
    case 'hbstatus':
      console.log('Heartbeat is running on this machine.');
      return OK;
    case 'listnodes': {
      const { nodes } = await hb.request('nodes', {});
      const onlyPing = params.includes('-p');
      const onlyNormal = params.includes('-n');
      if (human) console.log('The nodes are as follow:');
      for (const n of nodes) {
        if (onlyPing !== onlyNormal && ((onlyPing && n.type !== 'ping') || (onlyNormal && n.type !== 'normal'))) continue;
        console.log(n.name);
      }
      return OK;
    }
    case 'nodestatus': {
      const n = await nodeParam(hb);
      if (!n) return PARAMETER_ERROR;
      console.log(human ? `The cluster node ${params[0]} is ${n.status}` : n.status);
      return n.status === 'active' || n.status === 'up' || n.status === 'ping' ? OK : NORMAL_FAIL;
    }
    case 'nodetype': {
      const n = await nodeParam(hb);
      if (!n) return PARAMETER_ERROR;
      console.log(human ? `The node ${params[0]}'s type: ${n.type}` : n.type);
      return OK;
    }
    case 'nodeweight':
    case 'nodesite': {
      if (!(await nodeParam(hb))) return PARAMETER_ERROR;
      // heartbeat's defaults: weight 100, site empty (addnode/setweight/setsite are not supported here).
      if (cmd === 'nodeweight') console.log(human ? `The weight of the cluster node ${params[0]} is 100` : '100');
      else console.log(human ? `The site of the cluster node ${params[0]} is ` : '');
      return OK;
    }
    case 'listhblinks': {
      const n = await nodeParam(hb);
      if (!n) return PARAMETER_ERROR;
      if (human) console.log('\tthis node have the following heartbeat links:');
      for (const l of n.links) console.log(`\t${l.name}`);
      return OK;
    }
    case 'hblinkstatus': {
      if (!need(2)) return PARAMETER_ERROR;
      const n = await node(hb, params[0]!);
      const l = n?.links.find((x) => x.name === params[1]);
      if (!n || !l) {
        process.stderr.write('Error. May be due to incorrect node name or link name\n');
        return PARAMETER_ERROR;
      }
      console.log(human ? `The node ${params[0]}'s heartbeat link ${params[1]} is ${l.status}` : l.status);
      return l.status === 'up' ? OK : NORMAL_FAIL;
    }
    case 'clientstatus': {
      if (!need(2)) return PARAMETER_ERROR;
      const [nodeName, client] = params as [string, string];
      const st = await hb.request('status', {});
      if (nodeName.toLowerCase() !== st.node) {
        process.stderr.write('clientstatus of another node is not supported by heartbeat-ts yet\n');
        return UNKNOWN_ERROR;
      }
      const online = st.clients.some((c) => c.split('[')[0] === client);
      console.log(online ? 'online' : 'offline');
      return online ? OK : NORMAL_FAIL;
    }
    case 'rscstatus': {
      const st = await hb.request('status', {});
      console.log(human ? `This node is holding ${st.resources} resources.` : st.resources);
      return OK;
    }
    case 'hbparameter': {
      const i = params.indexOf('-p');
      const name = i >= 0 ? params[i + 1] : undefined;
      if (!name) {
        process.stderr.write('Not enough parameters.\n');
        return PARAMETER_ERROR;
      }
      const { values } = await hb.request('parameters', {});
      const v = values[name];
      if (v === undefined) return NORMAL_FAIL;
      console.log(human ? `Heartbeat parameter ${name}'s value: ${v}` : v);
      return OK;
    }
    default:
      process.stderr.write(`cl_status: unknown sub-command "${cmd}"\n${HELP}`);
      return PARAMETER_ERROR;
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`cl_status: ${e.message}\n`);
    process.exit(e instanceof HaError && e.code === 'ETIMEDOUT' ? TIMEOUT : UNKNOWN_ERROR);
  },
);
