/**
 * Typed errors shared by every daemon and client. Each carries a stable `code` that
 * programs branch on, and a message that names the thing that is wrong and what to do.
 * CLIs map codes to Pacemaker's exit codes (see `exitCodeFor`).
 */
export class HaError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { code: string; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** The daemon's socket is missing, refuses connections or denies access. */
export class IpcConnectError extends HaError {}
/** A request got no response within its timeout. */
export class IpcTimeoutError extends HaError {}
/** The connection closed while a request was pending. */
export class IpcDisconnectedError extends HaError {}
/** The peer sent something that does not follow the protocol (bad frame, bad schema, wrong version). */
export class ProtocolError extends HaError {}
/** The remote handler failed; `code` is the remote error's code. */
export class RemoteError extends HaError {}
/** A configuration file or option is invalid; names the file and line where known. */
export class ConfigError extends HaError {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super('ECONFIG', file ? `${file}${line !== undefined ? `:${line}` : ''}: ${message}` : message, { file, line });
  }
}

/** Pacemaker's CLI exit codes (crm_exit_t), for the codes our errors carry. */
export const EXIT = {
  OK: 0,
  ERROR: 1,
  INVALID_PARAM: 2,
  UNIMPLEMENT_FEATURE: 3,
  INSUFFICIENT_PRIV: 4,
  NOT_INSTALLED: 5,
  NOT_CONFIGURED: 6,
  NOT_RUNNING: 7,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  OSERR: 71,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  PROTOCOL: 76,
  NOPERM: 77,
  CONFIG: 78,
  NOSUCH: 105,
  DISCONNECT: 102,
  OLD: 103,
  DIGEST: 104,
  EXISTS: 108,
  TIMEOUT: 124,
} as const;

const exitByCode: Record<string, number> = {
  ENOTRUNNING: EXIT.NOT_RUNNING,
  EACCES: EXIT.INSUFFICIENT_PRIV,
  ETIMEDOUT: EXIT.TIMEOUT,
  EDISCONNECTED: EXIT.DISCONNECT,
  ECONFIG: EXIT.CONFIG,
  EPROTO: EXIT.PROTOCOL,
  EPROTO_SCHEMA: EXIT.PROTOCOL,
  EPROTO_VERSION: EXIT.OLD,
  EMSGSIZE: EXIT.PROTOCOL,
  ENOSUCH: EXIT.NOSUCH,
  EEXIST: EXIT.EXISTS,
  EINVAL: EXIT.INVALID_PARAM,
};

export function exitCodeFor(err: unknown): number {
  if (err instanceof HaError) return exitByCode[err.code] ?? EXIT.ERROR;
  return EXIT.ERROR;
}
