#!/usr/bin/env node
/**
 * crm_ticket — Pacemaker's tickets (multi-site clusters: resources that depend on a ticket run
 * only where it is granted, see rsc_ticket): their state in the CIB status
 * (`<tickets><ticket_state id granted last-granted standby .../>`).
 *   -l, --info / -L, --details / -w, --raw    list them (state; every attribute; the ids)
 *   -q, --query-xml                           the tickets' XML
 *   -c, --constraints [-t T]                  the rsc_ticket constraints (of T)
 *   -t, --ticket T with:
 *     -g, --grant / -r, --revoke  (need --force: this command cannot know what other sites did)
 *     -s, --standby / -a, --activate
 *     -G, --get-attr NAME / -S, --set-attr NAME -v VALUE / -D, --delete-attr NAME
 *     -C, --cleanup               forget the ticket's state (revoked tickets only, or --force)
 * Exit codes: 0; 4 --force needed; 64 usage; 102 no cluster here; 105 no such ticket or attribute.
 */
import { Cib, connectCib } from '@heartbeat-ts/cib/client';
import { commandOptions, elements, EXIT, isOutputFormat, type OutputFormat, parseOutputFormat, serializeXml, takeRootOption, writeResult, type XmlElement, xmlElement } from '@heartbeat-ts/cluster-glue/client';
import { clusterOrExit, failWith } from './cli.js';
import { ctime } from './cluster-status.js';

const usage = `Usage: crm_ticket (-l | -L | -w | -q | -c | -t TICKET COMMAND) [--force] [--output-as text|xml|json]
  -l, --info               the tickets and their state
  -L, --details            with every attribute
  -w, --raw                their ids
  -q, --query-xml          the tickets' XML
  -c, --constraints        the rsc_ticket constraints (of -t TICKET)
  -t, --ticket TICKET      the ticket, for:
  -g, --grant              grant it here (--force)
  -r, --revoke             revoke it (--force)
  -s, --standby            put it in standby (what depends on it stops)
  -a, --activate           out of standby
  -G, --get-attr NAME      an attribute of its state
  -S, --set-attr NAME      set it to -v VALUE
  -D, --delete-attr NAME   delete it
  -C, --cleanup            forget its state (a granted ticket needs --force)
  -f, --force              do it even though this site cannot check the others
  --root DIR               the runtime root of the node
`;
const fail = failWith('crm_ticket');
const { root, rest } = takeRootOption(process.argv.slice(2));
let command: string | undefined;
let ticket: string | undefined;
let attr: string | undefined;
let value: string | undefined;
let force = false;
let format: OutputFormat = 'text';
for (const { name: a, value: v } of commandOptions(rest, (o) => fail(`${o} needs a value\n${usage}`, EXIT.USAGE))) {
  switch (a) {
    case '-l': case '--info': command = 'info'; break;
    case '-L': case '--details': command = 'details'; break;
    case '-w': case '--raw': command = 'raw'; break;
    case '-q': case '--query-xml': command = 'xml'; break;
    case '-c': case '--constraints': command = 'constraints'; break;
    case '-t': case '--ticket': ticket = v(); break;
    case '-g': case '--grant': command = 'grant'; break;
    case '-r': case '--revoke': command = 'revoke'; break;
    case '-s': case '--standby': command = 'standby'; break;
    case '-a': case '--activate': command = 'activate'; break;
    case '-G': case '--get-attr': command = 'get'; attr = v(); break;
    case '-S': case '--set-attr': command = 'set'; attr = v(); break;
    case '-D': case '--delete-attr': command = 'delete'; attr = v(); break;
    case '-v': case '--attr-value': value = v(); break;
    case '-C': case '--cleanup': command = 'cleanup'; break;
    case '-f': case '--force': force = true; break;
    case '--output-as': {
      const f = parseOutputFormat(v());
      if (!isOutputFormat(f)) fail(f, EXIT.USAGE);
      format = f as OutputFormat;
      break;
    }
    case '-V': case '--verbose': case '-Q': case '--quiet': break;
    case '-h': case '--help': process.stdout.write(usage); process.exit(0); break;
    default: fail(`unknown or unsupported option ${a}\n${usage}`, EXIT.USAGE);
  }
}
if (!command) fail(`give a command\n${usage}`, EXIT.USAGE);
const perTicket = ['grant', 'revoke', 'standby', 'activate', 'get', 'set', 'delete', 'cleanup'];
if (perTicket.includes(command!) && !ticket) fail(`-t TICKET is needed for that\n${usage}`, EXIT.USAGE);
if (command === 'set' && value === undefined) fail('--set-attr needs -v VALUE', EXIT.USAGE);

/** The status section's ticket states. */
const states = (cib: Cib): XmlElement[] => elements(elements(cib.section('status') ?? xmlElement('status', {}), 'tickets')[0] ?? xmlElement('tickets', {}), 'ticket_state');
/** The tickets: those with a state, and those constraints name (revoked until granted). */
function tickets(cib: Cib): XmlElement[] {
  const out = [...states(cib)];
  for (const c of elements(cib.section('constraints') ?? xmlElement('constraints', {}), 'rsc_ticket')) {
    const t = c.attrs.ticket;
    if (t && !out.some((s) => s.attrs.id === t)) out.push(xmlElement('ticket_state', { id: t, granted: 'false' }));
  }
  return out.sort((a, b) => (a.attrs.id ?? '').localeCompare(b.attrs.id ?? ''));
}
const stateText = (s: XmlElement) => `${s.attrs.granted === 'true' ? 'granted' : 'revoked'}${s.attrs.standby === 'true' ? ' [standby]' : ''}`;
const when = (v: string | undefined) => (v && /^\d+$/.test(v) ? ctime(new Date(Number(v) * 1000)) : (v ?? ''));

