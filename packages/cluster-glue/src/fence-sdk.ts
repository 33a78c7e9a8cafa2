/**
 * An SDK for writing fence agents in TypeScript, as the OCF SDK is for resource agents: declare
 * the agent's parameters and what it does to a node, and `main()` speaks the fence-agents API —
 * options as `key=value` lines on stdin (or `-o ACTION`, `-n NODE`, `--name=value` on the command
 * line), the action among off, on, reboot, status, list, list-status, monitor, metadata,
 * validate-all (fence-agents' old names enable/disable/poweron/poweroff too), `plug` (alias
 * `port`, `nodename`) for the node, exit code 0 for success, status 0 on / 2 off / 1 error, and
 * meta-data in fence-agents' XML (what Pacemaker's fencer and ours read). Only Node's own
 * modules: an agent starts in tens of milliseconds.
 *
 *   import { defineFenceAgent } from '@heartbeat-ts/cluster-glue/fence-sdk';
 *   await defineFenceAgent({
 *     name: 'fence_example', shortdesc: 'Example power switch',
 *     parameters: { ip: { shortdesc: 'Switch address', required: true } },
 *     off: async ({ plug, params }) => { ... },  on: ..., status: async () => 'on',
 *     list: async () => ['n1', 'n2'],
 *   }).main();
 */

export type FenceParamType = 'string' | 'integer' | 'boolean' | 'second';

export interface FenceParamDecl {
  shortdesc: string;
  required?: boolean;
  type?: FenceParamType;
  default?: string;
  /** The command-line form, as fence-agents write it (default `--NAME=[value]`). */
  getopt?: string;
}

export interface FenceContext {
  /** The node to act on (plug, port or nodename); empty for device-wide actions. */
  plug: string;
  /** Every option given (action and plug included), defaults applied. */
  params: Record<string, string>;
  /** A line on stderr (captured by the fencer into its log). */
  log(msg: string): void;
}

/** A node of the device: its port, and optionally its alias, as `list` prints them ("port,alias"). */
export type FenceListEntry = string | { port: string; alias?: string };

export interface FenceAgentDecl {
  name: string;
  shortdesc: string;
  longdesc?: string;
  vendorUrl?: string;
  parameters?: Record<string, FenceParamDecl>;
  off(ctx: FenceContext): Promise<void>;
  on?(ctx: FenceContext): Promise<void>;
  /** Default: off, then on (when the agent can switch on). */
  reboot?(ctx: FenceContext): Promise<void>;
  status(ctx: FenceContext): Promise<'on' | 'off'>;
  /** The nodes the device controls (dynamic-list host checks ask it). */
  list?(ctx: FenceContext): Promise<FenceListEntry[]>;
  /** Whether the device works. Default: list (else nothing to check). */
  monitor?(ctx: FenceContext): Promise<void>;
  /** More checks of the options than the declaration's (throw to reject them). */
  validate?(ctx: FenceContext): Promise<void>;
}

const ALIASES: Record<string, string> = { enable: 'on', poweron: 'on', disable: 'off', poweroff: 'off' };
const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The options of a run: stdin's key=value lines (when there are no arguments) and the command line's. */
export function parseFenceOptions(argv: string[], stdin: string): Record<string, string> {
  const opts: Record<string, string> = {};
  for (const line of stdin.split('\n')) {
    const m = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) opts[m[1]!.replace(/-/g, '_')] = m[2]!;
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const long = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (a === '-o') opts.action = argv[++i] ?? '';
    else if (a === '-n') opts.plug = argv[++i] ?? '';
    else if (long) opts[long[1]!.replace(/-/g, '_')] = long[2] ?? (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('-') ? argv[++i]! : '1');
  }
  return opts;
}

