/**
 * ISO 8601 as Pacemaker reads and prints it (its iso8601 command, date rules, lifetimes):
 * dates — calendar (2026-11-27, with a time and a zone: T10:00:00Z, " 10:00:00 +02:00"), ordinal
 * (2026-331), week (2026-W48-5) —, durations (P1Y2M3DT4H5M6S, P2W) added the calendar's way (a
 * month after Jan 31 is the last day of February), and periods (start/end, start/duration,
 * duration/end). Pure; times are UTC epoch seconds.
 */

export interface Duration {
  years: number;
  months: number;
  days: number;
  seconds: number;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** A date/time, or undefined if it is none of the forms above. */
export function parseIsoDate(text: string): number | undefined {
  const t = text.trim();
  const m = /^(\d{4})-?(?:W(\d{2})-?(\d)|(\d{3})(?!\d)|(\d{2})-?(\d{2}))(?:[T ](\d{2}):?(\d{2})(?::?(\d{2}(?:\.\d+)?))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(t);
  if (!m) return undefined;
  const year = Number(m[1]);
  let day: number;
  if (m[2] !== undefined) {
    // ISO week: week 1 holds the year's first Thursday; days 1 (Monday) to 7.
    const jan4 = Date.UTC(year, 0, 4) / 86_400_000;
    const jan4Weekday = ((new Date(Date.UTC(year, 0, 4)).getUTCDay() + 6) % 7) + 1;
    const week = Number(m[2]);
    const wd = Number(m[3]);
    if (week < 1 || week > 53 || wd < 1 || wd > 7) return undefined;
    day = jan4 - (jan4Weekday - 1) + (week - 1) * 7 + (wd - 1);
  } else if (m[4] !== undefined) {
    const ord = Number(m[4]);
    if (ord < 1 || ord > (isLeap(year) ? 366 : 365)) return undefined;
    day = Date.UTC(year, 0, 1) / 86_400_000 + ord - 1;
  } else {
    const month = Number(m[5]);
    const dom = Number(m[6]);
    if (month < 1 || month > 12 || dom < 1 || dom > daysIn(year, month)) return undefined;
    day = Date.UTC(year, month - 1, dom) / 86_400_000;
  }
  const h = Number(m[7] ?? 0);
  const min = Number(m[8] ?? 0);
  const s = Math.floor(Number(m[9] ?? 0));
  if (h > 24 || min > 59 || s > 60) return undefined;
  let offset = 0;
  const z = m[10];
  if (z && z !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(z)!;
    offset = (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 3600 + Number(zm[3] ?? 0) * 60);
  }
  return day * 86_400 + h * 3600 + min * 60 + s - offset;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

/** A duration (weeks counted as days), or undefined. */
export function parseIsoDuration(text: string): Duration | undefined {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return { years: n(1), months: n(2), days: n(3) * 7 + n(4), seconds: n(5) * 3600 + n(6) * 60 + n(7) };
}

/**
 * The date a duration after (sign -1: before) another, Pacemaker's way: years keep the day of
 * the year (a year after Feb 29 is Mar 1), months keep the day of the month (clamped: a month
 * after Jan 31 is the last day of February), then days and seconds.
 */
export function addDuration(epochS: number, d: Duration, sign: 1 | -1 = 1): number {
  const t = new Date(epochS * 1000);
  const secondsOfDay = epochS - Math.floor(epochS / 86_400) * 86_400;
  let y = t.getUTCFullYear();
  let mo = t.getUTCMonth() + 1;
  let dom = t.getUTCDate();
  if (d.years) {
    const ordinal = (Date.UTC(y, mo - 1, dom) - Date.UTC(y, 0, 1)) / 86_400_000 + 1;
    y += sign * d.years;
    const at = new Date(Date.UTC(y, 0, Math.min(ordinal, isLeap(y) ? 366 : 365)));
    mo = at.getUTCMonth() + 1;
    dom = at.getUTCDate();
  }
  if (d.months) {
    mo += sign * d.months;
    while (mo > 12) { mo -= 12; y++; }
    while (mo < 1) { mo += 12; y--; }
    dom = Math.min(dom, daysIn(y, mo));
  }
  return Date.UTC(y, mo - 1, dom) / 1000 + secondsOfDay + sign * (d.days * 86_400 + d.seconds);
}

/** A period: its start and end. */
export function parseIsoPeriod(text: string): { start: number; end: number } | undefined {
  const [a, b] = text.split('/');
  if (a === undefined || b === undefined) return undefined;
  const da = parseIsoDate(a);
  const db = parseIsoDate(b);
  if (da !== undefined && db !== undefined) return { start: da, end: db };
  const durB = parseIsoDuration(b);
  if (da !== undefined && durB) return { start: da, end: addDuration(da, durB) };
  const durA = parseIsoDuration(a);
  if (durA && db !== undefined) return { start: addDuration(db, durA, -1), end: db };
  return undefined;
}

export type DateFormat = 'calendar' | 'week' | 'ordinal' | 'epoch' | 'seconds';

/** A date as Pacemaker prints it: "2026-11-27 10:00:00Z" (UTC), the week or ordinal form, or seconds. */
export function formatIsoDate(epochS: number, format: DateFormat = 'calendar'): string {
  if (format === 'epoch') return String(epochS);
  // (Seconds since 0001-01-01, Pacemaker's "seconds".)
  if (format === 'seconds') return String(epochS + 62_135_596_800);
  const t = new Date(epochS * 1000);
  const time = `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}Z`;
  const y = t.getUTCFullYear();
  if (format === 'ordinal') return `${y}-${pad((Date.UTC(y, t.getUTCMonth(), t.getUTCDate()) - Date.UTC(y, 0, 1)) / 86_400_000 + 1, 3)} ${time}`;
  if (format === 'week') {
    const wd = ((t.getUTCDay() + 6) % 7) + 1;
    const thursday = new Date(Date.UTC(y, t.getUTCMonth(), t.getUTCDate() + 4 - wd));
    const wy = thursday.getUTCFullYear();
    const week = Math.floor((thursday.getTime() - Date.UTC(wy, 0, 1)) / 86_400_000 / 7) + 1;
    return `${wy}-W${pad(week)}-${wd} ${time}`;
  }
  return `${y}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${time}`;
}

/** A duration as Pacemaker prints it ("   1 year  2 months  3 days 14706 seconds (4 hours 5 minutes 6 seconds)"). */
export function formatIsoDuration(d: Duration): string {
  const s = (n: number) => (n === 1 ? '' : 's');
  let out = '';
  if (d.years) out += `${String(d.years).padStart(4)} year${s(d.years)} `;
  if (d.months) out += `${String(d.months).padStart(2)} month${s(d.months)} `;
  if (d.days) out += `${String(d.days).padStart(2)} day${s(d.days)} `;
  if ((out === '' || d.seconds !== 0) && d.seconds > -60 && d.seconds < 60) out += `${d.seconds} second${s(d.seconds)}`;
  else if (d.seconds) {
    const h = Math.floor(d.seconds / 3600);
    const m = Math.floor((d.seconds % 3600) / 60);
    const sec = d.seconds % 60;
    out += `${d.seconds} seconds (${[h ? `${h} hour${s(h)}` : '', m ? `${m} minute${s(m)}` : '', sec ? `${sec} second${s(sec)}` : ''].filter(Boolean).join(' ')})`;
  }
  return out;
}
