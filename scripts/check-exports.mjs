// Imports every built workspace package through its public `exports` map from
// plain Node (no TypeScript, no jest mapping), so a broken exports map, a
// missing build output or a wrong `types` path fails CI.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
let checked = 0;
let failed = 0;
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkgPath = join(root, 'packages', dir, 'package.json');
  if (!existsSync(pkgPath)) continue;
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  const exportsMap = pkg.exports ?? {};
  for (const [subpath, target] of Object.entries(exportsMap)) {
    if (subpath.endsWith('package.json')) continue;
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    const types = typeof target === 'object' ? target.types : undefined;
    const typesFirst = typeof target === 'object' && Object.keys(target)[0] === 'types';
    try {
      if (!typesFirst) throw new Error('the "types" condition must come first');
      if (types && !existsSync(join(root, 'packages', dir, types)))
        throw new Error(`types file ${types} is missing`);
      const mod = await import(specifier);
      if (Object.keys(mod).length === 0) throw new Error('module has no exports');
      checked++;
      console.log(`ok   ${specifier} (${Object.keys(mod).length} exports)`);
    } catch (err) {
      failed++;
      console.error(`FAIL ${specifier}: ${err.message}`);
    }
  }
}
console.log(`${checked} entry points imported, ${failed} failed`);
process.exit(failed > 0 || checked === 0 ? 1 : 0);
