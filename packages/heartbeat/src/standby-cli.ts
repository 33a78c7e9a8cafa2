/**
 * hb_standby / hb_takeover [all|local|foreign] (haresources mode): give this node's resource
 * groups to the others, or ask the others for theirs — heartbeat 3's commands. Default: all.
 */
import { exitCodeFor, runtimePaths, takeRootOption } from '@heartbeat-ts/cluster-glue/client';
import { connectHeartbeat } from './client.js';

export async function standbyCli(takeover: boolean, argv: string[]): Promise<never> {
  const name = takeover ? 'hb_takeover' : 'hb_standby';
  const { root, rest } = takeRootOption(argv);
  const which = (rest[0] ?? 'all') as 'all' | 'local' | 'foreign';
  if (!['all', 'local', 'foreign'].includes(which)) {
    process.stderr.write(`usage: ${name} [all|local|foreign] [--root DIR]\n`);
    process.exit(64);
  }
  try {
    const c = await connectHeartbeat(runtimePaths(root ? { root } : {}), { name, timeoutMs: 300_000 });
    await c.request(takeover ? 'takeover' : 'standby', { which });
    c.close();
    console.log(takeover ? `Requested takeover of ${which} resources.` : `Going standby [${which}].`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`${name}: ${(e as Error).message}\n`);
    process.exit(exitCodeFor(e));
  }
}
