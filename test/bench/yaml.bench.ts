// YAML against bash of about the same size (issue 16 measured a 1.3 KB YAML read at ~40× a bash read). Both
// examples are one real-shaped launch config each: media/examples/nemo-gpt-8b.yaml (1,324 chars) and
// llama2-7b-1f1b.sh (1,612 chars). Fixed iteration counts, as for readBash: sized from one cold call (the harness
// default), the YAML rows ran ~30 times, mostly before V8 had optimised the `yaml` parser, and so timed the JIT.
import { readFileSync } from 'node:fs';
import type { BenchCase } from './bench';
import { readBash } from '../../src/core/bash/reader';
import { readLaunchConfig } from '../../src/core/read/readLaunchConfig';
import { readYaml } from '../../src/core/yaml/reader';
import { repoPath } from '../support/paths';

export function benches(): BenchCase[] {
  const yaml = readFileSync(repoPath('media/examples/nemo-gpt-8b.yaml'), 'utf8');
  const bash = readFileSync(repoPath('media/examples/llama2-7b-1f1b.sh'), 'utf8');
  const kb = (t: string): string => `${(t.length / 1024).toFixed(1)} KB`;
  return [
    {
      name: `yaml vs bash: readLaunchConfig nemo-gpt-8b.yaml (${kb(yaml)})`,
      run: () => readLaunchConfig(yaml, 'nemo-gpt-8b.yaml'),
      iterations: 2000,
    },
    {
      name: `yaml vs bash: readLaunchConfig llama2-7b-1f1b.sh (${kb(bash)})`,
      run: () => readLaunchConfig(bash, 'llama2-7b-1f1b.sh'),
      iterations: 2000,
    },
    { name: `yaml vs bash: readYaml nemo-gpt-8b.yaml (${kb(yaml)})`, run: () => readYaml(yaml), iterations: 2000 },
    { name: `yaml vs bash: readBash llama2-7b-1f1b.sh (${kb(bash)})`, run: () => readBash(bash), iterations: 2000 },
  ];
}
