/**
 * The scheduler daemon: answers `schedule` on <runDir>/scheduler.sock (protocol `scheduler` v1)
 * and keeps each input with work in it as <stateDir>/pengine/pe-input-N.gz. One request at a
 * time, as it comes: scheduling is synchronous CPU work, and the DC sends one CIB at a time.
 */
import { join } from 'node:path';
import { type Daemon, type DaemonContext, HaError, IpcServer, socketPath } from '@heartbeat-ts/cluster-glue';
import { CibError } from '@heartbeat-ts/cib/client';
import { PeInputStore } from './pe-inputs.js';
import { computeTransition, SchedulerProtocol } from './scheduler.js';

export class SchedulerDaemon implements Daemon {
  readonly name = 'scheduler';
  private ipc: IpcServer<typeof SchedulerProtocol> | undefined;

  async start(ctx: DaemonContext): Promise<void> {
    const log = ctx.logger;
    const store = new PeInputStore(join(ctx.paths.stateDir, 'pengine'));
    const ipc = new IpcServer(SchedulerProtocol, { path: socketPath(ctx.paths, 'scheduler'), serverName: `scheduler@${ctx.node}`, logger: log });
    this.ipc = ipc;
    ipc.handle('schedule', ({ cib }) => {
      const t0 = performance.now();
      try {
        const save = (xml: string, max: number) => {
          try {
            return store.save(xml, max);
          } catch (e) {
            log.warn({ err: (e as Error).message }, 'cannot save the scheduler input');
            return undefined;
          }
        };
        const { graph: _graph, ...t } = computeTransition(cib, { save, what: 'the CIB from the controller' });
        log.info({ ms: Math.round(performance.now() - t0), actions: t.actions.length, summary: t.summary, ...(t.input ? { input: t.input } : {}) }, 'scheduled');
        return t;
      } catch (e) {
        if (e instanceof CibError) throw new HaError('EINVAL', e.message);
        throw e;
      }
    });
    await ipc.listen();
  }

  async stop(): Promise<void> {
    await this.ipc?.close();
  }
}
