/**
 * Running an agent declared with `defineAgent`: read the action from argv and the
 * parameters from OCF_RESKEY_*, check them against the declaration (missing required or
 * ill-typed values are OCF_ERR_CONFIGURED with a reason), answer meta-data and
 * validate-all, and call the handler. Only Node's own modules: an agent starts in tens of ms.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { metadataXml } from './metadata.js';
import { isTrue, OCF } from './ocf.js';
import type { AgentContext, AgentDecl, AgentLog, Handler, ParamDecl, Params, RunResult } from './types.js';

export interface Agent<D extends Record<string, ParamDecl>> {
  readonly decl: AgentDecl<D>;
  metadata(): string;
  /** Runs one action; resolves with the exit code (does not exit). */
  run(action: string | undefined, env?: NodeJS.ProcessEnv): Promise<number>;
  /** As the agent's executable: runs argv's action and exits with its code. */
  main(): Promise<never>;
}

export class ParamError extends Error {}

const parseDuration = (v: string): number | undefined => {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min|h|hr)?$/i.exec(v.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 's').toLowerCase();
  return Math.round(Number(m[1]) * ({ ms: 1, msec: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000 } as Record<string, number>)[unit]!);
};

/** The typed parameter values from the environment; throws ParamError naming the parameter. */
export function readParams<D extends Record<string, ParamDecl>>(decl: D, env: NodeJS.ProcessEnv, expand: (s: string) => string): Params<D> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(decl)) {
    let raw = env[`OCF_RESKEY_${name}`];
    if (raw === undefined || raw === '') {
      if (p.default !== undefined) raw = expand(String(p.default));
      else if (p.required) throw new ParamError(`parameter ${name} is required (${p.shortdesc})`);
      else continue;
    }
    switch (p.type ?? 'string') {
      case 'integer':
        if (!/^-?\d+$/.test(raw.trim())) throw new ParamError(`parameter ${name}: "${raw}" is not an integer`);
        out[name] = Number(raw);
        break;
      case 'boolean':
        if (!/^(yes|no|true|false|1|0|on|off)$/i.test(raw.trim())) throw new ParamError(`parameter ${name}: "${raw}" is not a boolean (true/false, yes/no, 1/0, on/off)`);
        out[name] = isTrue(raw);
        break;
      case 'time':
        if (parseDuration(raw) === undefined) throw new ParamError(`parameter ${name}: "${raw}" is not a time (10s, 500ms, 1min)`);
        out[name] = raw;
        break;
      default:
        out[name] = raw;
    }
  }
  return out as Params<D>;
}

const LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' } as const;

