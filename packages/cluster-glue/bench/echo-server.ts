/**
 * The benchmark's daemon, its own process like a real one:
 *   echo-server.js ipc ROOT   an IpcServer (typed protocol, schemas) run by runDaemon
 * Its baseline is raw-echo-server.js.
 */
import { defineProtocol, IpcServer, runDaemon, s, socketPath, type DaemonContext } from '../src/index.js';

export const BenchProtocol = defineProtocol({
  name: 'bench',
  version: 1,
  requests: { echo: { params: s.object({ data: s.string() }), result: s.object({ data: s.string() }) } },
  events: {},
});

const [mode, arg] = process.argv.slice(2);
if (mode === 'ipc') {
  let server: IpcServer<typeof BenchProtocol> | undefined;
  await runDaemon(
    {
      name: 'bench',
      async start(ctx: DaemonContext) {
        server = new IpcServer(BenchProtocol, { path: socketPath(ctx.paths, 'bench'), logger: ctx.logger });
        server.handle('echo', (p) => ({ data: p.data }));
        await server.listen();
        process.stdout.write('ready\n');
      },
      async stop() {
        await server?.close();
      },
    },
    { root: arg!, stderr: 'none' },
  );
}
