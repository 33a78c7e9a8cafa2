/**
 * A record of every cluster this host's harness has running, so that one left behind by
 * a killed test runner is cleaned up by the next run (`cleanupStale`). Entries live in
 * <tmpdir>/hbts-harness/<id>.json and name the owning process.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteNamespaceSync, listNamespaces, namespacePids } from './netns.js';
import { isAlive, killPids, markedPids } from './procs.js';

export interface RegistryEntry {
  id: string;
  ownerPid: number;
  mode: 'loopback' | 'netns';
  dir: string;
  keepDir: boolean;
}

const registryDir = () => join(tmpdir(), 'hbts-harness');

export function register(e: RegistryEntry): void {
  mkdirSync(registryDir(), { recursive: true });
  writeFileSync(join(registryDir(), `${e.id}.json`), JSON.stringify(e));
}

export function unregister(id: string): void {
  try {
    unlinkSync(join(registryDir(), `${id}.json`));
  } catch {
    /* gone */
  }
}

/** Namespace names of cluster `id`. */
export function clusterNamespaces(id: string): string[] {
  return listNamespaces().filter((n) => n.startsWith(`hbts-${id}-`));
}

/** Kills every process and deletes every namespace of cluster `id`; synchronous, so it runs in an exit handler. */
export function destroyClusterSync(id: string, dir?: string, keepDir = false): void {
  const nss = process.getuid?.() === 0 ? clusterNamespaces(id) : [];
  for (let round = 0; round < 3; round++) {
    const pids = [...markedPids(id), ...nss.flatMap(namespacePids)];
    if (pids.length === 0) break;
    killPids(pids, 'SIGKILL');
    const until = Date.now() + 500;
    while (pids.some(isAlive) && Date.now() < until) {
      /* wait for the kernel to reap them */
    }
  }
  for (const ns of nss) deleteNamespaceSync(ns);
  if (dir && !keepDir) rmSync(dir, { recursive: true, force: true });
  unregister(id);
}

/** Cleans up clusters whose owning process is gone. Returns their ids. */
export function cleanupStale(): string[] {
  let files: string[];
  try {
    files = readdirSync(registryDir()).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const cleaned: string[] = [];
  for (const f of files) {
    let e: RegistryEntry;
    try {
      e = JSON.parse(readFileSync(join(registryDir(), f), 'utf8')) as RegistryEntry;
    } catch {
      continue;
    }
    if (isAlive(e.ownerPid)) continue;
    destroyClusterSync(e.id, e.dir, e.keepDir);
    cleaned.push(e.id);
  }
  return cleaned;
}
