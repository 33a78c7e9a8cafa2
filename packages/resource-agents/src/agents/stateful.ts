/**
 * ocf:heartbeat-ts:Stateful — a promotable resource that only keeps its role in a state file;
 * sets its promotion score (5 unpromoted, 10 promoted) with crm_attribute when it is there.
 */
import { defineAgent, OCF, readState, removeState, writeState } from '../sdk/index.js';

const UNPROMOTED = 5;
const PROMOTED = 10;

export default defineAgent({
  name: 'Stateful',
  version: '1.0',
  shortdesc: 'Example promotable resource agent',
  longdesc: 'A promotable resource that keeps its role (unpromoted or promoted) in a state file. monitor returns OCF_RUNNING_PROMOTED when promoted.',
  parameters: {
    state: { shortdesc: 'State file', unique: true, default: '${HA_RSCTMP}/Stateful-${OCF_RESOURCE_INSTANCE}.state' },
    notify_delay: { type: 'integer', shortdesc: 'Seconds notify sleeps', default: 0 },
  },
  actions: { monitor: { timeout: '20s', interval: '10s', role: 'Unpromoted' }, 'monitor-promoted': { timeout: '20s', interval: '11s', role: 'Promoted' } },
  handlers: {
    async start(ctx) {
      if (readState(ctx.params.state)?.trim() === 'promoted') return OCF.SUCCESS;
      writeState(ctx.params.state, 'unpromoted\n');
      await ctx.setPromotionScore(UNPROMOTED);
      return OCF.SUCCESS;
    },
    async stop(ctx) {
      removeState(ctx.params.state);
      await ctx.setPromotionScore(undefined);
      return OCF.SUCCESS;
    },
    async monitor(ctx) {
      const role = readState(ctx.params.state)?.trim();
      if (role === undefined) return OCF.NOT_RUNNING;
      // A probe restores the score the attribute daemon forgot (e.g. after its restart).
      if (ctx.isProbe) await ctx.setPromotionScore(role === 'promoted' ? PROMOTED : UNPROMOTED);
      return role === 'promoted' ? OCF.RUNNING_PROMOTED : OCF.SUCCESS;
    },
    async promote(ctx) {
      if (readState(ctx.params.state) === undefined) {
        ctx.exitReason('cannot promote a stopped resource');
        return OCF.NOT_RUNNING;
      }
      writeState(ctx.params.state, 'promoted\n');
      await ctx.setPromotionScore(PROMOTED);
      return OCF.SUCCESS;
    },
    async demote(ctx) {
      if (readState(ctx.params.state) === undefined) {
        ctx.exitReason('cannot demote a stopped resource');
        return OCF.NOT_RUNNING;
      }
      writeState(ctx.params.state, 'unpromoted\n');
      await ctx.setPromotionScore(UNPROMOTED);
      return OCF.SUCCESS;
    },
    async notify(ctx) {
      await new Promise((r) => setTimeout(r, ctx.params.notify_delay * 1000));
      ctx.log.debug(`notify ${ctx.notify?.type ?? ''}-${ctx.notify?.operation ?? ''}`);
      return OCF.SUCCESS;
    },
  },
});
