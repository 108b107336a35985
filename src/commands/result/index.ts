import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type ResultInput = CommandInput<{ id: string }, Record<string, never>>;

export const result: CommandDeclaration<ResultInput> = {
  name: 'result',
  description: "ask once for a task's state",
  arguments: [{ name: 'id', syntax: '<id>', description: 'task id (24 hex characters)' }],
  examples: ['veo result 684e5b2214bed9a815408cb3', 'veo result 684e5b2214bed9a815408cb3 --json'],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
