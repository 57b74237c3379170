// What `analyze` reads: files as named, directories (every launch-looking file under them) and glob patterns the
// shell did not expand (`'examples/**/*.sh'` in a CI step). Expansion is bounded, so a mistaken `/` cannot run away.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { InputError } from './args';

/** The extensions of launch files we read: bash scripts and YAML configs. */
const LAUNCH_FILE = /\.(sh|bash|ya?ml)$/;
/** Never descended into: version control, dependencies, build output. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', 'out']);
/**
 * More files than this from one run is a mistake (the whole disk), not a repository of launch scripts: the largest
 * real one we know (MindSpeed-LLM) has under 600. Directory entries walked are capped at 50× that.
 */
export const MAX_INPUT_FILES = 10_000;
const MAX_WALKED_ENTRIES = 50 * MAX_INPUT_FILES;

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Files under `root` (paths relative to it, forward slashes), skipping SKIPPED_DIRS, breadth first, bounded. */
function walk(root: string, what: string): string[] {
  const files: string[] = [];
  const queue = [''];
  let walked = 0;
  for (let rel = queue.shift(); rel !== undefined; rel = queue.shift()) {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      continue; // unreadable folders are skipped, as `find` would report and go on
    }
    for (const e of entries) {
      if (++walked > MAX_WALKED_ENTRIES)
        throw new InputError(`more than ${MAX_WALKED_ENTRIES} entries under ${what}; name a smaller directory`);
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name)) queue.push(path);
      } else if (e.isFile()) files.push(path);
    }
  }
  return files;
}

const withBase = (base: string, rel: string): string =>
  base === '' || base === '.' ? rel : base.endsWith('/') ? base + rel : `${base}/${rel}`;

function expandOne(arg: string): string[] {
  const scan = picomatch.scan(arg);
  if (scan.isGlob && !isDirectory(arg)) {
    // The part before the first magic character is where matching starts; the pattern matches the rest.
    const match = picomatch(scan.glob, { dot: false });
    const found = walk(scan.base || '.', arg)
      .filter((rel) => match(rel))
      .map((rel) => withBase(scan.base, rel));
    if (!found.length) throw new InputError(`no file matches ${arg}`);
    return found;
  }
  if (isDirectory(arg)) {
    const found = walk(arg, arg)
      .filter((rel) => LAUNCH_FILE.test(rel))
      .map((rel) => withBase(arg, rel));
    if (!found.length)
      throw new InputError(`${arg} is a directory with no launch files (*.sh, *.bash, *.yaml, *.yml) in it`);
    return found;
  }
  return [arg];
}

/**
 * Each argument in order: a directory becomes its launch files (sorted), a pattern its matches (sorted), anything
 * else stays as written — reading it later says what is wrong with it. Duplicates keep their first place.
 */
export function expandInputs(args: readonly string[]): string[] {
  const out = new Set<string>();
  for (const arg of args) {
    for (const f of expandOne(arg).sort()) {
      out.add(f);
      if (out.size > MAX_INPUT_FILES)
        throw new InputError(`more than ${MAX_INPUT_FILES} files to analyse (at ${arg}); name fewer directories`);
    }
  }
  return [...out];
}
