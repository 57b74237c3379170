// Small text formatters shared by the CLI summary, hovers and inlay hints.

/** Chunk lengths joined by `sep`; long lists (k = 64, 1024 …) show the first few and the count, not a wall of numbers. */
export function formatChunkLengths(lengths: readonly number[], sep = '·', maxShown = 8): string {
  if (lengths.length <= maxShown) return lengths.join(sep);
  return `${lengths.slice(0, maxShown - 1).join(sep)}${sep}… (${lengths.length} chunks, last ${lengths[lengths.length - 1]})`;
}

/** A step or op time for people: milliseconds below a second, seconds above (`12.3 ms`, `999 ms`, `46.20 s`). */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 100_000 ? 0 : 2)} s`;
  return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}
