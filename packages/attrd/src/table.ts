/**
 * The attribute table every attribute daemon keeps (the same on every node, kept in step by
 * cluster messages): per attribute, its lifetime (`reboot`: transient, in the CIB status;
 * `forever`: in the node's configuration), its dampening and its value on each node.
 * Pure.
 */
export type Lifetime = 'reboot' | 'forever';

export interface Attribute {
  name: string;
  lifetime: Lifetime;
  dampenMs: number;
  /** node → value */
  values: Map<string, string>;
}

const INFINITY = 1_000_000;

/**
 * A new value as attrd takes it: `value++` adds one to the current value, `value+=N` adds N
 * (a missing or non-numeric current value counts as 0; INFINITY stays INFINITY); anything else is
 * the value itself.
 */
export function expandValue(raw: string, current: string | undefined): string {
  const m = /^([A-Za-z_][\w-]*)(\+\+|\+=(-?\d+|INFINITY))$/.exec(raw);
  if (!m) return raw;
  const cur = current === undefined ? 0 : /^\+?INFINITY$/i.test(current) ? INFINITY : Number.parseInt(current, 10) || 0;
  const add = m[2] === '++' ? 1 : /INFINITY/i.test(m[3]!) ? INFINITY : Number(m[3]);
  const sum = Math.min(INFINITY, cur + add);
  return sum >= INFINITY ? 'INFINITY' : String(sum);
}

export class AttributeTable {
  private readonly attrs = new Map<string, Attribute>();

  get(name: string): Attribute | undefined {
    return this.attrs.get(name);
  }

  all(): Attribute[] {
    return [...this.attrs.values()];
  }

  /** Sets (or with value undefined, removes) a node's value; whether anything changed. */
  set(name: string, node: string, value: string | undefined, opts: { lifetime?: Lifetime; dampenMs?: number } = {}): boolean {
    let a = this.attrs.get(name);
    if (!a) {
      if (value === undefined) return false;
      a = { name, lifetime: opts.lifetime ?? 'reboot', dampenMs: opts.dampenMs ?? 0, values: new Map() };
      this.attrs.set(name, a);
    }
    if (opts.lifetime) a.lifetime = opts.lifetime;
    if (opts.dampenMs !== undefined) a.dampenMs = opts.dampenMs;
    const before = a.values.get(node);
    if (value === undefined) a.values.delete(node);
    else a.values.set(node, value);
    return before !== value;
  }

  /** Forgets a node's transient values (it left: they go with it); the attributes that changed. */
  dropNode(node: string): string[] {
    const changed: string[] = [];
    for (const a of this.attrs.values()) if (a.lifetime === 'reboot' && a.values.delete(node)) changed.push(a.name);
    return changed;
  }

  /** The table as a cluster message carries it. */
  toJSON(): { name: string; lifetime: Lifetime; dampenMs: number; values: Record<string, string> }[] {
    return this.all().map((a) => ({ name: a.name, lifetime: a.lifetime, dampenMs: a.dampenMs, values: Object.fromEntries(a.values) }));
  }

  /** Takes another's table: its values win, ours for nodes it does not know stay. */
  merge(entries: ReturnType<AttributeTable['toJSON']>): string[] {
    const changed: string[] = [];
    for (const e of entries) for (const [node, v] of Object.entries(e.values)) if (this.set(e.name, node, v, { lifetime: e.lifetime, dampenMs: e.dampenMs })) changed.push(e.name);
    return [...new Set(changed)];
  }
}
