#!/usr/bin/env node
/** hbts-beacon-status [--root DIR] [--json]: what the local beacon daemon knows of its peers. */
import { exitCodeFor, HaError, IpcClient, runtimePaths, socketPath, takeRootOption } from '@heartbeat-ts/cluster-glue';
import { BeaconProtocol } from './protocol.js';

const { root, rest } = takeRootOption(process.argv.slice(2));
try {
  const c = await IpcClient.connect(BeaconProtocol, { path: socketPath(runtimePaths(root ? { root } : {}), 'beacon'), name: 'hbts-beacon-status' });
  const st = await c.request('status', {});
  c.close();
  if (rest.includes('--json')) console.log(JSON.stringify(st));
  else {
    console.log(`node ${st.node} (pid ${st.pid})`);
    for (const p of st.peers) console.log(`  ${p.name.padEnd(8)} ${p.state.padEnd(8)} ${p.silentMs === null ? 'never heard' : `last heard ${p.silentMs} ms ago`}`);
  }
} catch (e) {
  console.error(`hbts-beacon-status: ${(e as Error).message}`);
  process.exit(e instanceof HaError ? exitCodeFor(e) : 1);
}
