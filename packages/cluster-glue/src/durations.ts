/**
 * Durations as Pacemaker reads them (op timeout and interval, cluster options): a number with
 * an optional unit — ms/msec, us/usec, s/sec, m/min, h/hr; a bare number is seconds — or an
 * ISO 8601 duration (PT1M30S, P1D). Returns milliseconds, or undefined for text that is not a
 * duration.
 */
const UNIT_MS: Record<string, number> = { ms: 1, msec: 1, us: 0.001, usec: 0.001, s: 1000, sec: 1000, '': 1000, m: 60_000, min: 60_000, h: 3_600_000, hr: 3_600_000 };

export function parseCrmDurationMs(text: string): number | undefined {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?$/i.exec(t);
  if (m) return Math.round(Number(m[1]) * UNIT_MS[(m[2] ?? '').toLowerCase()]!);
  // Pacemaker also takes hours and seconds without the T (P10S).
  const iso = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?|(?:(\d+)H)?(?:(\d+(?:\.\d+)?)S)?)$/.exec(t);
  if (!iso || t === 'P' || t.endsWith('T')) return undefined;
  const n = (i: number) => Number(iso[i] ?? 0);
  const days = n(1) * 365 + n(2) * 30 + n(3) * 7 + n(4);
  return Math.round(((days * 24 + n(5) + n(8)) * 60 + n(6)) * 60_000 + (n(7) + n(9)) * 1000);
}
