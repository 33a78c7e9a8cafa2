#!/usr/bin/env node
/**
 * crm_attribute: cluster options and node attributes in the CIB, with Pacemaker 2.1's flags.
 *   -n, --name NAME        the attribute
 *   -v, --update VALUE     set it          -D, --delete   remove it
 *   -G, --query            print it (the default): scope=SCOPE  name=NAME value=VALUE
 *   -q, --quiet            with -G: the value alone
 *   -d, --default VALUE    with -G: what to print when it is not set
 *   -t, --type SCOPE       crm_config (default), nodes (permanent node attribute, the default with
 *                          -N), status (transient node attribute), rsc_defaults or op_defaults
 *   -l, --lifetime L       forever (= nodes) or reboot (= status)
 *   -N, --node NODE        the node, for node attributes
 *   --root DIR             the runtime root of the node
 * Exit codes: 0; 64 usage; 102 the cluster is not running here; 105 no such attribute (-G, -D)
 * or node.
 */
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { cibKnowsNode, clusterOrExit, failWith } from './cli.js';
import { commandOptions, EXIT, isOutputFormat, type OutputFormat, parseOutputFormat, serializeXml, takeRootOption, writeResult, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { attributeUpdate, findAttribute, isNodeScope, type Scope, SCOPES } from './attributes.js';

const usage = `Usage: crm_attribute -n NAME [-v VALUE | -D | -G [-q] [-d DEFAULT]] [-t crm_config|nodes|status|rsc_defaults|op_defaults | -l forever|reboot] [-N NODE] [--output-as text|xml|json]
`;
const fail = failWith('crm_attribute');

const { root, rest } = takeRootOption(process.argv.slice(2));
let name: string | undefined;
let value: string | undefined;
let op: 'update' | 'delete' | 'query' = 'query';
let scope: Scope | undefined;
let node: string | undefined;
let quiet = false;
let fallback: string | undefined;
let format: OutputFormat = 'text';
for (const { name: a, value: next } of commandOptions(rest, (o) => fail(`${o} needs a value\n${usage}`, EXIT.USAGE))) {
  switch (a) {
    case '-n': case '--name': name = next(); break;
    case '-v': case '--update': op = 'update'; value = next(); break;
    case '-D': case '--delete': op = 'delete'; break;
    case '-G': case '--query': op = 'query'; break;
    case '-q': case '--quiet': quiet = true; break;
    case '-d': case '--default': fallback = next(); break;
    case '-N': case '--node': node = next(); break;
    case '--output-as': {
      const f = parseOutputFormat(next());
      if (!isOutputFormat(f)) fail(f, EXIT.USAGE);
      format = f as OutputFormat;
      break;
    }
    case '-t': case '--type': {
      const v = next();
      if (!SCOPES.includes(v as Scope)) fail(`--type: "${v}" is not one of ${SCOPES.join(', ')}`, EXIT.USAGE);
      scope = v as Scope;
      break;
    }
    case '-l': case '--lifetime': {
      const v = next();
      if (v !== 'forever' && v !== 'reboot') fail(`--lifetime: "${v}" is neither forever nor reboot`, EXIT.USAGE);
      scope = v === 'forever' ? 'nodes' : 'status';
      break;
    }
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (!name) fail(`-n NAME is needed\n${usage}`, EXIT.USAGE);
scope ??= node !== undefined ? 'nodes' : 'crm_config';
if (isNodeScope(scope) && node === undefined) fail(`a node attribute needs -N NODE`, EXIT.USAGE);

const client = await clusterOrExit('crm_attribute', () => connectCib('crm_attribute', root));
try {
  const cib = Cib.parse((await client.request('query', {})).xml, 'the live CIB');
  if (node !== undefined && !cibKnowsNode(cib, node)) fail(`Node '${node}' not found`, EXIT.NOSUCH);
  const found = findAttribute(cib, scope, name!, node);
  if (op === 'query') {
    const v = found?.value ?? fallback;
    if (v === undefined) fail('Error performing operation: No such device or address', EXIT.NOSUCH);
    // (Pacemaker's: "scope=S id=ID name=N value=V", the id empty unless asked for; its XML <attribute>.)
    const command = { name: 'crm_attribute', version: 1, request: ['crm_attribute', ...process.argv.slice(2)].join(' ') };
    writeResult(format, command, { text: quiet ? `${v}\n` : `scope=${scope}  name=${name} value=${v}\n`, xml: [xmlElement('attribute', { name: name!, value: v!, scope })], json: { attribute: { name, value: v, scope, ...(node ? { node } : {}) } } }, { code: 0 });
  } else if (op === 'update') {
    const u = attributeUpdate(cib, scope, name!, value!, node);
    await client.request('modify', { ...(u.section ? { section: u.section } : {}), xml: serializeXml(u.xml) });
  } else {
    if (!found) fail('Error performing operation: No such device or address', EXIT.NOSUCH);
    await client.request('delete', { section: scope, xml: `<nvpair id="${found!.id}"/>` });
    process.stdout.write(`Deleted ${isNodeScope(scope) ? `${scope} attribute` : `${scope} option`}: id=${found!.id} name=${name}\n`);
  }
} finally {
  client.close();
}
