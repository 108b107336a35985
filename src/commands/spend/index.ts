import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type SpendInput = CommandInput<Record<string, never>, { since?: string }>;

export const spend: CommandDeclaration<SpendInput> = {
  name: 'spend',
  description: "what this machine's journal shows was spent, by day and by model, with the budgets (no request sent)",
  flags: [
    {
      flags: '--since <when>',
      description:
        'from a local date (2026-11-01), the last n days or weeks counting today (30d, 2w), n hours back (12h), or all',
      default: '30d',
    },
  ],
  examples: ['veo spend', 'veo spend --since 2026-11-01', 'veo spend --since 7d --json'],
  remindsOfExpiring: false,
  load: () => import('./run.js'),
};
