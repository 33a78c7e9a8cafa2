#!/usr/bin/env node
/**
 * crm_node: this node and the cluster's members, as Pacemaker 2.1's crm_node prints them.
 *   -l, --list        every known node: "ID NAME member|lost"
 *   -p, --partition   the members of this node's partition, on one line
 *   -n, --name        this node's name          -i, --cluster-id   this node's id
 *   -q, --quorum      1 if this partition has quorum, else 0
 *   -R, --remove NODE a node that is gone for good (not a member): out of the CIB's configuration
 *                     and status
 *   --root DIR        the runtime root of the node
 * Exit codes: 0; 1 refused (NODE is a member); 64 usage; 102 the cluster is not running here;
 * 105 no such node. Not built yet: -e, -N.
 */
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { EXIT, isOutputFormat, type OutputFormat, parseOutputFormat, takeRootOption, writeResult, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { cibKnowsNode, clusterOrExit, failWith } from './cli.js';

const usage = `Usage: crm_node COMMAND [--output-as text|xml|json] [--root DIR]
  -l, --list            every node: its id, name and state (member or lost)
  -p, --partition       the members of this node's partition
  -n, --name            this node's name
  -i, --cluster-id      this node's id
  -q, --quorum          1 if this partition has quorum, else 0
  -R, --remove NODE     forget a node that left for good (its configuration and state)
`;
const fail = failWith('crm_node');
const { root, rest: args } = takeRootOption(process.argv.slice(2));
// --output-as FORMAT (XML as later Pacemaker releases write it: <nodes>, <node-info>, <cluster-info>).
let format: OutputFormat = 'text';
const rest: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--output-as' || a.startsWith('--output-as=')) {
    const f = parseOutputFormat(a.includes('=') ? a.slice(a.indexOf('=') + 1) : (args[++i] ?? ''));
    if (!isOutputFormat(f)) fail(f, EXIT.USAGE);
    format = f as OutputFormat;
  } else rest.push(a);
}
const command = { name: 'crm_node', version: 1, request: ['crm_node', ...process.argv.slice(2)].join(' ') };
const flags: Record<string, string> = { '-l': 'list', '--list': 'list', '-p': 'partition', '--partition': 'partition', '-n': 'name', '--name': 'name', '-i': 'id', '--cluster-id': 'id', '-q': 'quorum', '--quorum': 'quorum' };
if (rest.includes('-h') || rest.includes('--help')) {
  process.stdout.write(usage);
  process.exit(0);
}
const remove = rest[0] === '-R' || rest[0] === '--remove' ? rest[1] : rest[0]?.startsWith('--remove=') ? rest[0].slice('--remove='.length) : undefined;
if (remove === undefined && (rest.length !== 1 || !flags[rest[0]!])) fail(`give one of -l, -p, -n, -i, -q, -R NODE\n${usage}`, EXIT.USAGE);
if (remove !== undefined && (!remove || rest.length > (rest[0]!.includes('=') ? 1 : 2))) fail(`-R needs a node, alone\n${usage}`, EXIT.USAGE);
const what = remove !== undefined ? 'remove' : flags[rest[0]!]!;

const { status, cib } = await clusterOrExit('crm_node', async () => {
  const c = await connectController('crm_node', root);
  const status = await c.request('status', {});
  c.close();
  const k = await connectCib('crm_node', root);
  const cib = Cib.parse((await k.request('query', {})).xml, 'the live CIB');
  k.close();
  return { status, cib };
});
const idOf = (uname: string) => cib.nodes.find((n) => n.uname === uname)?.id ?? uname;
switch (what) {
  case 'list': {
    const nodes = [...new Set([...cib.nodes.map((x) => x.uname), ...status.members])].sort().map((n) => ({ id: idOf(n), name: n, state: status.members.includes(n) ? 'member' : 'lost' }));
    writeResult(format, command, { text: nodes.map((n) => `${n.id} ${n.name} ${n.state}\n`).join(''), xml: [xmlElement('nodes', {}, nodes.map((n) => xmlElement('node', n)))], json: { nodes } }, { code: 0 });
    break;
  }
  case 'partition': {
    const members = [...status.members].sort();
    writeResult(format, command, { text: `${members.join(' ')}\n`, xml: [xmlElement('nodes', {}, members.map((n) => xmlElement('node', { id: idOf(n), name: n, state: 'member' })))], json: { partition: members } }, { code: 0 });
    break;
  }
  case 'name':
  case 'id':
    writeResult(format, command, { text: `${what === 'name' ? status.node : idOf(status.node)}\n`, xml: [xmlElement('node-info', { nodeid: idOf(status.node), uname: status.node })], json: { node: { id: idOf(status.node), name: status.node } } }, { code: 0 });
    break;
  case 'remove': {
    if (!cibKnowsNode(cib, remove!)) fail(`no node ${remove} in the CIB`, EXIT.NOSUCH);
    if (status.members.includes(remove!)) fail(`${remove} is a member of the cluster: stop it (and take it out of ha.cf) first`, EXIT.ERROR);
    const k = await connectCib('crm_node', root);
    try {
      await k.request('delete', { xpath: `/cib/configuration/nodes/node[@uname='${remove}']`, all: true }).catch(() => undefined);
      await k.request('delete', { xpath: `/cib/status/node_state[@uname='${remove}']`, all: true }).catch(() => undefined);
    } finally {
      k.close();
    }
    break;
  }
  case 'quorum': {
    const q = cib.root.attrs['have-quorum'] === '1' || cib.root.attrs['have-quorum'] === 'true';
    writeResult(format, command, { text: `${q ? 1 : 0}\n`, xml: [xmlElement('cluster-info', { quorum: q ? 'true' : 'false' })], json: { quorum: q } }, { code: 0 });
    break;
  }
}
