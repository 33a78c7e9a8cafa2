/**
 * What a node keeps across restarts: its uuid (16 bytes, <stateDir>/hb_uuid) and its
 * generation (<stateDir>/hb_generation), which grows at every start so that peers tell a
 * restart from a replay. The generation is also never below the current Unix time in
 * seconds, so a lost state directory cannot make it go backwards.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadOrCreateUuid(stateDir: string): Buffer {
  const f = join(stateDir, 'hb_uuid');
  if (existsSync(f)) {
    const b = readFileSync(f);
    if (b.length === 16) return b;
  }
  mkdirSync(stateDir, { recursive: true });
  const u = randomBytes(16);
  u[6] = (u[6]! & 0x0f) | 0x40; // a version-4 UUID
  u[8] = (u[8]! & 0x3f) | 0x80;
  writeFileSync(f, u, { mode: 0o644 });
  return u;
}

export function nextGeneration(stateDir: string, nowMs = Date.now()): number {
  const f = join(stateDir, 'hb_generation');
  let prev = 0;
  try {
    prev = Number.parseInt(readFileSync(f, 'utf8').trim(), 10) || 0;
  } catch {
    /* first start */
  }
  const gen = Math.max(prev + 1, Math.floor(nowMs / 1000));
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(`${f}.tmp`, `${gen}\n`);
  renameSync(`${f}.tmp`, f);
  return gen;
}
