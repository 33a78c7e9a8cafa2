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
import { EXIT, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { cibKnowsNode, clusterOrExit, failWith } from './cli.js';

const usage = 'Usage: crm_node (-l | -p | -n | -i | -q | -R NODE) [--root DIR]\n';
const fail = failWith('crm_node');
const { root, rest } = takeRootOption(process.argv.slice(2));
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
  case 'list':
    for (const n of [...new Set([...cib.nodes.map((x) => x.uname), ...status.members])].sort()) process.stdout.write(`${idOf(n)} ${n} ${status.members.includes(n) ? 'member' : 'lost'}\n`);
    break;
  case 'partition':
    process.stdout.write(`${[...status.members].sort().join(' ')}\n`);
    break;
  case 'name':
    process.stdout.write(`${status.node}\n`);
    break;
  case 'id':
    process.stdout.write(`${idOf(status.node)}\n`);
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
    const q = cib.root.attrs['have-quorum'];
    process.stdout.write(`${q === '1' || q === 'true' ? 1 : 0}\n`);
    break;
  }
}
