import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type BalanceInput = CommandInput<Record<string, never>, Record<string, never>>;

export const balance: CommandDeclaration<BalanceInput> = {
  name: 'balance',
  description: "the account's balance and credit limit (rubles)",
  examples: ['veo balance', 'veo balance --json'],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
