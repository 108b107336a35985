import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The launcher's entry is CommonJS (bin/package.json): Node starts it sooner than an ES module.
    files: ['bin/veo.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'chalk',
                'ora',
                'commander',
                'conf',
                '../commands/*',
                '../task/*',
                '../ui/*',
                '../cli*',
                '../sim/*',
              ],
              message: 'src/api knows nothing of terminals, commands, tasks or the simulator.',
            },
            { group: ['../main*', '../program*'], message: 'src/api never decides how the process ends.' },
          ],
        },
      ],
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'exit' },
        { object: 'process', property: 'exitCode' },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../core', 'chalk', 'ora', 'commander', 'conf'],
              message: 'src/core is the bottom layer: every other layer may import it, it imports none of them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../commands/*', '../task/*', '../ui/*', '../cli*', '../main*', '../program*', '../sim/*'],
              message: 'src/store keeps the journal and caches; it knows nothing of commands, tasks or terminals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/task/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../commands/*', '../cli*', '../main*', '../program*', '../sim/*'],
              message: 'src/task serves the commands; it never imports one.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ui/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../commands/*', '../task/*', '../cli*', '../main*', '../program*', '../sim/*'],
              message: 'src/ui formats and prints; it knows nothing of commands or tasks.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/sim/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../sim'],
              message: 'the simulator is independent of the client.',
            },
          ],
        },
      ],
    },
  },
);
