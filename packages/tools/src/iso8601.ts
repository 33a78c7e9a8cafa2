#!/usr/bin/env node
/**
 * iso8601 — Pacemaker's date tool: parse and print ISO 8601 dates, durations and periods, as
 * rules and lifetimes read them (see iso8601-time.ts).
 *   -n, --now                 the current date/time
 *   -d, --date DATE           a date/time (calendar, ordinal 2026-331, week 2026-W48-5; a zone)
 *   -p, --period PERIOD       start/end, start/duration or duration/end
 *   -D, --duration DURATION   a duration (P1Y2M3DT4H5M6S, P2W); with -d, when it ends
 *   -E, --expected DATE       exit 1 unless the date computed (-d, or its end with -D) is this one
 *   -s, --seconds / -S, --epoch / -W, --week / -O, --ordinal   how dates are printed
 * Exit codes: 0; 1 not the expected date; 2 an invalid date, duration or period (as Pacemaker); 64 usage.
 */
import { addDuration, type DateFormat, formatIsoDate, formatIsoDuration, parseIsoDate, parseIsoDuration, parseIsoPeriod } from './iso8601-time.js';

const usage = `Usage: iso8601 (-n | -d DATE [-D DURATION] | -p PERIOD | -D DURATION) [-E DATE] [-s|-S|-W|-O]
  -n, --now                  display the current date/time
  -d, --date DATE            parse an ISO 8601 date/time (e.g. 2026-11-27T10:00:00Z, 2026-331, 2026-W48-5)
  -p, --period PERIOD        parse a period (start/end, start/duration, duration/end)
  -D, --duration DURATION    parse a duration (e.g. P1Y2M3DT4H5M6S); with -d, when it ends
  -E, --expected DATE        exit 1 unless the computed date is this one
  -s, --seconds              dates as seconds since 0001-01-01
  -S, --epoch                dates as seconds since 1970-01-01
  -W, --week                 dates in the week form
  -O, --ordinal              dates in the ordinal form
`;
const argv = process.argv.slice(2);
let now = false;
let date: string | undefined;
let period: string | undefined;
let duration: string | undefined;
let expected: string | undefined;
let format: DateFormat = 'calendar';
const fail = (msg: string, code: number): never => {
  process.stderr.write(`iso8601: ${msg}\n`);
  process.exit(code);
};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const eq = a.startsWith('--') ? a.indexOf('=') : -1;
  const name = eq > 0 ? a.slice(0, eq) : a;
  const value = () => (eq > 0 ? a.slice(eq + 1) : (argv[++i] ?? fail(`${name} needs a value\n${usage}`, 64)));
  switch (name) {
    case '-n': case '--now': now = true; break;
    case '-d': case '--date': date = value(); break;
    case '-p': case '--period': period = value(); break;
    case '-D': case '--duration': duration = value(); break;
    case '-E': case '--expected': expected = value(); break;
    case '-s': case '--seconds': format = 'seconds'; break;
    case '-S': case '--epoch': format = 'epoch'; break;
    case '-W': case '--week': format = 'week'; break;
    case '-O': case '--ordinal': format = 'ordinal'; break;
    case '-L': case '--local': case '-V': case '--verbose': break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown option ${a}\n${usage}`, 64);
  }
}
if (!now && date === undefined && period === undefined && duration === undefined) fail(`give -n, -d, -p or -D\n${usage}`, 64);

let computed: number | undefined;
if (now) {
  computed = Math.floor(Date.now() / 1000);
  process.stdout.write(`Current date/time: ${formatIsoDate(computed, format)}\n`);
}
if (date !== undefined) {
  const t = parseIsoDate(date);
  if (t === undefined) fail(`Invalid date/time specified: ${date}`, 2);
  computed = t!;
  process.stdout.write(`Date: ${formatIsoDate(t!, format)}\n`);
}
if (duration !== undefined) {
  const d = parseIsoDuration(duration);
  if (!d) fail(`Invalid interval specified: ${duration}`, 2);
  process.stdout.write(`Duration: ${formatIsoDuration(d!)}\n`);
  if (computed !== undefined) {
    computed = addDuration(computed, d!);
    process.stdout.write(`Duration ends at: ${formatIsoDate(computed, format)}\n`);
  }
}
if (period !== undefined) {
  const p = parseIsoPeriod(period);
  if (!p) fail(`Invalid interval specified: ${period}`, 2);
  process.stdout.write(`Period: ${formatIsoDate(p!.start, format)} to ${formatIsoDate(p!.end, format)}\n`);
}
if (expected !== undefined) {
  const want = parseIsoDate(expected);
  if (want === undefined) fail(`Invalid date/time specified: ${expected}`, 2);
  if (computed !== want) process.exit(1);
}
