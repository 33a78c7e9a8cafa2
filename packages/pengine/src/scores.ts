/** Pacemaker's scores: integers where ±1000000 is ±INFINITY, and -INFINITY wins every sum. */
export const INFINITY = 1_000_000;

export function parseScore(text: string | undefined, fallback = 0): number {
  if (text === undefined) return fallback;
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '+infinity') return INFINITY;
  if (t === '-infinity') return -INFINITY;
  const n = Number.parseInt(t, 10);
  if (Number.isNaN(n)) return fallback;
  return Math.max(-INFINITY, Math.min(INFINITY, n));
}

/** a + b with Pacemaker's rules: -INFINITY absorbs, then +INFINITY, then a sum clamped to ±INFINITY. */
export function addScores(a: number, b: number): number {
  if (a <= -INFINITY || b <= -INFINITY) return -INFINITY;
  if (a >= INFINITY || b >= INFINITY) return INFINITY;
  return Math.max(-INFINITY, Math.min(INFINITY, a + b));
}

export function scoreText(n: number): string {
  return n >= INFINITY ? 'INFINITY' : n <= -INFINITY ? '-INFINITY' : String(n);
}
