/**
 * What every command prints with `--output-as`: text (each command's own), xml (Pacemaker's
 * API result: `<pacemaker-result api-version request>` … `<status code message>`), and json —
 * the same data as the XML, with a versioned envelope:
 *
 *   { "heartbeat-ts": { "command": "stonith_admin", "version": 1 },
 *     "request": "stonith_admin --history * --output-as json",
 *     "status": { "code": 0, "message": "OK", "errors"?: ["..."] },
 *     ...the command's data (documented in its package's README) }
 *
 * `version` is the version of that command's JSON shape; a change that removes or renames a
 * field raises it. Pure.
 */
import { serializeXml, xmlElement, type XmlElement } from './xml.js';

export const OUTPUT_FORMATS = ['text', 'xml', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The version of Pacemaker's API result schema our XML follows (Pacemaker 2.1.5). */
export const PCMK_API_VERSION = '2.25';

/** Pacemaker's words for its exit codes (crm_exit_str), for `<status message>`. */
const EXIT_MESSAGES: Record<number, string> = {
  0: 'OK', 1: 'Error occurred', 2: 'Invalid parameter', 3: 'Unimplemented', 4: 'Insufficient privileges', 5: 'Not installed',
  6: 'Not configured', 7: 'Not running', 64: 'Incorrect usage', 65: 'Invalid data given', 66: 'Input file not available',
  69: 'Necessary service unavailable', 70: 'Internal software bug', 71: 'Operating system error occurred', 73: 'Cannot create output file',
  74: 'I/O error occurred', 75: 'Temporary failure, try again', 76: 'Protocol violated', 77: 'Insufficient privileges', 78: 'Invalid configuration',
  102: 'Not connected', 103: 'Update was older than existing configuration', 104: 'Digest mismatch', 105: 'No such object', 106: 'Quorum required',
  107: 'Operation not safe', 108: 'Requested item already exists', 109: 'Multiple items match request', 124: 'Timeout occurred',
};
export const exitMessage = (code: number) => EXIT_MESSAGES[code] ?? 'Error occurred';

export interface ResultStatus {
  code: number;
  /** Pacemaker's words for the code unless given. */
  message?: string;
  errors?: string[];
}

export const isOutputFormat = (v: string): v is OutputFormat => (OUTPUT_FORMATS as readonly string[]).includes(v);

/** The `--output-as` value, or an error message naming the choices. */
export function parseOutputFormat(value: string): OutputFormat | string {
  return isOutputFormat(value) ? value : `--output-as: "${value}" is not one of ${OUTPUT_FORMATS.join(', ')}`;
}

/** Pacemaker's XML result around `children`. */
export function pacemakerResultXml(request: string, children: XmlElement[], status: ResultStatus): string {
  const errors = status.errors?.length ? [xmlElement('errors', {}, status.errors.map((e) => xmlElement('error', {}, [{ text: e }])))] : [];
  return serializeXml(xmlElement('pacemaker-result', { 'api-version': PCMK_API_VERSION, request }, [...children, xmlElement('status', { code: String(status.code), message: status.message ?? exitMessage(status.code) }, errors)]));
}

/** The JSON result (see above), pretty-printed, with a newline. */
export function jsonResult(command: string, version: number, request: string, data: Record<string, unknown>, status: ResultStatus): string {
  const st = { code: status.code, message: status.message ?? exitMessage(status.code), ...(status.errors?.length ? { errors: status.errors } : {}) };
  return `${JSON.stringify({ 'heartbeat-ts': { command, version }, request, status: st, ...data }, null, 2)}\n`;
}

/** A Pacemaker XML list (`<list name count>` of `<item name>` texts), as its list output makes. */
export function xmlList(name: string, items: string[], itemName?: string): XmlElement {
  return xmlElement('list', { name, count: String(items.length) }, items.map((i) => xmlElement('item', itemName ? { name: itemName } : {}, [{ text: i }])));
}

/** Pacemaker's plain (not fancy) text list: an item a line, then "N nouns found". */
export function textList(items: string[], singular: string, plural: string): string {
  return `${items.map((i) => `${i}\n`).join('')}${items.length} ${items.length === 1 ? singular : plural} found\n`;
}

/**
 * A command's result on stdout in the format asked for: text as the command writes it (its
 * errors on stderr), or the XML or JSON result with the status and errors.
 */
export function writeResult(format: OutputFormat, command: { name: string; version: number; request: string }, out: { text?: string; xml?: XmlElement[]; json?: Record<string, unknown> }, status: ResultStatus): void {
  if (format === 'xml') process.stdout.write(pacemakerResultXml(command.request, out.xml ?? [], status));
  else if (format === 'json') process.stdout.write(jsonResult(command.name, command.version, command.request, out.json ?? {}, status));
  else {
    if (out.text) process.stdout.write(out.text);
    for (const e of status.errors ?? []) process.stderr.write(`${e}\n`);
  }
}
