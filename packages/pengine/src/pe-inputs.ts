/**
 * The scheduler's inputs, kept as Pacemaker keeps them: each transition's CIB as a numbered,
 * compressed file `<stateDir>/pengine/pe-input-N.gz` (gzip where Pacemaker uses bzip2: Node
 * has no bzip2), the last number in `pe-input.last`; at most `pe-input-series-max` of them (the
 * numbers wrap around, overwriting the oldest; 0 keeps none, -1 keeps all). `crm_simulate -x`
 * replays one: how an operator finds out why the cluster did something.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const DEFAULT_SERIES_MAX = 4000;

export class PeInputStore {
  constructor(readonly dir: string) {}

  private lastNumber(): number {
    try {
      const n = Number.parseInt(readFileSync(join(this.dir, 'pe-input.last'), 'utf8'), 10);
      return Number.isFinite(n) && n >= 0 ? n : -1;
    } catch {
      return -1;
    }
  }

  /** Saves a scheduler input; the file written, or undefined when series-max is 0. */
  save(cibXml: string, seriesMax: number = DEFAULT_SERIES_MAX): string | undefined {
    if (seriesMax === 0) return undefined;
    mkdirSync(this.dir, { recursive: true });
    let n = this.lastNumber() + 1;
    if (seriesMax > 0 && n >= seriesMax) n = 0;
    const file = join(this.dir, `pe-input-${n}.gz`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, gzipSync(cibXml));
    renameSync(tmp, file);
    writeFileSync(join(this.dir, 'pe-input.last'), `${n}\n`);
    return file;
  }
}

/** pe-input-series-max as the CIB gives it (a number; -1 for no limit). */
export function seriesMax(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SERIES_MAX;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? (n < 0 ? -1 : n) : DEFAULT_SERIES_MAX;
}
