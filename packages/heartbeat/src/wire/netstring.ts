/**
 * heartbeat's netstring encoding (the one 3.0.6 puts on the wire): "###\n", then each field
 * as a netstring "LEN:(TYPE)name=value," (LEN = byte length of "(TYPE)name=value"), then
 * "%%%\n"; on the wire an authentication trailer follows, itself a netstring
 * "LEN:KEYINDEX HEX,". Binary values are raw bytes; a nested message is its own netstring
 * encoding (without trailer); a list is packed "len:item,".
 */
import { packList, unpackList } from './classic.js';
import { type Field, FieldType, HaMessage, WireFormatError } from './ha-message.js';

export const NETSTRING_START = Buffer.from('###\n');
export const NETSTRING_END = Buffer.from('%%%\n');
const MAX_DEPTH = 16;

function valueBytes(f: Field, depth: number): Buffer {
  switch (f.type) {
    case FieldType.String:
      return Buffer.from(f.value, 'utf8');
    case FieldType.Binary:
    case FieldType.Compress:
      return f.value;
    case FieldType.Struct:
    case FieldType.Uncompress:
      if (depth + 1 >= MAX_DEPTH) throw new WireFormatError('messages nested too deeply');
      return encodeNetstringBody(f.value, depth + 1);
    case FieldType.List:
      return Buffer.from(packList(f.value), 'utf8');
  }
}

/** "###\n" fields "%%%\n", without the authentication trailer. */
export function encodeNetstringBody(m: HaMessage, depth = 0): Buffer {
  const parts: Buffer[] = [NETSTRING_START];
  for (const f of m.fields) {
    const t = f.type === FieldType.Uncompress ? FieldType.Struct : f.type;
    const head = Buffer.from(`(${t})${f.name}=`, 'utf8');
    const val = valueBytes(f, depth);
    parts.push(Buffer.from(`${head.length + val.length}:`), head, val, Buffer.from(','));
  }
  parts.push(NETSTRING_END);
  return Buffer.concat(parts);
}

/** One netstring at `pos`: returns its payload's bounds and the position after the ",". */
export function peelNetstring(buf: Buffer, pos: number): { start: number; end: number; next: number } {
  let i = pos;
  let len = 0;
  const first = i;
  while (i < buf.length && buf[i]! >= 0x30 && buf[i]! <= 0x39) {
    len = len * 10 + (buf[i]! - 0x30);
    i++;
    if (i - first > 9) throw new WireFormatError(`netstring length too long at byte ${pos}`);
  }
  if (i === first) throw new WireFormatError(`expected a netstring length at byte ${pos}`);
  if (buf[i] !== 0x3a) throw new WireFormatError(`expected ":" after netstring length at byte ${i}`);
  const start = i + 1;
  const end = start + len;
  if (end >= buf.length) throw new WireFormatError(`netstring at byte ${pos} runs past the end (length ${len})`);
  if (buf[end] !== 0x2c) throw new WireFormatError(`netstring at byte ${pos} not terminated by ","`);
  return { start, end, next: end + 1 };
}

/** Decodes "###\n...%%%\n" at `pos`; returns the message and the position after "%%%\n". */
export function decodeNetstringBody(buf: Buffer, pos = 0, depth = 0): { msg: HaMessage; end: number } {
  if (depth >= MAX_DEPTH) throw new WireFormatError('messages nested too deeply');
  if (buf.length - pos < 8 || !buf.subarray(pos, pos + 4).equals(NETSTRING_START)) throw new WireFormatError('netstring message does not start with "###"');
  const m = new HaMessage();
  let i = pos + 4;
  for (;;) {
    if (i + 4 <= buf.length && buf.subarray(i, i + 4).equals(NETSTRING_END)) return { msg: m, end: i + 4 };
    if (i >= buf.length) throw new WireFormatError('netstring message has no "%%%" end');
    const { start, end, next } = peelNetstring(buf, i);
    m.add(fieldFromPair(buf, start, end, depth));
    i = next;
  }
}

function fieldFromPair(buf: Buffer, start: number, end: number, depth: number): Field {
  if (end - start < 4 || buf[start] !== 0x28 || buf[start + 2] !== 0x29) throw new WireFormatError(`field at byte ${start} lacks its "(TYPE)" prefix`);
  const type = buf[start + 1]! - 0x30;
  const eq = buf.indexOf(0x3d, start + 3);
  if (eq < 0 || eq >= end || eq === start + 3) throw new WireFormatError(`field at byte ${start} has no "name="`);
  const name = buf.toString('utf8', start + 3, eq);
  const val = buf.subarray(eq + 1, end);
  switch (type) {
    case FieldType.String:
      return { name, type, value: val.toString('utf8') };
    case FieldType.Binary:
    case FieldType.Compress:
      return { name, type, value: Buffer.from(val) };
    case FieldType.Struct:
    case FieldType.Uncompress: {
      const { msg, end: e } = decodeNetstringBody(val, 0, depth + 1);
      if (e !== val.length) throw new WireFormatError(`field ${name}: trailing bytes after nested message`);
      return { name, type: FieldType.Struct, value: msg };
    }
    case FieldType.List:
      return { name, type, value: unpackList(val.toString('utf8')) };
    default:
      throw new WireFormatError(`field ${name}: unknown field type ${type}`);
  }
}
