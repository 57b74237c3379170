// Which documents are worth analysing. The check runs on every open and keystroke of every shell/YAML file in the
// workspace, so it is a handful of substring tests; the core's `isLaunchConfig` makes the real decision afterwards.

/** Launch configs are kilobytes; anything far larger is not one we analyse on every keystroke. */
export const MAX_ANALYSED_CHARS = 2_000_000;

/**
 * Checked before MAX_ANALYSED_CHARS because `lineCount` is free while `getText()` on a huge file is itself a cost;
 * the longest real launch scripts are a few hundred lines.
 */
export const MAX_ANALYSED_LINES = 20_000;

const MARKERS = [
  'pretrain_',
  '--num-layers',
  '--num_layers',
  '--pipeline-model-parallel-size',
  '--pipeline_model_parallel_size',
  '--tensor-model-parallel-size',
  '--tensor_model_parallel_size',
  'tensor_model_parallel_size',
  'pipeline_model_parallel_size',
];

export function looksLikeLaunch(text: string): boolean {
  return MARKERS.some((m) => text.includes(m));
}

const SHELL_EXT = /\.(sh|bash|slurm|sbatch)$/i;
const YAML_EXT = /\.ya?ml$/i;

export function isCandidateLanguage(languageId: string, fileName: string): boolean {
  return languageId === 'shellscript' || languageId === 'yaml' || SHELL_EXT.test(fileName) || YAML_EXT.test(fileName);
}

/**
 * The file name the core sees: it picks the bash or YAML reader from the extension, and untitled documents
 * ("Untitled-1") have none, so the language decides.
 */
export function analysisFileName(fileName: string, languageId: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  if (languageId === 'yaml' && !YAML_EXT.test(base)) return `${base}.yaml`;
  if (languageId === 'shellscript' && !SHELL_EXT.test(base) && !/\.[a-z]+$/i.test(base)) return `${base}.sh`;
  return base;
}