function makeLog(instance: string, debug: boolean): AgentLog {
  const line = (lvl: keyof typeof LEVELS) => (msg: string) => {
    if (lvl === 'debug' && !debug) return;
    process.stderr.write(`${LEVELS[lvl]}: ${instance}: ${msg}\n`);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

export function have(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const candidates = cmd.includes('/') ? [cmd] : (env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').map((d) => join(d, cmd));
  return candidates.some((f) => {
    try {
      accessSync(f, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Runs a command without a shell; its output is collected (bounded to 1 MiB each). */
export function runCommand(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout!.on('data', (b: Buffer) => outLen < 1 << 20 && (out.push(b), (outLen += b.length)));
    child.stderr!.on('data', (b: Buffer) => errLen < 1 << 20 && (err.push(b), (errLen += b.length)));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout: '', stderr: `${cmd}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + 9 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
}

export function defineAgent<const D extends Record<string, ParamDecl>>(decl: AgentDecl<D>): Agent<D> {
  const usage = () => `usage: ${decl.name} {start|stop|monitor|${['promote', 'demote', 'notify', 'reload', 'migrate_to', 'migrate_from'].filter((a) => a in decl.handlers).map((a) => `${a}|`).join('')}validate-all|meta-data}\n`;
  const agent: Agent<D> = {
    decl,
    metadata: () => metadataXml(decl as unknown as AgentDecl<Record<string, ParamDecl>>),
    async run(action, env = process.env) {
      if (action === 'meta-data') {
        process.stdout.write(agent.metadata());
        return OCF.SUCCESS;
      }
      if (action === 'usage' || action === 'help') {
        process.stdout.write(usage());
        return OCF.SUCCESS;
      }
      if (!action) {
        process.stderr.write(usage());
        return OCF.ERR_ARGS;
      }
      const instance = env.OCF_RESOURCE_INSTANCE ?? decl.name;
      const rsctmp = env.HA_RSCTMP ?? '/run/resource-agents';
      const log = makeLog(instance, isTrue(env.HA_debug));
      const exitReason = (msg: string) => process.stderr.write(`ocf-exit-reason:${msg}\n`);
      const expand = (s: string) => s.replace(/\$\{HA_RSCTMP\}/g, rsctmp).replace(/\$\{OCF_RESOURCE_INSTANCE\}/g, instance);
      const meta: Record<string, string> = {};
      const notifyVars: Record<string, string> = {};
      for (const [k, v] of Object.entries(env)) {
        if (k.startsWith('OCF_RESKEY_CRM_meta_') && v !== undefined) {
          meta[k.slice('OCF_RESKEY_CRM_meta_'.length)] = v;
          if (k.startsWith('OCF_RESKEY_CRM_meta_notify_')) notifyVars[k.slice('OCF_RESKEY_CRM_meta_notify_'.length)] = v;
        }
      }
      const intervalMs = Number(meta.interval ?? 0) || 0;
      let params: Params<D>;
      try {
        params = readParams(decl.parameters, env, expand);
      } catch (e) {
        if (!(e instanceof ParamError)) throw e;
        // A probe of a resource that cannot be configured here is a resource that is not running.
        if (action === 'monitor' && intervalMs === 0 && env.OCF_TESTER_FAIL_HAVE_BINARY) return OCF.NOT_RUNNING;
        exitReason(e.message);
        log.error(e.message);
        return OCF.ERR_CONFIGURED;
      }
      const ctx: AgentContext<Params<D>> = {
        params,
        instance,
        action,
        meta,
        intervalMs,
        timeoutMs: Number(meta.timeout ?? 20_000) || 20_000,
        isProbe: action === 'monitor' && intervalMs === 0,
        checkLevel: Number(env.OCF_CHECK_LEVEL ?? 0) || 0,
        rsctmp,
        ...(meta.notify_type ? { notify: { type: meta.notify_type, operation: meta.notify_operation ?? '', vars: notifyVars } } : {}),
        log,
        exitReason,
        run: async (cmd, args, o = {}) => {
          const r = await runCommand(cmd, args, { ...o, env });
          if (r.code !== 0 && !o.quiet) log.error(`${cmd} ${args.join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
          return r;
        },
        have: (cmd) => have(cmd, env),
        setNodeAttribute: async (name, value, o = {}) => {
          if (!have('attrd_updater', env)) {
            log.warn(`attrd_updater is not installed: node attribute ${name} not ${value === undefined ? 'deleted' : 'set'}`);
            return false;
          }
          const args = value === undefined ? ['-D', '-n', name] : ['-n', name, '-U', value];
          if (o.dampen) args.push('-d', o.dampen);
          return (await ctx.run('attrd_updater', args)).code === 0;
        },
        setPromotionScore: async (score) => {
          if (!have('crm_attribute', env)) {
            log.warn('crm_attribute is not installed: promotion score not set');
            return false;
          }
          const args = score === undefined ? ['--promotion', '-D'] : ['--promotion', '-v', String(score)];
          return (await ctx.run('crm_attribute', args, { quiet: true })).code === 0;
        },
      };
      const handlers = decl.handlers as unknown as Record<string, Handler<Params<D>> | undefined>;
      const name = action === 'status' ? 'monitor' : action === 'reload-agent' ? 'reload' : action === 'validate-all' ? 'validate' : action;
      try {
        if (action === 'validate-all') return handlers.validate ? await handlers.validate(ctx) : OCF.SUCCESS;
        const h = handlers[name];
        if (!h || name === 'validate') {
          process.stderr.write(usage());
          return OCF.ERR_UNIMPLEMENTED;
        }
        if (action === 'start' && handlers.validate) {
          const rc = await handlers.validate(ctx);
          if (rc !== OCF.SUCCESS) return rc;
        }
        return await h(ctx);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        exitReason(`${action} failed: ${msg}`);
        log.error(`${action} failed: ${e instanceof Error && e.stack ? e.stack : msg}`);
        return OCF.ERR_GENERIC;
      }
    },
    async main() {
      const code = await agent.run(process.argv[2]);
      process.exitCode = code;
      // Let stdout/stderr drain; no handles are left open by the SDK.
      return new Promise<never>(() => setImmediate(() => process.exit(code)));
    },
  };
  return agent;
}
