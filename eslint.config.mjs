// Lint: general TypeScript hygiene plus one `no-restricted-imports` block per layering invariant of ARCHITECTURE.md.
// Each block names the invariant it guards; ARCHITECTURE.md points back here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'module',
  'net',
  'os',
  'path',
  'process',
  'stream',
  'timers',
  'url',
  'util',
  'worker_threads',
  'zlib',
];
const nodeImports = [
  {
    group: ['node:*'],
    message: 'src/core is pure: no Node modules (inject what you need from the CLI or the extension).',
  },
  ...NODE_BUILTINS.map((name) => ({ group: [name], message: 'src/core is pure: no Node modules.' })),
];
/** `no-restricted-imports` patterns: importing any of `folders` (matched anywhere in the path) is an error. */
const forbid = (why, ...folders) => folders.map((f) => ({ group: [`**/${f}`, `**/${f}/**`], message: why }));
const rule = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns: patterns.flat() }] });

export default tseslint.config(
  {
    ignores: ['dist/**', 'out/**', 'node_modules/**', 'tools/**', 'test/artifacts/**', '.vscode-test/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  // Size limits (house review §8): a unit a newcomer can read in one sitting.
  {
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 600, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  // Invariant: src/core is pure — no vscode, no DOM-only modules, no Node, nothing from the layers above it.
  {
    files: ['src/core/**/*.ts'],
    rules: rule(
      { group: ['vscode'], message: 'src/core is pure: no vscode.' },
      nodeImports,
      forbid(
        'src/core never imports the layers above it.',
        'editor',
        'service',
        'panel',
        'cli',
        'settings',
        'report',
        'protocol',
        'webview',
      ),
    ),
  },
  // Invariant: the bash reader knows nothing of Megatron, of YAML or of what is done with its words.
  {
    files: ['src/core/bash/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'core/bash knows nothing of Megatron or the layers above it.',
        'megatron',
        'config',
        'yaml',
        'read',
        'edits',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
        'editor',
        'service',
        'panel',
        'cli',
        'settings',
        'report',
        'protocol',
      ),
    ),
  },
  // Invariant: text helpers, hardware profiles and shared types sit at the bottom.
  {
    files: ['src/core/text/**/*.ts', 'src/core/hardware/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'text/ and hardware/ are the floor: they import nothing of the core above them.',
        'bash',
        'megatron',
        'config',
        'yaml',
        'read',
        'edits',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
      ),
    ),
  },
  // Invariant: Megatron's argument model does not know the readers that feed it (breaks the old yaml ↔ config cycle).
  {
    files: ['src/core/megatron/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'megatron/ sits below the readers: it never imports yaml/, read/ or the simulation layers.',
        'yaml',
        'read',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
      ),
    ),
  },
  // Invariant: readers do not import each other; only read/ dispatches between them.
  {
    files: ['src/core/yaml/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'yaml/ does not import the bash reader, read/ or the layers above.',
        'bash',
        'read',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
      ),
    ),
  },
  // Invariant: edit planning knows flags and YAML, never how a file was read or what the simulation said.
  {
    files: ['src/core/edits/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'edits/ sits below read/ and the simulation layers.',
        'read',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
      ),
    ),
  },
  // Invariant: read/ is the only place that dispatches between the readers; nothing of the simulation is known there.
  {
    files: ['src/core/read/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'read/ turns text into a RunConfig; it never imports the simulation layers.',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
      ),
    ),
  },
  // Invariant: advice (hints, verdicts, recommendations with fixes) sits above the number machines, below analyze().
  {
    files: ['src/core/advice/**/*.ts'],
    rules: rule(nodeImports, forbid('advice/ is called by analyze(), never the other way round.', 'analyze', 'trace')),
  },
  // Invariant: the one derived model of the run sits below the time and memory models that read it.
  {
    files: ['src/core/model/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'model/ is read by schedule/ and memory/, never the other way round.',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
        'edits',
        'read',
        'yaml',
        'bash',
      ),
    ),
  },
  // Invariant: the simulation layers are number machines — they never produce text edits or advice.
  {
    files: ['src/core/schedule/**/*.ts', 'src/core/memory/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid(
        'schedule/ and memory/ produce numbers, never edits or advice (that is advice/).',
        'edits',
        'advice',
        'analyze',
        'read',
        'yaml',
        'bash',
        'trace',
      ),
    ),
  },
  {
    files: ['src/core/schedule/**/*.ts'],
    rules: rule(
      nodeImports,
      forbid('schedule/ sits below memory/.', 'memory', 'edits', 'advice', 'analyze', 'read', 'yaml', 'bash', 'trace'),
    ),
  },
  // Invariant: the service sits below every front end that reads from it.
  {
    files: ['src/service/**/*.ts', 'src/settings/**/*.ts'],
    rules: rule(
      forbid(
        'service/ and settings/ sit below the front ends: never import editor/, panel/ or cli/.',
        'editor',
        'panel',
        'cli',
        'extension',
        'activate',
        'webExtension',
      ),
    ),
  },
  // Invariant: the CLI and the shared Node renderers never load VS Code or the webview host.
  {
    files: ['src/cli/**/*.ts', 'src/cli.ts', 'src/report/**/*.ts'],
    rules: rule(
      { group: ['vscode'], message: 'the CLI and report/ run without VS Code.' },
      forbid(
        'cli/ and report/ never import the VS Code front ends.',
        'panel',
        'editor',
        'service',
        'settings',
        'extension',
        'activate',
        'webExtension',
      ),
    ),
  },
  // Invariant: editor providers do not reach into the CLI.
  {
    files: ['src/editor/**/*.ts', 'src/panel/**/*.ts'],
    rules: rule(forbid('editor/ and panel/ share renderers through report/, never through cli/.', 'cli')),
  },
  // Invariant: the protocol is shared with the webview: core types only, no vscode, no Node.
  {
    files: ['src/protocol/**/*.ts'],
    rules: rule(
      { group: ['vscode'], message: 'protocol/ is shared with the webview.' },
      nodeImports,
      forbid('protocol/ imports only the core.', 'editor', 'service', 'panel', 'cli', 'settings', 'report'),
    ),
  },
  // Invariant: the webview is a browser bundle that sees only the protocol and the core's types.
  {
    files: ['webview/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: rule(
      { group: ['vscode'], message: 'the webview runs in a browser.' },
      nodeImports,
      forbid(
        'webview/ imports only src/protocol and src/core/types.',
        'editor',
        'service',
        'panel',
        'cli',
        'settings',
        'report',
        'bash',
        'megatron',
        'config',
        'yaml',
        'read',
        'edits',
        'model',
        'schedule',
        'memory',
        'advice',
        'analyze',
        'trace',
      ),
    ),
  },
  {
    files: ['test/**/*.{ts,mjs}', 'scripts/**/*.mjs', '*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha } },
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  { files: ['test/webview/**/*.{ts,mjs}'], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
);
