// PLACEHOLDER until the schedule engine lands (issue 3).
import { UsageError } from './args';
export function runSimulateCommand(_argv: string[]): number {
  throw new UsageError('simulate is not available yet');
}
