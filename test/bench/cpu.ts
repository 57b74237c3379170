// CPU-time helpers shared by the bench modules: on this shared 2-core machine CPU time of the process says more about
// the code than wall time, which other processes stretch.

/** CPU ms (user + system) the process spent running `work`. */
export function cpuMs(work: () => unknown): number {
  const c0 = process.cpuUsage();
  work();
  const d = process.cpuUsage(c0);
  return (d.user + d.system) / 1000;
}

/** The median (upper middle for an even count); NaN for none. */
export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
