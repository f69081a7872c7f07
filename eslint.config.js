// Lint rules, including the one-way arrows of DESIGN.md:
// ui → worker / cli → engine → export → train → model → kernels → gpu → shaders; data depends on
// npm packages only; the hosts (worker, cli) reach the engine through src/engine/index.ts only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Folders each layer must not import from (relative-path patterns). */
const forbidden = {
  gpu: ['kernels', 'model', 'train', 'export', 'engine', 'data', 'worker', 'cli', 'ui'],
  kernels: ['model', 'train', 'export', 'engine', 'data', 'worker', 'cli', 'ui'],
  model: ['train', 'export', 'engine', 'data', 'worker', 'cli', 'ui'],
  train: ['export', 'engine', 'worker', 'cli', 'ui'],
  // Merged models, GGUF: from the model's files and a trained adapter, for the engine to offer.
  export: ['engine', 'worker', 'cli', 'ui'],
  engine: ['worker', 'cli', 'ui'],
  data: ['gpu', 'kernels', 'model', 'train', 'export', 'engine', 'worker', 'cli', 'ui'],
  // The hosts: the engine's one API (src/engine/index.ts), src/data, and device acquisition.
  worker: ['cli', 'ui', 'kernels', 'model', 'train', 'export'],
  cli: ['worker', 'ui', 'kernels', 'model', 'train', 'export'],
  ui: ['gpu', 'kernels', 'model', 'train', 'export', 'engine', 'data', 'cli'],
};

/** What a host may take from gpu/ and engine/: one file each. */
const hostOnly = [
  {
    group: ['**/gpu/*', '!**/gpu/device.ts', '!**/gpu/device'],
    message:
      'A host acquires its device through src/gpu/device.ts and uses nothing else of src/gpu.',
  },
  {
    group: [
      '**/engine/*',
      '!**/engine/index.ts',
      '!**/engine/index',
      '!**/engine/settings-public.ts',
    ],
    message: 'A host calls the engine through its one API, src/engine/index.ts.',
  },
];

const boundaryBlocks = Object.entries(forbidden).map(([layer, banned]) => ({
  files: [`src/${layer}/**/*.{ts,tsx}`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...banned.map((b) => ({
            group: [`**/${b}/*`, `../${b}`, `../../${b}`],
            message: `src/${layer} must not import from src/${b} (DESIGN.md: arrows point one way).`,
          })),
          ...(layer === 'worker' || layer === 'cli' ? hostOnly : []),
          ...(layer === 'cli'
            ? []
            : [
                { group: ['node:*', 'webgpu'], message: 'Only src/cli touches node:* and webgpu.' },
              ]),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'dist',
      'node_modules',
      'test/fixtures/generated',
      'public',
      'bin',
      '.ci',
      '.scratch',
      'screenshots',
    ],
  },
  js.configs.recommended,
  // typescript-eslint's type-checked rules: floating promises, unsafe any, awaits of non-promises, ...
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Sources implement async interfaces (ModelSource, caches) with synchronous bodies on purpose.
      '@typescript-eslint/require-await': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...boundaryBlocks,
);
