/** ocf:heartbeat-ts:Dummy — does nothing but keep a state file; for tests and demos. */
import { defineAgent, OCF, readState, removeState, sleep, writeState } from '../sdk/index.js';

export default defineAgent({
  name: 'Dummy',
  version: '1.0',
  shortdesc: 'Example stateless resource agent',
  longdesc: 'A resource that only exists as a state file: start creates it, stop removes it, monitor looks for it. Useful to test the cluster.',
  parameters: {
    state: { shortdesc: 'State file', longdesc: 'Location to store the resource state in.', unique: true, default: '${HA_RSCTMP}/Dummy-${OCF_RESOURCE_INSTANCE}.state' },
    fake: { shortdesc: 'Fake attribute that can be changed to cause a reload', default: 'dummy' },
    op_sleep: { type: 'integer', shortdesc: 'Seconds every action sleeps (to simulate a slow service)', default: 0 },
  },
  handlers: {
    async start(ctx) {
      await sleep(ctx.params.op_sleep * 1000);
      writeState(ctx.params.state, `${ctx.params.fake}\n`);
      return OCF.SUCCESS;
    },
    async stop(ctx) {
      await sleep(ctx.params.op_sleep * 1000);
      removeState(ctx.params.state);
      return OCF.SUCCESS;
    },
    async monitor(ctx) {
      if (!ctx.isProbe) await sleep(ctx.params.op_sleep * 1000);
      return readState(ctx.params.state) === undefined ? OCF.NOT_RUNNING : OCF.SUCCESS;
    },
    reload(ctx) {
      if (readState(ctx.params.state) === undefined) return OCF.SUCCESS;
      writeState(ctx.params.state, `${ctx.params.fake}\n`);
      ctx.log.info(`reloaded: fake=${ctx.params.fake}`);
      return OCF.SUCCESS;
    },
    migrate_to(ctx) {
      ctx.log.info(`migrating to ${ctx.meta.migrate_target ?? '?'}`);
      removeState(ctx.params.state);
      return OCF.SUCCESS;
    },
    migrate_from(ctx) {
      ctx.log.info(`migrating from ${ctx.meta.migrate_source ?? '?'}`);
      writeState(ctx.params.state, `${ctx.params.fake}\n`);
      return OCF.SUCCESS;
    },
    validate(ctx) {
      if (!ctx.params.state.startsWith('/')) {
        ctx.exitReason(`state must be an absolute path, not ${ctx.params.state}`);
        return OCF.ERR_CONFIGURED;
      }
      return OCF.SUCCESS;
    },
  },
});
