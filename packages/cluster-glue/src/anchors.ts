/**
 * The real tools we compare ourselves with (Pacemaker's crm_verify and crm_simulate...), found
 * in the system directories only: our packages install commands of the same names, and
 * `npm test` / `npm run bench` put node_modules/.bin first on PATH.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const SYSTEM_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a system tool, or undefined when it is not installed. */
export function systemTool(name: string): string | undefined {
  for (const d of SYSTEM_DIRS) {
    try {
      accessSync(join(d, name), constants.X_OK);
      return join(d, name);
    } catch {
      /* next */
    }
  }
  return undefined;
}
