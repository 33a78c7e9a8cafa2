import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export * as sdk from './sdk/index.js';
export { runOcfChecks, type CheckResult, type OcfCheckOptions } from './tester.js';

/** The provider name our agents are installed under: ocf:heartbeat-ts:TYPE. */
export const PROVIDER = 'heartbeat-ts';
export const AGENTS = ['Dummy', 'Stateful', 'IPaddr2', 'anything', 'ping', 'HttpCheck'] as const;

/** The package's resource.d directory (put it on the executor's OCF_RA_PATH, or link it into OCF_ROOT). */
export function resourceDir(): string {
  // dist/src/index.js or src/index.ts: the package directory is the first one up with package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'resource.d');
}