export interface FenceAgent {
  readonly decl: FenceAgentDecl;
  metadata(): string;
  /** Runs one action with these options; resolves with the exit code and what it printed. */
  run(opts: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  /** As the agent's executable: reads argv and stdin, runs, exits with the code. */
  main(): Promise<never>;
}

export function defineFenceAgent(decl: FenceAgentDecl): FenceAgent {
  const params = decl.parameters ?? {};
  const actions = ['on', 'off', 'reboot', 'status', 'list', 'list-status', 'monitor', 'metadata', 'validate-all'].filter((a) => (a === 'on' ? !!decl.on : a === 'list' || a === 'list-status' ? !!decl.list : true));

  const metadata = () => {
    const param = (name: string, p: FenceParamDecl, extra = '') =>
      `\t<parameter name="${esc(name)}" unique="0" required="${p.required ? 1 : 0}"${extra}>\n\t\t<getopt mixed="${esc(p.getopt ?? `--${name.replace(/_/g, '-')}=[value]`)}" />\n\t\t<content type="${p.type ?? 'string'}"${p.default !== undefined ? ` default="${esc(p.default)}"` : ''}  />\n\t\t<shortdesc lang="en">${esc(p.shortdesc)}</shortdesc>\n\t</parameter>\n`;
    return (
      `<?xml version="1.0" ?>\n<resource-agent name="${esc(decl.name)}" shortdesc="${esc(decl.shortdesc)}" >\n` +
      `<longdesc>${esc(decl.longdesc ?? decl.shortdesc)}</longdesc>\n` +
      (decl.vendorUrl ? `<vendor-url>${esc(decl.vendorUrl)}</vendor-url>\n` : '') +
      '<parameters>\n' +
      param('action', { shortdesc: 'Fencing action', getopt: '-o, --action=[action]', default: 'reboot' }) +
      param('plug', { shortdesc: 'Physical plug number on device, UUID or identification of machine', getopt: '-n, --plug=[id]' }, ' obsoletes="port"') +
      param('port', { shortdesc: 'Physical plug number on device, UUID or identification of machine', getopt: '-n, --plug=[id]' }, ' deprecated="1"') +
      Object.entries(params).map(([n, p]) => param(n, p)).join('') +
      '</parameters>\n<actions>\n' +
      actions.map((a) => `\t<action name="${a}"${a === 'on' ? ' automatic="0"' : ''} />\n`).join('') +
      '</actions>\n</resource-agent>\n'
    );
  };

  const run: FenceAgent['run'] = async (given) => {
    let stdout = '';
    let stderr = '';
    const log = (msg: string) => (stderr += `${msg}\n`);
    const opts: Record<string, string> = { ...given };
    for (const [n, p] of Object.entries(params)) if (opts[n] === undefined && p.default !== undefined) opts[n] = p.default;
    const action = ALIASES[opts.action ?? ''] ?? (opts.action || 'reboot');
    const plug = opts.plug ?? opts.port ?? opts.nodename ?? '';
    const ctx: FenceContext = { plug, params: opts, log };
    const fail = (msg: string) => {
      log(`${decl.name}: ${msg}`);
      return { code: 1, stdout, stderr };
    };
    if (action === 'metadata') return { code: 0, stdout: metadata(), stderr };
    if (!actions.includes(action)) return fail(`no action ${action} (${actions.join(', ')})`);
    // The options, checked against the declaration.
    for (const [n, p] of Object.entries(params)) {
      const v = opts[n];
      if (v === undefined || v === '') {
        if (p.required) return fail(`${n} is required (${p.shortdesc})`);
        continue;
      }
      if (p.type === 'integer' && !/^-?\d+$/.test(v)) return fail(`${n}: "${v}" is not an integer`);
      if (p.type === 'second' && !/^\d+(\.\d+)?$/.test(v)) return fail(`${n}: "${v}" is not a number of seconds`);
      if (p.type === 'boolean' && !/^(1|0|yes|no|true|false|on|off)$/i.test(v)) return fail(`${n}: "${v}" is not a boolean`);
    }
    try {
      if (decl.validate) await decl.validate(ctx);
      if (action === 'validate-all') return { code: 0, stdout, stderr };
      if (['on', 'off', 'reboot', 'status'].includes(action) && !plug) return fail(`${action} needs a node: plug (or port, nodename)`);
      switch (action) {
        case 'off':
          await decl.off(ctx);
          stdout += 'Success: Powered OFF\n';
          return { code: 0, stdout, stderr };
        case 'on':
          await decl.on!(ctx);
          stdout += 'Success: Powered ON\n';
          return { code: 0, stdout, stderr };
        case 'reboot':
          if (decl.reboot) await decl.reboot(ctx);
          else {
            await decl.off(ctx);
            if (decl.on) await decl.on(ctx);
          }
          stdout += 'Success: Rebooted\n';
          return { code: 0, stdout, stderr };
        case 'status': {
          const s = await decl.status(ctx);
          stdout += `Status: ${s.toUpperCase()}\n`;
          return { code: s === 'on' ? 0 : 2, stdout, stderr };
        }
        case 'list':
        case 'list-status': {
          const entries = await decl.list!(ctx);
          for (const e of entries) {
            const { port, alias } = typeof e === 'string' ? { port: e, alias: undefined } : e;
            const status = action === 'list-status' ? `,${(await decl.status({ ...ctx, plug: port })).toUpperCase()}` : '';
            stdout += `${port},${alias ?? ''}${status}\n`;
          }
          return { code: 0, stdout, stderr };
        }
        case 'monitor':
          if (decl.monitor) await decl.monitor(ctx);
          else if (decl.list) await decl.list(ctx);
          return { code: 0, stdout, stderr };
      }
      return fail(`no action ${action}`);
    } catch (e) {
      return fail((e as Error).message);
    }
  };

  return {
    decl,
    metadata,
    run,
    async main(): Promise<never> {
      const argv = process.argv.slice(2);
      // (fence-agents read stdin only when there are no arguments.)
      const stdin = argv.length ? '' : await new Promise<string>((resolve) => {
        let s = '';
        process.stdin.setEncoding('utf8');
        process.stdin.on('data', (d: string) => (s += d));
        process.stdin.on('end', () => resolve(s));
        process.stdin.on('error', () => resolve(s));
      });
      const r = await run(parseFenceOptions(argv, stdin));
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.code;
      // (Let stdout drain; exit with the code.)
      await new Promise((resolve) => process.stdout.write('', resolve));
      process.exit(r.code);
    },
  };
}
