/**
 * A heartbeat message (what heartbeat 3 calls `struct ha_msg`): an ordered list of named,
 * typed fields. Order matters on the wire and for authentication. Field types are those of
 * heartbeat 3.0.6: 0 string, 1 binary, 2 nested message, 3 list of strings, 4 compressed
 * payload (binary), 5 uncompressed nested message (sent as type 2's encoding).
 */

export const enum FieldType {
  String = 0,
  Binary = 1,
  Struct = 2,
  List = 3,
  Compress = 4,
  Uncompress = 5,
}

export type Field =
  | { name: string; type: FieldType.String; value: string }
  | { name: string; type: FieldType.Binary | FieldType.Compress; value: Buffer }
  | { name: string; type: FieldType.Struct | FieldType.Uncompress; value: HaMessage }
  | { name: string; type: FieldType.List; value: string[] };

export class HaMessage {
  readonly fields: Field[] = [];

  static of(pairs: Record<string, string | number>): HaMessage {
    const m = new HaMessage();
    for (const [k, v] of Object.entries(pairs)) m.set(k, typeof v === 'number' ? v.toString(16) : v);
    return m;
  }

  get size(): number {
    return this.fields.length;
  }

  /** The string value of a field (first of that name), or undefined. */
  get(name: string): string | undefined {
    const f = this.fields.find((x) => x.name === name);
    return f && f.type === FieldType.String ? f.value : undefined;
  }

  getField(name: string): Field | undefined {
    return this.fields.find((x) => x.name === name);
  }

  getBinary(name: string): Buffer | undefined {
    const f = this.fields.find((x) => x.name === name);
    return f && (f.type === FieldType.Binary || f.type === FieldType.Compress) ? f.value : undefined;
  }

  getStruct(name: string): HaMessage | undefined {
    const f = this.fields.find((x) => x.name === name);
    return f && (f.type === FieldType.Struct || f.type === FieldType.Uncompress) ? f.value : undefined;
  }

  getList(name: string): string[] | undefined {
    const f = this.fields.find((x) => x.name === name);
    return f && f.type === FieldType.List ? f.value : undefined;
  }

  /** Hex integer field (seq, hg, ts, ackseq...), as heartbeat writes them. */
  getHex(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined || !/^[0-9a-fA-F]{1,13}$/.test(v)) return undefined;
    return parseInt(v, 16);
  }

  /** Sets a string field: replaces the first of that name in place, else appends. */
  set(name: string, value: string): this {
    return this.put({ name, type: FieldType.String, value });
  }

  setBinary(name: string, value: Buffer): this {
    return this.put({ name, type: FieldType.Binary, value });
  }

  setStruct(name: string, value: HaMessage): this {
    return this.put({ name, type: FieldType.Struct, value });
  }

  setList(name: string, value: string[]): this {
    return this.put({ name, type: FieldType.List, value });
  }

  put(field: Field): this {
    const i = this.fields.findIndex((x) => x.name === field.name);
    if (i >= 0) this.fields[i] = field;
    else this.fields.push(field);
    return this;
  }

  /** Appends even if a field of that name exists (heartbeat allows duplicates). */
  add(field: Field): this {
    this.fields.push(field);
    return this;
  }

  delete(name: string): this {
    const i = this.fields.findIndex((x) => x.name === name);
    if (i >= 0) this.fields.splice(i, 1);
    return this;
  }

  /** A plain object of the string fields, for logs and tests. */
  toObject(): Record<string, string> {
    const o: Record<string, string> = {};
    for (const f of this.fields) {
      if (f.type === FieldType.String) o[f.name] = f.value;
      else if (f.type === FieldType.Binary || f.type === FieldType.Compress) o[f.name] = `<${f.value.length} bytes>`;
      else if (f.type === FieldType.List) o[f.name] = f.value.join(',');
      else o[f.name] = '<message>';
    }
    return o;
  }
}

/** Raised for bytes that are not a valid heartbeat message; the caller drops and counts. */
export class WireFormatError extends Error {
  readonly code = 'EWIRE';
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}
