import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type ModelsInput = CommandInput<Record<string, never>, { all?: boolean }>;

export const models: CommandDeclaration<ModelsInput> = {
  name: 'models',
  description: 'the Veo models and the price of one clip (rubles); --all for every model',
  flags: [{ flags: '--all', description: 'every model the API offers, not only Veo' }],
  examples: ['veo models', 'veo models --all --json'],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
