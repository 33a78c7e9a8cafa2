/** Time values as heartbeat reads them: "2" and "1.5" are seconds; "500ms", "2s", "250000us" have units. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|us)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms':
      return Math.round(n);
    case 'us':
      return Math.round(n / 1000);
    default:
      return Math.round(n * 1000);
  }
}
