/**
 * ocf:heartbeat-ts:IPaddr2 — a virtual IP address, added and removed with `ip`, announced with
 * unsolicited ARP (arping, or resource-agents' send_arp) in the background so start returns
 * as soon as the address is up. The interface and netmask default to those of the connected
 * route that covers the address.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type AgentContext, defineAgent, have, OCF, type ParamDecl, type Params, type RunResult } from '../sdk/index.js';

interface Where {
  family: 'inet' | 'inet6';
  nic: string;
  prefix: number;
}

const isV6 = (ip: string) => ip.includes(':');
const V4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
}

/** The connected route covering the address: its device and prefix length. */
export function findInterface(routes: string, ip: string): { nic: string; prefix: number } | undefined {
  if (isV6(ip)) return undefined;
  const addr = ipv4ToInt(ip);
  let best: { nic: string; prefix: number } | undefined;
  for (const line of routes.split('\n')) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)\s.*\bdev\s+(\S+)/.exec(line.trim());
    if (!m || !/\bscope link\b/.test(line)) continue;
    const prefix = Number(m[2]);
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((ipv4ToInt(m[1]!) & mask) === (addr & mask) && (!best || prefix > best.prefix)) best = { nic: m[3]!, prefix };
  }
  return best;
}

const parameters = {
  ip: { shortdesc: 'The address (IPv4 dotted quad or IPv6)', required: true, unique: true },
  cidr_netmask: { type: 'integer', shortdesc: 'Prefix length (24), default: the covering route’s', unique: true },
  nic: { shortdesc: 'Interface, default: the covering route’s', unique: true },
  label: { shortdesc: 'Interface label (eth0:vip)', unique: true },
  broadcast: { shortdesc: 'Broadcast address (IPv4), default: computed by ip', unique: true },
  arp_count: { type: 'integer', shortdesc: 'Unsolicited ARP packets to send', default: 5 },
  arp_interval: { type: 'integer', shortdesc: 'Milliseconds between them', default: 200 },
  arp_bg: { type: 'boolean', shortdesc: 'Send them in the background (start returns at once)', default: true },
  preferred_lft: { shortdesc: 'IPv6 preferred lifetime (forever, or 0 to keep it from being a source address)', default: 'forever' },
} as const satisfies Record<string, ParamDecl>;

type Ctx = AgentContext<Params<typeof parameters>>;

async function where(ctx: Ctx): Promise<Where | string> {
  const { ip } = ctx.params;
  const family = isV6(ip) ? 'inet6' : 'inet';
  let nic = ctx.params.nic;
  let prefix = ctx.params.cidr_netmask !== undefined ? Number(ctx.params.cidr_netmask) : undefined;
  if (!nic || prefix === undefined) {
    const routes: RunResult = await ctx.run('ip', ['-o', `-${family === 'inet' ? 4 : 6}`, 'route', 'show'], { quiet: true });
    const found = findInterface(routes.stdout, ip);
    if (!found && (!nic || prefix === undefined)) return `no interface has a route covering ${ip}: set nic and cidr_netmask`;
    nic ??= found!.nic;
    prefix ??= found!.prefix;
  }
  return { family, nic, prefix };
}

async function present(ctx: Ctx, w: Where): Promise<boolean> {
  const r = await ctx.run('ip', ['-o', '-f', w.family, 'addr', 'show', 'dev', w.nic], { quiet: true });
  const want = `${ctx.params.ip}/${w.prefix}`;
  return r.code === 0 && r.stdout.split('\n').some((l) => l.split(/\s+/).includes(want));
}

