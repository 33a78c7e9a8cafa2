/**
 * crm_mon's command line, as Pacemaker 2.1's: parsed into what to show (a MonitorView) and how
 * to run (once, live, one line). Pure, so tests read the same flags as the command.
 */
import { parseCrmDurationMs } from '@heartbeat-ts/cluster-glue/client';
import { defaultView, type MonitorView } from './cluster-status.js';
import { applySections, SECTION_HELP } from './crm-mon-sections.js';

export type MonitorFormat = 'text' | 'xml' | 'json';

export interface MonitorArgs {
  oneShot: boolean;
  format: MonitorFormat;
  /** -i: seconds between redraws when live. */
  intervalS: number;
  /** -s: one line for monitoring systems. */
  simple: boolean;
  /** -x FILE: a CIB from a file instead of the cluster (implies -1). */
  xmlFile?: string;
  view: MonitorView;
  /** Whether the fencer is asked at all (fencing sections shown). */
  fencing: boolean;
}

export const MONITOR_USAGE = `Usage: crm_mon [OPTION...]
Application options:
  -1, --one-shot            display the cluster status once and exit
  -i, --interval SECONDS    update frequency when live (default 5; 5s, 1m, 500ms also)
  -s, --simple-status       one line of cluster health for monitoring systems (exit 1 on a warning)
  --output-as text|xml|json the format (xml in Pacemaker's schema, json the same data; both imply -1)
  -x, --xml-file FILE       show the CIB in FILE instead of the cluster's (implies -1)
Display options:
  -I, --include SECTIONS    sections to show (comma-separated; repeatable)
  -U, --exclude SECTIONS    sections to hide
                            sections: ${SECTION_HELP}
  -r, --inactive            show inactive resources too
  -n, --group-by-node       resources under the node they run on
  -f, --failcounts          fail counts ("Migration Summary")
  -o, --operations          operations and fail counts
  -t, --timing-details      operations with their times (with -o)
  -A, --show-node-attributes node attributes
  -L, --neg-locations[=PREFIX]  negative location constraints (bans), those whose id starts with PREFIX
  -c, --tickets             tickets
  -R, --show-detail         failed actions in detail
  -D, --hide-headers        no summary
  -m, --fence-history[=LEVEL] fencing: 0 none, 1 failed and pending (default), 2-3 the whole history
  --root DIR                the runtime root of the node (several nodes on one host)
Exit codes: 0; 1 (-s) the cluster needs attention; 64 usage; 102 the cluster is not running here.
`;

/** Parses crm_mon's arguments (without --root); an error says what is wrong. */
export function parseMonitorArgs(argv: readonly string[]): MonitorArgs | { error: string } | { help: true } {
  let oneShot = false;
  let format: MonitorFormat = 'text';
  let intervalS = 5;
  let simple = false;
  let xmlFile: string | undefined;
  let fenceLevel: number | undefined;
  const user: { how: 'include' | 'exclude'; list: string }[] = [];
  const show = { inactive: false, byNode: false, failedDetail: false, timing: false };
  // Short options may be bundled ("-1rfA"); long ones take "=VALUE" or the next argument.
  const args: string[] = [];
  for (const a of argv) {
    if (/^-[1rnfotALcRDs]{2,}$/.test(a)) for (const c of a.slice(1)) args.push(`-${c}`);
    else args.push(a);
  }
  for (let i = 0; i < args.length; i++) {
    const raw = args[i]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const a = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? args[++i];
    switch (a) {
      case '-1': case '--one-shot': oneShot = true; break;
      case '-s': case '--simple-status': simple = true; oneShot = true; break;
      case '-r': case '--inactive': show.inactive = true; break;
      case '-n': case '--group-by-node': show.byNode = true; break;
      case '-R': case '--show-detail': show.failedDetail = true; break;
      case '-t': case '--timing-details': show.timing = true; user.push({ how: 'include', list: 'operations' }); break;
      case '-f': case '--failcounts': user.push({ how: 'include', list: 'failcounts' }); break;
      case '-o': case '--operations': user.push({ how: 'include', list: 'failcounts,operations' }); break;
      case '-A': case '--show-node-attributes': user.push({ how: 'include', list: 'attributes' }); break;
      case '-c': case '--tickets': user.push({ how: 'include', list: 'tickets' }); break;
      case '-D': case '--hide-headers': user.push({ how: 'exclude', list: 'summary' }); break;
      case '-L': case '--neg-locations': user.push({ how: 'include', list: inline !== undefined ? `bans:${inline}` : 'bans' }); break;
      case '-I': case '--include':
      case '-U': case '--exclude': {
        const v = value();
        if (v === undefined) return { error: `${a} needs a list of sections` };
        user.push({ how: a === '-I' || a === '--include' ? 'include' : 'exclude', list: v });
        break;
      }
      case '-m': case '--fence-history': {
        // (The level is optional: -m alone is 2.)
        let v = inline;
        if (v === undefined && /^\d+$/.test(args[i + 1] ?? '')) v = args[++i];
        fenceLevel = v === undefined ? 2 : Number(v);
        if (!Number.isInteger(fenceLevel) || fenceLevel < 0 || fenceLevel > 3) return { error: `--fence-history: "${v}" is not a level from 0 to 3` };
        break;
      }
      case '-i': case '--interval': {
        const v = value();
        const s = v === undefined ? Number.NaN : (parseCrmDurationMs(v) ?? Number.NaN) / 1000;
        if (!Number.isFinite(s) || s <= 0) return { error: `--interval: "${v ?? ''}" is not an interval (5, 5s, 1m, 500ms)` };
        intervalS = s;
        break;
      }
      case '--output-as': {
        const v = value();
        if (v !== 'text' && v !== 'xml' && v !== 'json') return { error: `--output-as: "${v ?? ''}" is not one of text, xml, json` };
        format = v;
        if (v !== 'text') oneShot = true;
        break;
      }
      case '-x': case '--xml-file': {
        xmlFile = value();
        if (xmlFile === undefined) return { error: `${a} needs a file` };
        oneShot = true;
        break;
      }
      case '-j': case '--pending': case '-V': case '--verbose': case '-Q': case '--quiet': break;
      case '-h': case '--help': return { help: true };
      default: return { error: `unknown or unsupported option ${raw}` };
    }
  }
  const view = defaultView(format);
  // Pacemaker's order: the fencing level first (its internal includes), then the user's lists.
  // (Reading a file, there is no fencer to ask.)
  const level = xmlFile !== undefined ? 0 : fenceLevel ?? 1;
  for (const s of ['fencing-failed', 'fencing-pending', 'fencing-succeeded'] as const) view.sections.delete(s);
  if (level >= 2) view.sections.add('fencing-failed').add('fencing-pending').add('fencing-succeeded');
  else if (level === 1) view.sections.add('fencing-failed').add('fencing-pending');
  const ban: { value?: string } = {};
  for (const u of user) {
    const err = applySections(view.sections, u.how, u.list, format, ban);
    if (err) return { error: err };
  }
  if (ban.value !== undefined) view.banPrefix = ban.value;
  Object.assign(view.show, { ...show, inactive: show.inactive || format !== 'text', timing: show.timing || format !== 'text' });
  const fencing = ['fencing-failed', 'fencing-pending', 'fencing-succeeded'].some((s) => view.sections.has(s as never));
  return { oneShot, format, intervalS, simple, ...(xmlFile !== undefined ? { xmlFile } : {}), view, fencing };
}
