/**
 * /etc/ha.d/authkeys: `auth N` selects the key we sign with; `N METHOD [SECRET]` lines define
 * keys (crc needs no secret; md5, sha1 and our sha256 do). Like heartbeat, we refuse to start
 * unless the file is mode 600 (readable by nobody else).
 */
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '@heartbeat-ts/cluster-glue';
import { AUTH_METHODS, type AuthKey, type AuthMethod } from '../wire/auth.js';

export interface AuthKeys {
  file: string;
  /** The key we sign outgoing messages with. */
  active: AuthKey;
  /** Every key we accept, by index. */
  keys: Map<number, AuthKey>;
}

export function parseAuthkeys(text: string, file = 'authkeys'): AuthKeys {
  const keys = new Map<number, AuthKey>();
  let activeIndex: number | undefined;
  let activeLine = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*/, '').trim();
    if (!line) continue;
    const fail = (why: string): never => {
      throw new ConfigError(why, file, i + 1);
    };
    const parts = line.split(/\s+/);
    if (parts[0] === 'auth') {
      if (parts.length !== 2 || !/^\d+$/.test(parts[1]!)) fail('"auth" takes one key number, e.g. "auth 1"');
      activeIndex = Number(parts[1]);
      activeLine = i + 1;
      continue;
    }
    if (!/^\d+$/.test(parts[0]!)) fail(`expected "auth N" or "N method [secret]", got "${parts[0]}"`);
    const index = Number(parts[0]);
    if (index > 15) fail(`key number ${index} out of range 0..15`);
    const method = parts[1] as AuthMethod;
    if (!AUTH_METHODS.includes(method)) fail(`unknown authentication method "${parts[1] ?? ''}" (use sha1, md5, crc, or sha256)`);
    const key = parts.slice(2).join(' ');
    if (method !== 'crc' && !key) fail(`method ${method} needs a secret: "${index} ${method} SECRET"`);
    if (keys.has(index)) fail(`key ${index} defined twice`);
    keys.set(index, { index, method, key });
  }
  if (activeIndex === undefined) throw new ConfigError('no "auth N" line selecting the key to sign with', file);
  const active = keys.get(activeIndex);
  if (!active) throw new ConfigError(`"auth ${activeIndex}" names a key that is not defined`, file, activeLine);
  return { file, active, keys };
}

/** Reads authkeys, refusing a file others can read or write (heartbeat requires mode 600). */
export function readAuthkeys(file: string): AuthKeys {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    throw new ConfigError(`cannot read authentication keys: ${(e as Error).message}`, file);
  }
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    throw new ConfigError(`authentication file must be mode 600, it is ${mode.toString(8)} (chmod 600 ${file})`, file);
  }
  return parseAuthkeys(readFileSync(file, 'utf8'), file);
}
