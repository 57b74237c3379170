// Small text formatters shared by the CLI summary, hovers and inlay hints.

/** Chunk lengths joined by `sep`; long lists (k = 64, 1024 …) show the first few and the count, not a wall of numbers. */
export function formatChunkLengths(lengths: readonly number[], sep = '·', maxShown = 8): string {
  if (lengths.length <= maxShown) return lengths.join(sep);
  return `${lengths.slice(0, maxShown - 1).join(sep)}${sep}… (${lengths.length} chunks, last ${lengths[lengths.length - 1]})`;
}
