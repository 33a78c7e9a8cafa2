#!/usr/bin/env node
/**
 * hbts-execd [--root DIR] [--max-parallel N] [--ocf-ra-path DIR:DIR...] [--ocf-root DIR]
 *            [--init-dir DIR] [--heartbeat-dir DIR] [--stonith-admin PATH]:
 * the executor daemon in the foreground. --stonith-admin: the stonith_admin that stonith
 * resources' start and monitor check their device with (through this node's fencer).
 */
import { EXIT, runDaemon, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { stonithAdminQuery } from './agent-classes.js';
import { ExecutorDaemon } from './daemon.js';

const { root, rest } = takeRootOption(process.argv.slice(2));
const opts: { maxParallel?: number; locations?: { ocfRaPath?: string[]; ocfRoot?: string; initDir?: string; heartbeatDir?: string; fenceQuery?: string[] } } = {};
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  const val = () => {
    const v = rest[++i];
    if (v === undefined) {
      process.stderr.write(`hbts-execd: ${a} needs a value\n`);
      process.exit(EXIT.USAGE);
    }
    return v;
  };
  if (a === '--max-parallel') {
    const n = Number(val());
    if (!Number.isInteger(n) || n < 1) {
      process.stderr.write(`hbts-execd: --max-parallel must be a positive integer\n`);
      process.exit(EXIT.USAGE);
    }
    opts.maxParallel = n;
  } else if (a === '--ocf-ra-path') (opts.locations ??= {}).ocfRaPath = val().split(':').filter(Boolean);
  else if (a === '--ocf-root') (opts.locations ??= {}).ocfRoot = val();
  else if (a === '--init-dir') (opts.locations ??= {}).initDir = val();
  else if (a === '--heartbeat-dir') (opts.locations ??= {}).heartbeatDir = val();
  else if (a === '--stonith-admin') (opts.locations ??= {}).fenceQuery = stonithAdminQuery(val(), root);
  else {
    process.stderr.write(`hbts-execd: unknown option ${a}\n`);
    process.exit(EXIT.USAGE);
  }
}
await runDaemon(new ExecutorDaemon(opts), { ...(root ? { root } : {}), stderr: process.stderr.isTTY ? 'pretty' : 'none' });
