/**
 * ocf:heartbeat-ts:HttpCheck — watches a web service: monitor fetches url and fails when the
 * status is not the expected one (or the body does not match). Put it in a group after the
 * web server so a hung server (process alive, not answering) is detected and recovered.
 */
import { defineAgent, OCF, type ParamDecl, readState, removeState, writeState } from '../sdk/index.js';

const parameters = {
  url: { shortdesc: 'The URL to fetch (http or https)', required: true, unique: true },
  expect_status: { shortdesc: 'Accepted status codes: 200, 200-399, 200,301', default: '200-399' },
  expect_body: { shortdesc: 'A regular expression the body must match' },
  request_timeout: { type: 'integer', shortdesc: 'Milliseconds to wait for the answer', default: 5000 },
  insecure: { type: 'boolean', shortdesc: 'Accept any TLS certificate', default: false },
  state: { shortdesc: 'State file', unique: true, default: '${HA_RSCTMP}/HttpCheck-${OCF_RESOURCE_INSTANCE}.state' },
} as const satisfies Record<string, ParamDecl>;

export function statusAccepted(spec: string, status: number): boolean {
  return spec.split(',').some((part) => {
    const [lo, hi] = part.trim().split('-').map(Number);
    return hi === undefined ? status === lo : status >= lo! && status <= hi;
  });
}

async function check(p: { url: string; expect_status: string; expect_body: string | undefined; request_timeout: number; insecure: boolean }): Promise<string | undefined> {
  if (p.insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  let res: Response;
  try {
    res = await fetch(p.url, { signal: AbortSignal.timeout(p.request_timeout), redirect: 'manual' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return `${p.url}: ${(e as Error).name === 'TimeoutError' ? `no answer within ${p.request_timeout} ms` : (cause?.code ?? cause?.message ?? (e as Error).message)}`;
  }
  const body = p.expect_body ? await res.text() : (await res.body?.cancel(), '');
  if (!statusAccepted(p.expect_status, res.status)) return `${p.url}: status ${res.status}, expected ${p.expect_status}`;
  if (p.expect_body && !new RegExp(p.expect_body).test(body)) return `${p.url}: the body does not match /${p.expect_body}/`;
  return undefined;
}

export default defineAgent({
  name: 'HttpCheck',
  version: '1.0',
  shortdesc: 'Checks that a web service answers',
  longdesc: 'start checks the URL once and records the resource as started; monitor fetches the URL and fails (OCF_ERR_GENERIC, with the reason) on a wrong status, a body that does not match, a refused connection or a timeout; stop records it stopped.',
  parameters,
  actions: { start: { timeout: '20s' }, stop: { timeout: '20s' }, monitor: { timeout: '20s', interval: '10s' } },
  handlers: {
    validate(ctx) {
      if (!/^https?:\/\//.test(ctx.params.url)) {
        ctx.exitReason(`url must start with http:// or https://, not ${ctx.params.url}`);
        return OCF.ERR_CONFIGURED;
      }
      if (!/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/.test(ctx.params.expect_status.replace(/\s/g, ''))) {
        ctx.exitReason(`expect_status: "${ctx.params.expect_status}" is not a list of codes or ranges`);
        return OCF.ERR_CONFIGURED;
      }
      try {
        if (ctx.params.expect_body) new RegExp(ctx.params.expect_body);
      } catch (e) {
        ctx.exitReason(`expect_body: ${(e as Error).message}`);
        return OCF.ERR_CONFIGURED;
      }
      return OCF.SUCCESS;
    },
    async start(ctx) {
      const problem = await check(ctx.params);
      if (problem) {
        ctx.exitReason(problem);
        return OCF.ERR_GENERIC;
      }
      writeState(ctx.params.state, 'started\n');
      return OCF.SUCCESS;
    },
    stop(ctx) {
      removeState(ctx.params.state);
      return OCF.SUCCESS;
    },
    async monitor(ctx) {
      if (readState(ctx.params.state) === undefined) return OCF.NOT_RUNNING;
      const problem = await check(ctx.params);
      if (problem) {
        ctx.exitReason(problem);
        return OCF.ERR_GENERIC;
      }
      return OCF.SUCCESS;
    },
  },
});
