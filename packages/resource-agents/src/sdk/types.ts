/** The declaration of an OCF agent: its parameters (typed), actions, and handlers. */
export type ParamType = 'string' | 'integer' | 'boolean' | 'time';

export interface ParamDecl {
  type?: ParamType;
  shortdesc: string;
  longdesc?: string;
  required?: boolean;
  /** No two resources may share the value; a change needs a restart (OCF 1.0). */
  unique?: boolean;
  /** Text; `${HA_RSCTMP}` and `${OCF_RESOURCE_INSTANCE}` are expanded when the agent runs. */
  default?: string | number | boolean;
}

type ValueOf<P extends ParamDecl> = P['type'] extends 'integer' ? number : P['type'] extends 'boolean' ? boolean : string;

/** The parameter values a handler gets: typed, defaults applied; optional without a default. */
export type Params<D extends Record<string, ParamDecl>> = {
  [K in keyof D]: D[K] extends { required: true } ? ValueOf<D[K]> : D[K] extends { default: string | number | boolean } ? ValueOf<D[K]> : ValueOf<D[K]> | undefined;
};

export interface ActionDecl {
  timeout?: string;
  interval?: string;
  depth?: number;
  role?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AgentLog {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export interface NotifyInfo {
  /** "pre" or "post". */
  type: string;
  /** "start", "stop", "promote", "demote". */
  operation: string;
  /** Space-separated resource instances and nodes per category, as Pacemaker passes them. */
  vars: Record<string, string>;
}

export interface AgentContext<P> {
  params: P;
  /** OCF_RESOURCE_INSTANCE (clone instances carry ":N"). */
  instance: string;
  action: string;
  /** Pacemaker's meta attributes (OCF_RESKEY_CRM_meta_*), names with underscores. */
  meta: Record<string, string>;
  intervalMs: number;
  timeoutMs: number;
  /** A monitor with interval 0: Pacemaker asking what state the resource is in. */
  isProbe: boolean;
  checkLevel: number;
  /** Directory for state files that must not survive a reboot (HA_RSCTMP). */
  rsctmp: string;
  notify?: NotifyInfo;
  log: AgentLog;
  /** Says why the action failed; Pacemaker shows it in crm_mon (ocf-exit-reason). */
  exitReason(msg: string): void;
  /** Runs a command (no shell), logs failures, returns its code and output (ocf_run). */
  run(cmd: string, args: string[], opts?: { timeoutMs?: number; input?: string; quiet?: boolean }): Promise<RunResult>;
  /** Whether a program is on PATH (or an executable path). */
  have(cmd: string): boolean;
  /** Node attributes through attrd_updater (-v, or -D to delete); false when not possible. */
  setNodeAttribute(name: string, value: string | undefined, opts?: { dampen?: string }): Promise<boolean>;
  /** This instance's promotion score (crm_attribute --promotion); undefined deletes it. */
  setPromotionScore(score: number | undefined): Promise<boolean>;
}

export type Handler<P> = (ctx: AgentContext<P>) => number | Promise<number>;

export interface Handlers<P> {
  start: Handler<P>;
  stop: Handler<P>;
  monitor: Handler<P>;
  promote?: Handler<P>;
  demote?: Handler<P>;
  notify?: Handler<P>;
  /** OCF 1.0 "reload" (1.1's reload-agent runs it too): apply changed non-unique parameters. */
  reload?: Handler<P>;
  migrate_to?: Handler<P>;
  migrate_from?: Handler<P>;
  /** Checks beyond the declared types (validate-all; also run before start). */
  validate?: Handler<P>;
}

export interface AgentDecl<D extends Record<string, ParamDecl>> {
  name: string;
  version: string;
  shortdesc: string;
  longdesc?: string;
  parameters: D;
  /** Timeouts and intervals advertised in meta-data ("monitor", "monitor-promoted"... for several monitors). */
  actions?: Record<string, ActionDecl>;
  handlers: Handlers<Params<D>>;
}
