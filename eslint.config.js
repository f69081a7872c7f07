// Lint rules, including the one-way arrows of DESIGN.md:
// ui → worker → train → model → kernels → gpu → shaders; data depends on npm packages only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

/** Folders each layer must not import from (relative-path patterns). */
const forbidden = {
  gpu: ['kernels', 'model', 'train', 'data', 'worker', 'cli', 'ui'],
  kernels: ['model', 'train', 'data', 'worker', 'cli', 'ui'],
  model: ['train', 'data', 'worker', 'cli', 'ui'],
  train: ['worker', 'cli', 'ui'],
  data: ['gpu', 'kernels', 'model', 'train', 'worker', 'cli', 'ui'],
  worker: ['cli', 'ui'],
  ui: ['gpu', 'kernels', 'model', 'train', 'cli'],
};

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
  ...tseslint.configs.recommended,
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
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...boundaryBlocks,
);
