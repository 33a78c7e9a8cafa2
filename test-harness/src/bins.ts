/**
 * Path of a package's built `bin` file, found through its package.json. Tests load our
 * sources through vitest, but the processes they start run the built JavaScript.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export function resolveBin(pkg: string, bin: string): string {
  const pj = require.resolve(`${pkg}/package.json`);
  const bins = (JSON.parse(readFileSync(pj, 'utf8')) as { bin?: Record<string, string> }).bin ?? {};
  const rel = bins[bin];
  if (!rel) throw new Error(`package ${pkg} has no bin named ${bin}`);
  return join(dirname(pj), rel);
}
