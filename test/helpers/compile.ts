/** Compiles imgmod (dist/) for the tests that run its compiled entry, when the sources are newer. */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;

/** Newest modification time of any file under `dir`, in ms (0 when it does not exist). */
function newestMtime(dir: string): number {
  let newest = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  } catch {
    return 0;
  }
  return newest;
}

/**
 * Tests that signal imgmod run its compiled entry (dist/src/main.js): compile it once here when src/ or
 * workers/ changed since (CI builds before testing, so this is a no-op there).
 */
export function ensureCompiled(): void {
  const built = newestMtime(join(root, 'dist/src')) && statSync(join(root, 'dist/src/main.js'), { throwIfNoEntry: false })?.mtimeMs;
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'workers')));
  if (built && built >= sources) return;
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
}
