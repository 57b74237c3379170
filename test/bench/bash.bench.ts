// Times readBash on the ~300-line realistic launch script (issue target for the whole analysis: < 2 ms median;
// the bash reader should take a small fraction of it).
import { readFileSync } from 'node:fs';
import { readBash } from '../../src/core/bash/reader';
import type { BenchCase } from './bench';
import { repoPath } from '../support/paths';

export function benches(): BenchCase[] {
  const script = readFileSync(repoPath('test/fixtures/bash/long-launch.sh'), 'utf8');
  return [
    {
      name: 'readBash long-launch.sh (320 lines)',
      run: () => readBash(script),
      // The harness sizes n from one cold call (~30 ms while V8 compiles); a fixed n measures the warm reader.
      iterations: 2000,
      target: '< 2 ms median (whole analysis)',
    },
  ];
}
