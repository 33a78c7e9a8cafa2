/**
 * The CIB on disk (<stateDir>/cib): `cib.xml`, its SHA-256 digest in `cib.xml.sig`, and
 * numbered backups `cib-N.raw` (+ `.sig`) of the versions it replaced, the newest N in
 * `cib.last`. Writes are atomic (temporary file, fsync, rename, fsync of the directory), so a
 * kill -9 leaves the old or the new file, never half of one. On load a file whose digest does
 * not match (a flipped byte, an edit by hand) or that does not parse is refused, loudly, and the
 * newest good backup is used instead.
 *
 * Between two such writes, each change is appended to `cib.journal` (its v2 patchset, one JSON
 * line) before the client gets its answer: in the kernel's page cache, so it survives a kill -9
 * of the daemon, and on the disk at the next write of the whole CIB (`CibDisk`: every
 * `snapshotEvery` changes, and `idleMs` after the last one) — a power loss can take the last
 * second, which the other nodes' copies hold. On load the journal's changes after the loaded
 * version are replayed.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Cib } from './model.js';
import { type CibChange, type CibStore, patchsetText } from './store.js';
import { parseXml, serializeXml, type XmlElement } from './xml.js';

export const KEEP_BACKUPS = 10;

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

function writeAtomic(dir: string, name: string, data: string): void {
  const tmp = join(dir, `.${name}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function saveCib(dir: string, root: XmlElement): void {
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const text = serializeXml(root);
  const current = join(dir, 'cib.xml');
  if (existsSync(current)) {
    const last = existsSync(join(dir, 'cib.last')) ? Number(readFileSync(join(dir, 'cib.last'), 'utf8')) || 0 : 0;
    const n = last + 1;
    renameSync(current, join(dir, `cib-${n}.raw`));
    if (existsSync(`${current}.sig`)) renameSync(`${current}.sig`, join(dir, `cib-${n}.raw.sig`));
    writeAtomic(dir, 'cib.last', String(n));
    for (let old = n - KEEP_BACKUPS; old > 0 && existsSync(join(dir, `cib-${old}.raw`)); old--) {
      rmSync(join(dir, `cib-${old}.raw`), { force: true });
      rmSync(join(dir, `cib-${old}.raw.sig`), { force: true });
    }
  }
  writeAtomic(dir, 'cib.xml.sig', digest(text));
  writeAtomic(dir, 'cib.xml', text);
  syncDir(dir);
}

export interface LoadedCib {
  root: XmlElement;
  /** The file used. */
  file: string;
  /** What was wrong with newer files, for the log. */
  problems: string[];
}

function tryLoad(file: string): XmlElement {
  const text = readFileSync(file, 'utf8');
  const sig = `${file}.sig`;
  if (existsSync(sig)) {
    const want = readFileSync(sig, 'utf8').trim();
    if (digest(text) !== want) throw new Error(`${file}: digest mismatch (the file was changed or corrupted since it was written)`);
  }
  return Cib.parse(text, file).root;
}

/** Loads the newest good CIB from `dir`, or undefined if there is none at all. */
export function loadCib(dir: string): LoadedCib | undefined {
  const problems: string[] = [];
  const candidates = [join(dir, 'cib.xml')];
  const last = existsSync(join(dir, 'cib.last')) ? Number(readFileSync(join(dir, 'cib.last'), 'utf8')) || 0 : 0;
  for (let n = last; n > 0 && n > last - KEEP_BACKUPS; n--) candidates.push(join(dir, `cib-${n}.raw`));
  for (const f of candidates) {
    if (!existsSync(f)) continue;
    try {
      return { root: tryLoad(f), file: f, problems };
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new Error(`no usable CIB in ${dir}: ${problems.join('; ')}`);
  return undefined;
}

const JOURNAL = 'cib.journal';

interface JournalEntry {
  op: CibChange['op'];
  before: string;
  after: string;
  patch: string;
}

/** The CIB on disk for a daemon: the journal of changes and the whole CIB written now and then. */
export class CibDisk {
  private fd: number | undefined;
  private entries = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Lines gathered by together(), written when it ends. */
  private held: string[] | undefined;

  constructor(
    readonly dir: string,
    private readonly current: () => XmlElement,
    private readonly opts: { snapshotEvery?: number; idleMs?: number } = {},
  ) {}

  /** Appends a change to the journal (written before this returns). */
  record(c: CibChange): void {
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o750 });
      this.fd = openSync(join(this.dir, JOURNAL), 'a', 0o600);
    }
    const entry: JournalEntry = { op: c.op, before: c.before, after: c.after, patch: patchsetText(c) };
    if (this.held) {
      this.held.push(`${JSON.stringify(entry)}\n`);
      return;
    }
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    this.counted(1);
  }

  /** Records the changes `fn` makes in one write, when it returns (a replica applying a batch). */
  together<T>(fn: () => T): T {
    if (this.held) return fn();
    this.held = [];
    try {
      return fn();
    } finally {
      const lines = this.held;
      this.held = undefined;
      if (lines.length && this.fd !== undefined) {
        writeSync(this.fd, lines.join(''));
        this.counted(lines.length);
      }
    }
  }

  private counted(n: number): void {
    this.entries += n;
    if (this.entries >= (this.opts.snapshotEvery ?? 1000)) this.snapshot();
    else {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.snapshot(), this.opts.idleMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Writes the whole CIB (synced), then empties the journal. */
  snapshot(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    saveCib(this.dir, this.current());
    if (this.fd !== undefined) {
      ftruncateSync(this.fd, 0);
      fsyncSync(this.fd);
    }
    this.entries = 0;
  }

  /** Writes what the journal holds into the CIB file and closes it (a clean stop). */
  close(): void {
    if (this.entries > 0) this.snapshot();
    if (this.timer) clearTimeout(this.timer);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Replays the journal in `dir` onto the store (loaded from cib.xml): every change whose source
 * version is the store's, in order; older ones (already in the file) are skipped. Returns how
 * many were replayed and what could not be (a torn last line, a gap).
 */
export function replayJournal(dir: string, store: CibStore): { replayed: number; problems: string[] } {
  const file = join(dir, JOURNAL);
  if (!existsSync(file)) return { replayed: 0, problems: [] };
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());
  let replayed = 0;
  const problems: string[] = [];
  for (const [i, line] of lines.entries()) {
    let e: JournalEntry;
    try {
      e = JSON.parse(line) as JournalEntry;
    } catch {
      problems.push(`${file} line ${i + 1}: not a complete entry (cut short when the daemon died?); ignored`);
      break;
    }
    if (e.before !== store.version) {
      if (replayed === 0) continue; // (written into cib.xml already)
      problems.push(`${file} line ${i + 1}: the change from ${e.before} does not follow ${store.version}; the rest is ignored`);
      break;
    }
    try {
      store.applyPatch(e.op, parseXml(e.patch, `${file} line ${i + 1}`));
      replayed++;
    } catch (err) {
      problems.push(`${file} line ${i + 1}: ${(err as Error).message}; the rest is ignored`);
      break;
    }
  }
  return { replayed, problems };
}
