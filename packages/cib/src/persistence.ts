/**
 * The CIB on disk (<stateDir>/cib): `cib.xml`, its SHA-256 digest in `cib.xml.sig`, and
 * numbered backups `cib-N.raw` (+ `.sig`) of the versions it replaced, the newest N in
 * `cib.last`. Writes are atomic (temporary file, fsync, rename, fsync of the directory), so a
 * kill -9 leaves the old or the new file, never half of one. On load a file whose digest does
 * not match (a flipped byte, an edit by hand) or that does not parse is refused, loudly, and the
 * newest good backup is used instead.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Cib } from './model.js';
import { serializeXml, type XmlElement } from './xml.js';

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
