/**
 * ocf:heartbeat-ts:anything — runs any program as a daemon: started in the background with
 * a pidfile, monitored by its pid (and an optional check command), stopped with SIGTERM and,
 * after stop_timeout, SIGKILL.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type AgentContext, defineAgent, OCF, type ParamDecl, type Params, pidAlive, readPid, removeState, sleep, writeState } from '../sdk/index.js';

const parameters = {
  binfile: { shortdesc: 'The program (full path, or a name on PATH)', required: true, unique: true },
  cmdline_options: { shortdesc: 'Its arguments (split on spaces; quote with " for spaces)', default: '' },
  pidfile: { shortdesc: 'Where its pid is kept', unique: true, default: '${HA_RSCTMP}/anything_${OCF_RESOURCE_INSTANCE}.pid' },
  workdir: { shortdesc: 'Working directory', default: '/' },
  user: { shortdesc: 'Run it as this user (needs root)' },
  logfile: { shortdesc: 'File for its standard output', default: '/dev/null' },
  errlogfile: { shortdesc: 'File for its standard error (default: logfile)' },
  monitor_hook: { shortdesc: 'A command run by monitor after the pid check; non-zero means failed' },
  stop_timeout: { type: 'integer', shortdesc: 'Seconds to wait after SIGTERM before SIGKILL (default: 2/3 of the stop timeout)' },
  start_wait: { type: 'integer', shortdesc: 'Milliseconds the program must stay up for start to succeed', default: 200 },
} as const satisfies Record<string, ParamDecl>;

type Ctx = AgentContext<Params<typeof parameters>>;

/** Splits a command line on spaces, keeping "quoted parts" together. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

function running(ctx: Ctx): number | undefined {
  const pid = readPid(ctx.params.pidfile);
  if (pid === undefined || !pidAlive(pid)) return undefined;
  // A recycled pid belongs to some other program: check the command line names ours.
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const base = ctx.params.binfile.split('/').pop()!;
    if (!cmd.includes(base)) return undefined;
  } catch {
    return undefined;
  }
  return pid;
}

export default defineAgent({
  name: 'anything',
  version: '1.0',
  shortdesc: 'Manages any program as a daemon',
  longdesc: 'Starts binfile with cmdline_options in the background (as user, in workdir, output to logfile), records its pid in pidfile, monitors that the pid runs it (and monitor_hook succeeds), stops it with SIGTERM then SIGKILL.',
  parameters,
  actions: { start: { timeout: '20s' }, stop: { timeout: '20s' }, monitor: { timeout: '20s', interval: '10s' } },
  handlers: {
    validate(ctx) {
      if (!ctx.have(ctx.params.binfile)) {
        ctx.exitReason(`binfile ${ctx.params.binfile} is not an executable program here`);
        return OCF.ERR_INSTALLED;
      }
      if (ctx.params.user && process.getuid?.() !== 0) {
        ctx.exitReason('user is set but the agent does not run as root');
        return OCF.ERR_PERM;
      }
      return OCF.SUCCESS;
    },
    async start(ctx) {
      if (running(ctx)) return OCF.SUCCESS;
      const { binfile, cmdline_options, workdir, user, logfile, errlogfile, pidfile, start_wait } = ctx.params;
      const open = (f: string) => {
        mkdirSync(dirname(f), { recursive: true });
        return openSync(f, 'a');
      };
      const out = open(logfile);
      const err = errlogfile ? open(errlogfile) : out;
      const argv = splitArgs(cmdline_options);
      const [cmd, args] = user ? ['runuser', ['-u', user, '--', binfile, ...argv]] : [binfile, argv];
      const child = spawn(cmd, args, { cwd: workdir, detached: true, stdio: ['ignore', out, err] });
      closeSync(out);
      if (err !== out) closeSync(err);
      const failed = await new Promise<string | undefined>((resolve) => {
        child.once('error', (e) => resolve(e.message));
        child.once('exit', (code, sig) => resolve(`exited at once (${sig ?? `code ${code}`})`));
        setTimeout(() => resolve(undefined), start_wait);
      });
      if (failed || !child.pid) {
        ctx.exitReason(`${binfile} ${failed ?? 'did not start'}`);
        return OCF.ERR_GENERIC;
      }
      writeState(pidfile, `${child.pid}\n`);
      child.unref();
      ctx.log.info(`started ${binfile} as pid ${child.pid}`);
      return OCF.SUCCESS;
    },
    async stop(ctx) {
      const pid = running(ctx);
      if (pid) {
        const grace = (ctx.params.stop_timeout ?? Math.floor((ctx.timeoutMs * 2) / 3000)) * 1000;
        process.kill(pid, 'SIGTERM');
        const until = Date.now() + grace;
        while (pidAlive(pid) && Date.now() < until) await sleep(50);
        if (pidAlive(pid)) {
          ctx.log.warn(`pid ${pid} ignored SIGTERM for ${grace} ms: SIGKILL`);
          process.kill(pid, 'SIGKILL');
          while (pidAlive(pid)) await sleep(20);
        }
      }
      removeState(ctx.params.pidfile);
      return OCF.SUCCESS;
    },
    async monitor(ctx) {
      if (!running(ctx)) return readPid(ctx.params.pidfile) !== undefined && !ctx.isProbe ? OCF.ERR_GENERIC : OCF.NOT_RUNNING;
      if (ctx.params.monitor_hook) {
        const hook = splitArgs(ctx.params.monitor_hook);
        const r = await ctx.run(hook[0]!, hook.slice(1));
        if (r.code !== 0) {
          ctx.exitReason(`monitor_hook failed with ${r.code}`);
          return OCF.ERR_GENERIC;
        }
      }
      return OCF.SUCCESS;
    },
  },
});
