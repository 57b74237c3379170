// readLaunchConfig on a long launch script (bash reader + flag interpreter + resolver + validation) and on
// the bundled NeMo YAML. Issue 2 asks for < 2 ms median on the long script.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase } from './bench';
import { readLaunchConfig } from '../../src/core/config/readLaunchConfig';

export function benches(): BenchCase[] {
  const root = join(__dirname, '../..', '..');
  const longPath = [join(root, 'test/fixtures/bash/long-launch.sh'), join(root, 'test/fixtures/launch/gpt3-175b.sh')].find((p) => existsSync(p))!;
  const long = readFileSync(longPath, 'utf8');
  const demo = readFileSync(join(root, 'media/examples/seq1f1b-30b-64k.sh'), 'utf8');
  const yaml = readFileSync(join(root, 'media/examples/nemo-gpt-8b.yaml'), 'utf8');
  return [
    { name: `readLaunchConfig ${longPath.split('/').pop()}`, run: () => readLaunchConfig(long, 'long-launch.sh'), target: '< 2 ms median' },
    { name: 'readLaunchConfig seq1f1b-30b-64k.sh', run: () => readLaunchConfig(demo, 'seq1f1b-30b-64k.sh') },
    { name: 'readLaunchConfig nemo-gpt-8b.yaml', run: () => readLaunchConfig(yaml, 'nemo-gpt-8b.yaml') },
  ];
}