/** Unsolicited ARP so neighbours update their caches at once (background unless arp_bg=false). */
async function announce(ctx: Ctx, w: Where): Promise<void> {
  if (w.family !== 'inet') return;
  const { ip, arp_count, arp_interval } = ctx.params;
  const sendArp = ['/usr/libexec/heartbeat/send_arp', '/usr/lib/heartbeat/send_arp'].find((f) => existsSync(f));
  let cmd: string;
  let args: string[];
  if (have('arping')) {
    cmd = 'arping';
    args = ['-U', '-c', String(arp_count), '-I', w.nic, ...(arp_interval >= 1000 ? ['-w', String(Math.ceil((arp_count * arp_interval) / 1000) + 1)] : []), ip];
  } else if (sendArp) {
    cmd = sendArp;
    args = ['-i', String(arp_interval), '-r', String(arp_count), '-p', `${ctx.rsctmp}/send_arp-${ip}`, w.nic, ip, 'auto', 'not_used', 'not_used'];
  } else {
    ctx.log.warn('neither arping nor send_arp is installed: neighbours learn the new address only when their ARP entries expire');
    return;
  }
  if (ctx.params.arp_bg) {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', (e) => ctx.log.warn(`${cmd}: ${e.message}`));
    child.unref();
  } else {
    await ctx.run(cmd, args);
  }
}

export default defineAgent({
  name: 'IPaddr2',
  version: '1.0',
  shortdesc: 'Manages a virtual IPv4 or IPv6 address',
  longdesc: 'Adds an address to an interface with ip(8) and announces it with unsolicited ARP; removes it on stop. Without nic and cidr_netmask, uses the connected route that covers the address.',
  parameters,

  actions: { start: { timeout: '20s' }, stop: { timeout: '20s' }, monitor: { timeout: '20s', interval: '10s' } },
  handlers: {
    validate(ctx) {
      const { ip, cidr_netmask } = ctx.params;
      if (!isV6(ip) && !V4.test(ip)) {
        ctx.exitReason(`ip: "${ip}" is not an IPv4 or IPv6 address`);
        return OCF.ERR_CONFIGURED;
      }
      const max = isV6(ip) ? 128 : 32;
      if (cidr_netmask !== undefined && (Number(cidr_netmask) < 1 || Number(cidr_netmask) > max)) {
        ctx.exitReason(`cidr_netmask: ${cidr_netmask} is not a prefix length (1-${max})`);
        return OCF.ERR_CONFIGURED;
      }
      if (!ctx.have('ip')) {
        ctx.exitReason('ip (iproute2) is not installed');
        return OCF.ERR_INSTALLED;
      }
      return OCF.SUCCESS;
    },
    async start(ctx) {
      const w = await where(ctx);
      if (typeof w === 'string') {
        ctx.exitReason(w);
        return OCF.ERR_CONFIGURED;
      }
      if (!(await present(ctx, w))) {
        const { ip, label, broadcast } = ctx.params;
        const args = ['-f', w.family, 'addr', 'add', `${ip}/${w.prefix}`, 'dev', w.nic];
        if (w.family === 'inet') args.push('broadcast', broadcast ?? '+');
        if (label) args.push('label', label);
        if (w.family === 'inet6') args.push('preferred_lft', ctx.params.preferred_lft, 'nodad');
        const r = await ctx.run('ip', args);
        if (r.code !== 0) {
          ctx.exitReason(`ip addr add ${ip}/${w.prefix} dev ${w.nic} failed: ${r.stderr.trim()}`);
          return OCF.ERR_GENERIC;
        }
        await ctx.run('ip', ['link', 'set', 'dev', w.nic, 'up'], { quiet: true });
      }
      await announce(ctx, w);
      return OCF.SUCCESS;
    },
    async stop(ctx) {
      const w = await where(ctx);
      if (typeof w === 'string') return OCF.SUCCESS;
      if (await present(ctx, w)) {
        const r = await ctx.run('ip', ['-f', w.family, 'addr', 'del', `${ctx.params.ip}/${w.prefix}`, 'dev', w.nic]);
        if (r.code !== 0 && (await present(ctx, w))) {
          ctx.exitReason(`could not remove ${ctx.params.ip}: ${r.stderr.trim()}`);
          return OCF.ERR_GENERIC;
        }
      }
      return OCF.SUCCESS;
    },
    async monitor(ctx) {
      const w = await where(ctx);
      if (typeof w === 'string') return OCF.NOT_RUNNING;
      return (await present(ctx, w)) ? OCF.SUCCESS : OCF.NOT_RUNNING;
    },
  },
});
