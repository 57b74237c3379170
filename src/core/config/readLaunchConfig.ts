// PLACEHOLDER until the config reader lands (issue 2): recognises nothing.
import type { LaunchConfigRead, RunConfig } from '../types';
export function readLaunchConfig(_text: string, fileName?: string): LaunchConfigRead {
  return { format: fileName && /\.ya?ml$/i.test(fileName) ? 'yaml' : 'bash', isLaunchConfig: false, commandRange: null, config: {} as RunConfig, sources: {}, flags: [], diagnostics: [] };
}
