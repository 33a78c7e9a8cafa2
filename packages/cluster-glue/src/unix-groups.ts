/**
 * Group lookups in /etc/group (Node has no getgrnam): sockets are owned by a group such as
 * Pacemaker's `haclient`, and error messages name that group.
 */
import { readFileSync } from 'node:fs';

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function readGroups(file = '/etc/group'): GroupEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , gid, members] = line.split(':');
    if (!name || gid === undefined || !/^\d+$/.test(gid)) continue;
    out.push({ name, gid: Number(gid), members: members ? members.split(',').filter(Boolean) : [] });
  }
  return out;
}

/** gid of a group given by name or number; undefined if no such group. */
export function resolveGid(group: string | number, file?: string): number | undefined {
  if (typeof group === 'number') return group;
  if (/^\d+$/.test(group)) return Number(group);
  return readGroups(file).find((g) => g.name === group)?.gid;
}

export function groupName(gid: number, file?: string): string {
  return readGroups(file).find((g) => g.gid === gid)?.name ?? String(gid);
}
