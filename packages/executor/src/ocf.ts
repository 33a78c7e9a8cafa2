/**
 * The OCF resource agent contract, as Pacemaker applies it: agent names, the environment an
 * agent runs with, and what its exit codes mean. Pure.
 */
export interface AgentSpec {
  class: 'ocf' | 'lsb' | 'heartbeat' | 'service' | 'systemd' | 'stonith';
  provider?: string;
  type: string;
}

/** "ocf:heartbeat:Dummy", "lsb:apache2", "heartbeat:IPaddr2" (Pacemaker's notation). */
export function parseAgent(spec: string): AgentSpec {
  const parts = spec.split(':');
  const cls = parts[0] as AgentSpec['class'];
  if (cls === 'ocf') {
    if (parts.length !== 3 || !parts[1] || !parts[2]) throw new Error(`"${spec}": an OCF agent is written ocf:PROVIDER:TYPE`);
    return { class: 'ocf', provider: parts[1], type: parts[2] };
  }
  if (['lsb', 'heartbeat', 'service', 'systemd', 'stonith'].includes(cls) && parts.length === 2 && parts[1]) return { class: cls, type: parts[1] };
  throw new Error(`"${spec}" is not an agent name (ocf:PROVIDER:TYPE, lsb:NAME, heartbeat:NAME, service:NAME, systemd:NAME)`);
}

export const OCF_RC = {
  0: ['OCF_SUCCESS', 'success'],
  1: ['OCF_ERR_GENERIC', 'generic error'],
  2: ['OCF_ERR_ARGS', 'invalid parameter'],
  3: ['OCF_ERR_UNIMPLEMENTED', 'unimplemented feature'],
  4: ['OCF_ERR_PERM', 'insufficient privileges'],
  5: ['OCF_ERR_INSTALLED', 'not installed'],
  6: ['OCF_ERR_CONFIGURED', 'not configured'],
  7: ['OCF_NOT_RUNNING', 'not running'],
  8: ['OCF_RUNNING_PROMOTED', 'promoted'],
  9: ['OCF_FAILED_PROMOTED', 'promoted resource has failed'],
  190: ['OCF_DEGRADED', 'degraded'],
  191: ['OCF_DEGRADED_PROMOTED', 'promoted resource is degraded'],
} as const satisfies Record<number, readonly [string, string]>;

export function describeRc(rc: number): string {
  const d = (OCF_RC as Record<number, readonly [string, string]>)[rc];
  return d ? `${d[0]} (${d[1]})` : `unknown exit code ${rc}`;
}

export interface OcfCall {
  /** The resource id; clone instances carry ":N". */
  rsc: string;
  params?: Record<string, string>;
  /** Meta attributes (timeout and interval in ms, clone and notify data...). */
  meta?: Record<string, string>;
  ocfRoot?: string;
  checkLevel?: number;
}

export const DEFAULT_OCF_ROOT = '/usr/lib/ocf';

/** The environment of an OCF agent call (OCF RA API 1.1, with Pacemaker's meta variables). */
export function ocfEnvironment(agent: AgentSpec, call: OcfCall): Record<string, string> {
  const root = call.ocfRoot ?? DEFAULT_OCF_ROOT;
  const env: Record<string, string> = {
    OCF_ROOT: root,
    OCF_FUNCTIONS_DIR: `${root}/lib/heartbeat`,
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: call.rsc,
    OCF_RESOURCE_TYPE: agent.type,
  };
  if (agent.provider) env.OCF_RESOURCE_PROVIDER = agent.provider;
  if (call.checkLevel !== undefined) env.OCF_CHECK_LEVEL = String(call.checkLevel);
  for (const [k, v] of Object.entries(call.params ?? {})) env[`OCF_RESKEY_${k}`] = v;
  for (const [k, v] of Object.entries(call.meta ?? {})) env[`OCF_RESKEY_CRM_meta_${k.replace(/-/g, '_')}`] = v;
  return env;
}
