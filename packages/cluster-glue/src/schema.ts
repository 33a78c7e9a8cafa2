/**
 * Runtime schemas for wire messages: each message type is declared once as a schema,
 * its TypeScript type is inferred from it (`Infer<typeof S>`), and every value that
 * crosses a socket is checked with `parse` before a handler sees it.
 *
 * Deliberately small: the shapes our protocols use (objects of scalars, arrays, unions
 * of literals, records) and error messages that name the path of the bad field.
 */

export class SchemaError extends Error {
  readonly code = 'EPROTO_SCHEMA';
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${path || '(message)'}: expected ${expected}, got ${describe(got)}`);
    this.name = 'SchemaError';
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} chars` : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v === 'undefined' ? 'nothing' : `an ${typeof v}`;
}

export interface Schema<T> {
  /** Human description used in error messages, e.g. `integer >= 0`. */
  readonly expected: string;
  /** Returns the value (typed) or throws SchemaError naming `path`. */
  check(value: unknown, path: string): T;
  /** Marks this schema as optional when used as an object property. */
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function parse<T>(schema: Schema<T>, value: unknown, path = ''): T {
  return schema.check(value, path);
}

function make<T>(expected: string, check: (v: unknown, path: string) => T): Schema<T> {
  return { expected, check };
}

export const s = {
  string(opts: { maxLength?: number; minLength?: number; pattern?: RegExp } = {}): Schema<string> {
    const exp = opts.pattern ? `string matching ${opts.pattern}` : 'string';
    return make(exp, (v, p) => {
      if (typeof v !== 'string') throw new SchemaError(p, exp, v);
      if (opts.maxLength !== undefined && v.length > opts.maxLength) throw new SchemaError(p, `string of at most ${opts.maxLength} chars`, v);
      if (opts.minLength !== undefined && v.length < opts.minLength) throw new SchemaError(p, `string of at least ${opts.minLength} chars`, v);
      if (opts.pattern && !opts.pattern.test(v)) throw new SchemaError(p, exp, v);
      return v;
    });
  },

  number(opts: { min?: number; max?: number; integer?: boolean } = {}): Schema<number> {
    const parts = [opts.integer ? 'integer' : 'number'];
    if (opts.min !== undefined) parts.push(`>= ${opts.min}`);
    if (opts.max !== undefined) parts.push(`<= ${opts.max}`);
    const exp = parts.join(' ');
    return make(exp, (v, p) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchemaError(p, exp, v);
      if (opts.integer && !Number.isInteger(v)) throw new SchemaError(p, exp, v);
      if (opts.min !== undefined && v < opts.min) throw new SchemaError(p, exp, v);
      if (opts.max !== undefined && v > opts.max) throw new SchemaError(p, exp, v);
      return v;
    });
  },

  integer(opts: { min?: number; max?: number } = {}): Schema<number> {
    return s.number({ ...opts, integer: true });
  },

  boolean(): Schema<boolean> {
    return make('boolean', (v, p) => {
      if (typeof v !== 'boolean') throw new SchemaError(p, 'boolean', v);
      return v;
    });
  },

  literal<L extends string | number | boolean>(lit: L): Schema<L> {
    const exp = JSON.stringify(lit);
    return make(exp, (v, p) => {
      if (v !== lit) throw new SchemaError(p, exp, v);
      return lit;
    });
  },

  enum<const L extends readonly string[]>(values: L): Schema<L[number]> {
    const exp = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
    const set = new Set<string>(values);
    return make(exp, (v, p) => {
      if (typeof v !== 'string' || !set.has(v)) throw new SchemaError(p, exp, v);
      return v as L[number];
    });
  },

  /** Any JSON value; for payloads that another layer validates (e.g. XML text). */
  unknown(): Schema<unknown> {
    return make('anything', (v) => v);
  },

  array<T>(item: Schema<T>, opts: { maxItems?: number } = {}): Schema<T[]> {
    const exp = `array of ${item.expected}`;
    return make(exp, (v, p) => {
      if (!Array.isArray(v)) throw new SchemaError(p, exp, v);
      if (opts.maxItems !== undefined && v.length > opts.maxItems) throw new SchemaError(p, `at most ${opts.maxItems} items`, v);
      for (let i = 0; i < v.length; i++) item.check(v[i], `${p}[${i}]`);
      return v as T[];
    });
  },

  record<T>(value: Schema<T>): Schema<Record<string, T>> {
    const exp = `object of ${value.expected}`;
    return make(exp, (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(p, exp, v);
      for (const [k, x] of Object.entries(v)) value.check(x, p ? `${p}.${k}` : k);
      return v as Record<string, T>;
    });
  },

  /**
   * An object with known properties. Unknown properties are rejected, so a typo in a
   * field name is an error rather than a silently ignored value.
   */
  object<P extends Record<string, Schema<unknown>>>(props: P): Schema<ObjectOf<P>> {
    const keys = Object.keys(props);
    return make('object', (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(p, 'object', v);
      const rec = v as Record<string, unknown>;
      for (const k of keys) {
        const sch = props[k]!;
        const x = rec[k];
        if (x === undefined) {
          if (!sch.optional) throw new SchemaError(p ? `${p}.${k}` : k, sch.expected, undefined);
          continue;
        }
        sch.check(x, p ? `${p}.${k}` : k);
      }
      for (const k of Object.keys(rec)) {
        if (!(k in props)) throw new SchemaError(p ? `${p}.${k}` : k, 'no such field', rec[k]);
      }
      return v as ObjectOf<P>;
    });
  },

  optional<T>(inner: Schema<T>): Schema<T | undefined> {
    return { expected: inner.expected, optional: true, check: (v, p) => (v === undefined ? undefined : inner.check(v, p)) };
  },

  nullable<T>(inner: Schema<T>): Schema<T | null> {
    const exp = `${inner.expected} or null`;
    return make(exp, (v, p) => (v === null ? null : inner.check(v, p)));
  },

  /** Tries each member in turn; the error lists every alternative. */
  union<M extends Schema<unknown>[]>(...members: M): Schema<Infer<M[number]>> {
    const exp = members.map((m) => m.expected).join(' | ');
    return make(exp, (v, p) => {
      for (const m of members) {
        try {
          return m.check(v, p) as Infer<M[number]>;
        } catch (e) {
          if (!(e instanceof SchemaError)) throw e;
        }
      }
      throw new SchemaError(p, exp, v);
    });
  },
};

type OptionalKeys<P> = { [K in keyof P]: P[K] extends { optional: true } ? K : undefined extends Infer<P[K]> ? K : never }[keyof P];
type RequiredKeys<P> = Exclude<keyof P, OptionalKeys<P>>;
export type ObjectOf<P extends Record<string, Schema<unknown>>> = {
  [K in RequiredKeys<P>]: Infer<P[K]>;
} & {
  [K in OptionalKeys<P>]?: Infer<P[K]>;
} extends infer O
  ? { [K in keyof O]: O[K] }
  : never;
