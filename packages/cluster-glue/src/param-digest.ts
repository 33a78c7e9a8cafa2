/**
 * Pacemaker's parameter digest (op-digest, op-restart-digest, op-secure-digest): the MD5 of
 * the parameters written as one `<parameters name="value" .../>` element, names sorted, the
 * way Pacemaker's XML writer prints it (a leading space, a trailing newline) — so digests
 * recorded by Pacemaker and by us compare equal.
 */
import { createHash } from 'node:crypto';

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function paramDigest(params: Record<string, string>, keep: (name: string) => boolean = () => true): string {
  const names = Object.keys(params).filter(keep).sort();
  return createHash('md5').update(` <parameters${names.map((k) => ` ${k}="${esc(params[k]!)}"`).join('')}/>\n`).digest('hex');
}