const client = await clusterOrExit('crm_ticket', () => connectCib('crm_ticket', root));
try {
  const cib = Cib.parse((await client.request('query', {})).xml, 'the CIB');
  const put = async (attrs: Record<string, string>) => {
    const xml = xmlElement('status', {}, [xmlElement('tickets', {}, [xmlElement('ticket_state', { id: ticket!, ...attrs })])]);
    await client.request('modify', { section: 'status', xml: serializeXml(xml) });
  };
  const own = () => states(cib).find((s) => s.attrs.id === ticket);
  const cmd = { name: 'crm_ticket', version: 1, request: ['crm_ticket', ...process.argv.slice(2)].join(' ') };
  if (format !== 'text' && (command === 'info' || command === 'details' || command === 'raw')) {
    // (The tickets as crm_mon's XML has them: <tickets><ticket id status standby last-granted?/>.)
    const list = tickets(cib).map((t) => ({ id: t.attrs.id ?? '', status: t.attrs.granted === 'true' ? 'granted' : 'revoked', standby: t.attrs.standby === 'true', ...(t.attrs['last-granted'] ? { 'last-granted': when(t.attrs['last-granted']) } : {}) }));
    writeResult(format, cmd, { xml: [xmlElement('tickets', {}, list.map((t) => xmlElement('ticket', { ...t, standby: String(t.standby) })))], json: { tickets: list } }, { code: 0 });
    command = 'done';
  }
  if (format !== 'text' && command === 'get') {
    const v = own()?.attrs[attr!] ?? (attr === 'granted' ? 'false' : undefined);
    if (v === undefined) fail(`Could not get '${attr}' of ticket '${ticket}': No such device or address`, EXIT.NOSUCH);
    writeResult(format, cmd, { xml: [xmlElement('attribute', { name: attr!, value: v! })], json: { ticket, attribute: { name: attr, value: v } } }, { code: 0 });
    command = 'done';
  }
  switch (command) {
    case 'info':
      for (const s of tickets(cib)) process.stdout.write(`${s.attrs.id}\t${stateText(s).padEnd(17)}${s.attrs['last-granted'] ? ` last-granted='${when(s.attrs['last-granted'])}'` : ''}\n`);
      break;
    case 'details':
      for (const s of tickets(cib)) {
        const attrs = Object.entries(s.attrs).filter(([k]) => k !== 'id').map(([k, v]) => (k === 'last-granted' ? `${k}='${when(v)}'` : `${k}=${v}`));
        process.stdout.write(`${s.attrs.id}\t${stateText(s).padEnd(17)} (${attrs.join(', ')})\n`);
      }
      break;
    case 'raw':
      for (const s of tickets(cib)) process.stdout.write(`${s.attrs.id}\n`);
      break;
    case 'xml':
      process.stdout.write(serializeXml(xmlElement('tickets', {}, ticket ? states(cib).filter((s) => s.attrs.id === ticket) : states(cib))));
      break;
    case 'constraints': {
      const cons = elements(cib.section('constraints') ?? xmlElement('constraints', {}), 'rsc_ticket').filter((c) => !ticket || c.attrs.ticket === ticket);
      process.stdout.write(serializeXml(xmlElement('constraints', {}, cons)));
      break;
    }
    case 'grant':
    case 'revoke':
      if (!force) {
        // (Pacemaker: the explanation on stdout, the error on stderr.)
        process.stdout.write(`This command cannot help you verify whether '${ticket}' has been already ${command === 'grant' ? 'granted' : 'revoked'} elsewhere.\nIf you really want to ${command} '${ticket}' ${command === 'grant' ? 'to' : 'from'} this site now, and you know what you are doing,\nplease specify --force.\n`);
        fail('Ticket modification not allowed', EXIT.INSUFFICIENT_PRIV);
      }
      await put(command === 'grant' ? { granted: 'true', 'last-granted': String(Math.floor(Date.now() / 1000)) } : { granted: 'false' });
      break;
    case 'standby':
    case 'activate':
      await put({ standby: command === 'standby' ? 'true' : 'false' });
      break;
    case 'get': {
      const v = own()?.attrs[attr!] ?? (attr === 'granted' ? 'false' : undefined);
      if (v === undefined) fail(`Could not get '${attr}' of ticket '${ticket}': No such device or address`, EXIT.NOSUCH);
      process.stdout.write(`${v}\n`);
      break;
    }
    case 'set':
      if (attr === 'granted' && !force) fail(`Setting 'granted' needs --force (use --grant/--revoke)`, EXIT.INSUFFICIENT_PRIV);
      await put({ [attr!]: value! });
      break;
    case 'delete': {
      const s = own();
      if (!s || s.attrs[attr!] === undefined) fail(`Ticket '${ticket}' has no attribute '${attr}'`, EXIT.NOSUCH);
      const attrs = { ...s!.attrs };
      delete attrs[attr!];
      await client.request('replace', { section: 'status', xml: serializeXml(xmlElement('ticket_state', attrs)) });
      break;
    }
    case 'cleanup': {
      const s = own();
      if (!s) break;
      if (s.attrs.granted === 'true' && !force) fail(`Ticket '${ticket}' is granted: revoke it first, or --force`, EXIT.INSUFFICIENT_PRIV);
      await client.request('delete', { section: 'status', xml: `<ticket_state id="${ticket}"/>` });
      process.stdout.write(`Cleaned up ${ticket}\n`);
      break;
    }
  }
} catch (e) {
  fail((e as Error).message, EXIT.ERROR);
} finally {
  client.close();
}
