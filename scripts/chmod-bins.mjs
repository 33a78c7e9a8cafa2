// After `tsc -b`: makes every package's `bin` files executable, so the links npm made in
// node_modules/.bin at install time (before the files existed) run.
import { chmodSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = [...readdirSync(join(root, 'packages')).map((d) => join(root, 'packages', d)), join(root, 'test-harness')];
for (const dir of dirs) {
  const pj = join(dir, 'package.json');
  if (!existsSync(pj)) continue;
  const { bin } = JSON.parse(readFileSync(pj, 'utf8'));
  for (const file of Object.values(bin ?? {})) {
    const f = join(dir, file);
    if (existsSync(f)) chmodSync(f, 0o755);
    else console.warn(`warning: bin ${f} of ${pj} was not built`);
  }
}
