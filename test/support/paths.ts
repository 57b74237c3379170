// The repository root for tests and benches, wherever they run from: straight from TypeScript (tsx, `__dirname` is
// test/<area>/…) or compiled (out/test/…). Walking up to our own package.json keeps both right and survives moving a
// test file to a deeper folder, which a fixed `'../../..'` does not.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'schedule-inspector')
      return dir;
    if (dirname(dir) === dir) throw new Error(`no schedule-inspector package.json above ${start}`);
  }
}

/** Absolute path of the repository (the folder holding package.json). */
export const REPO_ROOT = findRepoRoot(__dirname);

/** Absolute path of a file in the repository, from its repository-relative path. */
export const repoPath = (...parts: string[]): string => join(REPO_ROOT, ...parts);
