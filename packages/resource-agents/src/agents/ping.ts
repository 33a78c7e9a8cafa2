/**
 * ocf:heartbeat-ts:ping — measures connectivity: pings each host in host_list and sets the
 * node attribute `name` to (hosts answering × multiplier) through attrd_updater, so location
 * rules can keep resources on nodes that can reach the network.
 */
import { type AgentContext, defineAgent, OCF, type ParamDecl, type Params, readState, removeState, writeState } from '../sdk/index.js';

const parameters = {
  host_list: { shortdesc: 'Hosts to ping (space-separated)', required: true },
  name: { shortdesc: 'Node attribute to set', default: 'pingd' },
  multiplier: { type: 'integer', shortdesc: 'Score per host that answers', default: 1 },
  attempts: { type: 'integer', shortdesc: 'Pings per host', default: 3 },
  timeout: { type: 'integer', shortdesc: 'Seconds to wait for an answer', default: 2 },
  dampen: { type: 'time', shortdesc: 'Time to wait for further changes before updating the attribute', default: '5s' },
  failure_score: { type: 'integer', shortdesc: 'Monitor fails when the score is below this (0: never)', default: 0 },
  state: { shortdesc: 'State file', unique: true, default: '${HA_RSCTMP}/ping-${OCF_RESOURCE_INSTANCE}.state' },
} as const satisfies Record<string, ParamDecl>;

type Ctx = AgentContext<Params<typeof parameters>>;

const hosts = (ctx: Ctx) => ctx.params.host_list.split(/[\s,]+/).filter(Boolean);

async function measure(ctx: Ctx): Promise<number> {
  // Options both iputils' and GNU inetutils' ping understand; IPv6 through ping6 where it exists.
  const results = await Promise.all(
    hosts(ctx).map((h) => ctx.run(h.includes(':') && ctx.have('ping6') ? 'ping6' : 'ping', [...(h.includes(':') && !ctx.have('ping6') ? ['-6'] : []), '-n', '-q', '-c', String(ctx.params.attempts), '-i', '0.2', '-W', String(ctx.params.timeout), h], { quiet: true, timeoutMs: (ctx.params.timeout * ctx.params.attempts + 2) * 1000 })),
  );
  return results.filter((r) => r.code === 0).length * ctx.params.multiplier;
}

async function update(ctx: Ctx): Promise<number> {
  const score = await measure(ctx);
  const before = readState(ctx.params.state)?.trim();
  if (before !== String(score)) {
    writeState(ctx.params.state, `${score}\n`);
    ctx.log.info(`${ctx.params.name}=${score} (${score / ctx.params.multiplier} of ${hosts(ctx).length} hosts answer)`);
  }
  await ctx.setNodeAttribute(ctx.params.name, String(score), { dampen: ctx.params.dampen });
  return score;
}

export default defineAgent({
  name: 'ping',
  version: '1.0',
  shortdesc: 'Node connectivity as a node attribute',
  longdesc: 'Every monitor pings host_list and sets the node attribute name to the number of hosts that answer times multiplier. Use it in location rules: score-attribute, or "not_defined pingd or pingd lte 0".',
  parameters,
  actions: { start: { timeout: '60s' }, stop: { timeout: '20s' }, monitor: { timeout: '60s', interval: '10s' } },
  handlers: {
    validate(ctx) {
      if (!ctx.have('ping')) {
        ctx.exitReason('ping is not installed (Debian package iputils-ping)');
        return OCF.ERR_INSTALLED;
      }
      if (ctx.params.multiplier < 1) {
        ctx.exitReason('multiplier must be at least 1');
        return OCF.ERR_CONFIGURED;
      }
      return OCF.SUCCESS;
    },
    async start(ctx) {
      await update(ctx);
      return OCF.SUCCESS;
    },
    async stop(ctx) {
      if (readState(ctx.params.state) !== undefined) await ctx.setNodeAttribute(ctx.params.name, undefined, { dampen: ctx.params.dampen });
      removeState(ctx.params.state);
      return OCF.SUCCESS;
    },
    async monitor(ctx) {
      if (readState(ctx.params.state) === undefined) return OCF.NOT_RUNNING;
      const score = await update(ctx);
      if (ctx.params.failure_score > 0 && score < ctx.params.failure_score) {
        ctx.exitReason(`connectivity score ${score} is below failure_score ${ctx.params.failure_score}`);
        return OCF.ERR_GENERIC;
      }
      return OCF.SUCCESS;
    },
  },
});
