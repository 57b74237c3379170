// readLaunchConfig on a long launch script (bash reader + flag interpreter + resolver + validation) and on
// the bundled NeMo YAML. Issue 2 asks for < 2 ms median on the long script.
import { readFileSync } from 'node:fs';
import type { BenchCase } from './bench';
import { readLaunchConfig } from '../../src/core/read/readLaunchConfig';
import { repoPath } from '../support/paths';

export function benches(): BenchCase[] {
  const long = readFileSync(repoPath('test/fixtures/bash/long-launch.sh'), 'utf8');
  const demo = readFileSync(repoPath('media/examples/seq1f1b-30b-64k.sh'), 'utf8');
  const yaml = readFileSync(repoPath('media/examples/nemo-gpt-8b.yaml'), 'utf8');
  return [
    {
      name: 'readLaunchConfig long-launch.sh',
      run: () => readLaunchConfig(long, 'long-launch.sh'),
      target: '< 2 ms median',
    },
    { name: 'readLaunchConfig seq1f1b-30b-64k.sh', run: () => readLaunchConfig(demo, 'seq1f1b-30b-64k.sh') },
    { name: 'readLaunchConfig nemo-gpt-8b.yaml', run: () => readLaunchConfig(yaml, 'nemo-gpt-8b.yaml') },
  ];
}
