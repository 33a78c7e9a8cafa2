/**
 * The executor daemon: one per node, serving the executor protocol on
 * <runDir>/executor.sock. Thin: the logic is in Executor.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Daemon, type DaemonContext, HaError, IpcServer, socketPath } from '@heartbeat-ts/cluster-glue';
import { CLASSES, listAgents, listProviders } from './agent-classes.js';
import { Executor, ExecutorError, type ExecutorOptions } from './executor.js';
import { ExecutorProtocol } from './protocol.js';

export class ExecutorDaemon implements Daemon {
  readonly name = 'executor';
  private ipc: IpcServer<typeof ExecutorProtocol> | undefined;
  executor: Executor | undefined;

  constructor(private readonly opts: ExecutorOptions = {}) {}

  async start(ctx: DaemonContext): Promise<void> {
    const log = ctx.logger;
    const rsctmp = join(ctx.paths.runDir, 'rsctmp');
    mkdirSync(rsctmp, { recursive: true });
    const ex = new Executor({ ...this.opts, logger: log, env: { HA_RSCTMP: rsctmp, ...this.opts.env } });
    this.executor = ex;
    const ipc = new IpcServer(ExecutorProtocol, { path: socketPath(ctx.paths, 'executor'), serverName: `executor@${ctx.node}`, logger: log });
    this.ipc = ipc;
    const wrap = async <T>(fn: () => Promise<T> | T): Promise<T> => {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof ExecutorError) throw new HaError(e.code, e.message);
        throw e;
      }
    };
    ex.on('op', (rec) => ipc.publish('op', rec));
    ipc.handle('exec', (p) =>
      wrap(() =>
        ex.execute({
          rsc: p.rsc,
          agent: p.agent,
          action: p.action,
          ...(p.interval !== undefined ? { intervalMs: p.interval } : {}),
          ...(p.timeout !== undefined ? { timeoutMs: p.timeout } : {}),
          ...(p.startDelay !== undefined ? { startDelayMs: p.startDelay } : {}),
          ...(p.params ? { params: p.params } : {}),
          ...(p.meta ? { meta: p.meta } : {}),
          ...(p.checkLevel !== undefined ? { checkLevel: p.checkLevel } : {}),
        }),
      ),
    );
    ipc.handle('cancel', (p) => ({ cancelled: ex.cancel(p.rsc, p.action, p.interval) }));
    ipc.handle('forget', (p) => ({ forgotten: ex.forget(p.rsc) }));
    ipc.handle('history', (p) => ({ resources: ex.history(p.rsc) }));
    ipc.handle('recurring', () => ({ ops: ex.recurringOps() }));
    ipc.handle('metadata', (p) => wrap(async () => ({ xml: (await ex.metadata(p.agent)).xml })));
    ipc.handle('classes', () => ({
      classes: CLASSES.map((name) =>
        name === 'systemd' && !ex.locations.systemd
          ? { name, available: false, note: 'this host does not run systemd' }
          : name === 'service'
            ? { name, available: true, note: ex.locations.systemd ? 'systemd units' : 'LSB init scripts (no systemd here)' }
            : { name, available: true },
      ),
    }));
    ipc.handle('providers', () => ({ providers: listProviders(ex.locations) }));
    ipc.handle('agents', (p) => ({ agents: listAgents(ex.locations, p.class, p.provider) }));
    ipc.handle('status', () => ex.stats());
    await ipc.listen();
    log.info({ maxParallel: ex.maxParallel, ocfRaPath: ex.locations.ocfRaPath }, 'executor ready');
  }

  async stop(): Promise<void> {
    await this.ipc?.close();
    await this.executor?.shutdown();
  }
}
