/**
 * heartbeat's classic text encoding: ">>>\n" + one "name=value\n" line per field + "<<<\n".
 * Non-string fields carry their type before the name: "(1)srcuuid=<base64>". Newlines inside
 * a string become byte 19; a nested message is its own classic text with its newlines turned
 * into byte 20 + depth (then 15..18 past depth 11), as heartbeat 3.0.6 does. A list is packed
 * as "len:item," pairs.
 *
 * The same text without the ">>>"/"<<<" lines and without the `auth` field is what the `auth`
 * field's HMAC is computed over.
 */
import { type Field, FieldType, HaMessage, WireFormatError } from './ha-message.js';

export const CLASSIC_START = '>>>\n';
export const CLASSIC_END = '<<<\n';
const STRING_NL = 19;
const NESTED_NL = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 15, 16, 17, 18];
const MAX_DEPTH = NESTED_NL.length;

export function packList(items: string[]): string {
  return items.map((s) => `${Buffer.byteLength(s)}:${s},`).join('');
}

export function unpackList(packed: string): string[] {
  const out: string[] = [];
  const buf = Buffer.from(packed, 'utf8');
  let i = 0;
  while (i < buf.length) {
    const colon = buf.indexOf(0x3a, i);
    if (colon < 0) throw new WireFormatError('list item without length');
    const lenText = buf.toString('latin1', i, colon);
    if (!/^\d+$/.test(lenText)) throw new WireFormatError(`bad list item length "${lenText}"`);
    const len = Number(lenText);
    const end = colon + 1 + len;
    if (end >= buf.length || buf[end] !== 0x2c) throw new WireFormatError('list item not terminated by ","');
    out.push(buf.toString('utf8', colon + 1, end));
    i = end + 1;
  }
  return out;
}

function replaceByte(s: string, from: number, to: number): string {
  return s.split(String.fromCharCode(from)).join(String.fromCharCode(to));
}

function fieldValueText(f: Field, depth: number): string {
  switch (f.type) {
    case FieldType.String:
      if (f.value.includes(String.fromCharCode(STRING_NL))) throw new WireFormatError(`field ${f.name}: value contains byte 19, which the classic format reserves`);
      return replaceByte(f.value, 10, STRING_NL);
    case FieldType.Binary:
    case FieldType.Compress:
      return f.value.toString('base64');
    case FieldType.Struct:
    case FieldType.Uncompress: {
      if (depth + 1 >= MAX_DEPTH) throw new WireFormatError('messages nested too deeply');
      const sym = NESTED_NL[depth]!;
      const inner = encodeClassicText(f.value, true, depth + 1);
      if (inner.includes(String.fromCharCode(sym))) throw new WireFormatError(`field ${f.name}: nested text contains reserved byte ${sym}`);
      return replaceByte(inner, 10, sym);
    }
    case FieldType.List:
      return packList(f.value);
  }
}

/** Classic text of a message; `withHead` false gives the text the auth field signs (no auth field). */
export function encodeClassicText(m: HaMessage, withHead = true, depth = 0): string {
  let out = withHead ? CLASSIC_START : '';
  for (const f of m.fields) {
    if (!withHead && f.name === 'auth') continue;
    const t = f.type === FieldType.Uncompress ? FieldType.Struct : f.type;
    out += `${t === FieldType.String ? '' : `(${t})`}${f.name}=${fieldValueText(f, depth)}\n`;
  }
  return withHead ? out + CLASSIC_END : out;
}

/** Decodes classic text (">>>\n...<<<\n", optionally followed by a NUL). */
export function decodeClassic(text: string, depth = 0): HaMessage {
  if (!text.startsWith(CLASSIC_START)) throw new WireFormatError('classic message does not start with ">>>"');
  const end = text.indexOf(`\n${CLASSIC_END}`, CLASSIC_START.length - 1);
  if (end < 0) throw new WireFormatError('classic message has no "<<<" end line');
  const body = text.slice(CLASSIC_START.length, end + 1);
  const m = new HaMessage();
  for (const line of body.split('\n')) {
    if (line === '') continue;
    let type = FieldType.String as FieldType;
    let rest = line;
    const tm = /^\((\d)\)/.exec(line);
    if (tm) {
      type = Number(tm[1]) as FieldType;
      rest = line.slice(3);
    }
    const eq = rest.indexOf('=');
    if (eq <= 0) throw new WireFormatError(`classic line without "name=": ${JSON.stringify(line.slice(0, 40))}`);
    const name = rest.slice(0, eq);
    const value = rest.slice(eq + 1);
    m.add(classicField(name, type, value, depth));
  }
  return m;
}

function classicField(name: string, type: FieldType, value: string, depth: number): Field {
  switch (type) {
    case FieldType.String:
      return { name, type, value: replaceByte(value, STRING_NL, 10) };
    case FieldType.Binary:
    case FieldType.Compress:
      if (!/^[A-Za-z0-9+/]*=*$/.test(value)) throw new WireFormatError(`field ${name}: bad base64`);
      return { name, type, value: Buffer.from(value, 'base64') };
    case FieldType.Struct:
    case FieldType.Uncompress: {
      if (depth + 1 >= MAX_DEPTH) throw new WireFormatError('messages nested too deeply');
      return { name, type: FieldType.Struct, value: decodeClassic(replaceByte(value, NESTED_NL[depth]!, 10), depth + 1) };
    }
    case FieldType.List:
      return { name, type, value: unpackList(value) };
    default:
      throw new WireFormatError(`field ${name}: unknown field type ${type as number}`);
  }
}
