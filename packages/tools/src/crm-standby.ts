#!/usr/bin/env node
/**
 * crm_standby: a node's standby attribute, as Pacemaker's crm_standby (a front end of crm_attribute):
 *   -N, --node NODE      the node (default: this one)
 *   -v, --update on|off  put it in standby, or take it out    -D, --delete   remove the attribute
 *   -G, --query          print it (the default)                -q, --quiet    the value alone
 *   -l, --lifetime forever|reboot   permanent (default) or until the node reboots
 *   --root DIR
 * Exit codes: those of crm_attribute.
 */
import { EXIT, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectController } from '@heartbeat-ts/controller/status';
import { clusterOrExit } from './cli.js';

const usage = `Usage: crm_standby [-N NODE] [-v on|off | -D | -G [-q]] [-l forever|reboot] [--output-as text|xml|json] [--root DIR]
  -G, --query           whether the node is in standby (the default; "off" when not set)
  -v, --update on|off   put it in standby (its resources move away) or out of it
  -D, --delete          forget the setting (out of standby)
  -N, --node NODE       that node (default: this one)
  -l, --lifetime L      forever (kept across reboots, the default) or reboot
  -q, --quiet           the value alone
`;
const { root, rest } = takeRootOption(process.argv.slice(2));
if (rest.includes('-h') || rest.includes('--help')) {
  process.stdout.write(usage);
  process.exit(0);
}
const args: string[] = [];
let node: string | undefined;
let query = true;
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const value = () => rest[++i] ?? (process.stderr.write(`crm_standby: ${a} needs a value\n${usage}`), process.exit(EXIT.USAGE));
  if (a === '-N' || a === '--node') node = value();
  else if (a === '-v' || a === '--update') {
    const v = value();
    if (!/^(on|off|true|false|yes|no|1|0)$/i.test(v)) {
      process.stderr.write(`crm_standby: --update: "${v}" is not on or off\n`);
      process.exit(EXIT.USAGE);
    }
    args.push('-v', v);
    query = false;
  } else if (a === '-D' || a === '--delete') {
    args.push('-D');
    query = false;
  } else if (a === '-G' || a === '--query' || a === '-q' || a === '--quiet') args.push(a);
  else if (a === '-l' || a === '--lifetime') args.push('-l', value());
  else if (a === '--output-as') args.push('--output-as', value());
  else if (a.startsWith('--output-as=')) args.push(a);
  else {
    process.stderr.write(`crm_standby: unknown or unsupported option ${a}\n${usage}`);
    process.exit(EXIT.USAGE);
  }
}
// (As Pacemaker's: this node unless told; "off" when the attribute is not set.)
node ??= await clusterOrExit('crm_standby', async () => {
  const c = await connectController('crm_standby', root);
  try {
    return (await c.request('status', {})).node;
  } finally {
    c.close();
  }
});
if (query && !args.includes('-G') && !args.includes('--query')) args.push('-G');
process.argv = [process.argv[0]!, process.argv[1]!, ...(root ? ['--root', root] : []), '-n', 'standby', '-N', node!, ...(query ? ['-d', 'off'] : []), ...args];
await import('./crm-attribute.js');
