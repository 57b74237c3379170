// A YAML launch config (NeMo, Megatron --yaml-cfg, functional test) → LaunchConfigRead.
import type { LaunchConfigRead, SourceRange } from '../types';
import { worldFromCounts, type WorldInfo } from '../megatron/world';
import { readYaml } from '../yaml/reader';
import { detectedDialect, yamlDialectEvidence } from './dialect';
import { dialectsOf, finishRead, notALaunch } from './finishRead';

const noWorld = (reason: string): WorldInfo => {
  const u = { value: null, source: { status: 'unresolved' as const, reason } };
  return { gpusPerNode: u, numNodes: u, worldSize: u, diagnostics: [], supersededRanges: [] };
};

export function readYamlLaunch(text: string): LaunchConfigRead {
  const y = readYaml(text);
  if (!y.kind) {
    // A NeMo 2 recipe is not read as a launch, but the user still learns what it is and why nothing shows.
    const read = notALaunch('yaml');
    read.dialect = detectedDialect(yamlDialectEvidence(text), null);
    return read;
  }
  let world: WorldInfo;
  if (y.kind === 'nemo' && y.devices && y.nodes) world = worldFromCounts(y.devices, y.nodes);
  else if (y.kind === 'functional-test')
    world = noWorld('a functional-test YAML does not say how many GPUs the harness uses');
  else world = noWorld('--yaml-cfg runs take the world size from torchrun (WORLD_SIZE) at run time');
  const anchor: SourceRange = y.documentRange ?? { line: 0, column: 0, endLine: 0, endColumn: 0 };
  const cmc = y.env.get('CUDA_DEVICE_MAX_CONNECTIONS');
  const read = finishRead(
    text,
    {
      format: 'yaml',
      commandRange: anchor,
      settings: y.settings,
      occurrences: y.occurrences,
      world,
      readerDiagnostics: y.diagnostics,
      leadingDiagnostics: y.diagnostics,
      anchor,
      cudaMaxConnections: cmc ? { value: cmc.value, range: cmc.range } : undefined,
      // The functional-test harness passes MODEL_ARGS on the command line, so the CLI rules apply.
      yamlPath: y.kind !== 'functional-test',
    },
    dialectsOf(y.settings, false),
  );
  read.dialect = detectedDialect(yamlDialectEvidence(text), anchor);
  return read;
}
