import type { CommandDeclaration, CommandInput } from '../declaration.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export type CompletionInput = CommandInput<{ shell: Shell }, Record<string, never>>;

// Prints a script: no key, no network, and no reminder about expiring videos in the middle of it.
export const completion: CommandDeclaration<CompletionInput> = {
  name: 'completion',
  description: 'print the shell completion script for bash, zsh or fish',
  arguments: [{ name: 'shell', syntax: '<shell>', description: 'the shell the script is for', choices: SHELLS }],
  examples: [
    'veo completion bash > ~/.local/share/bash-completion/completions/veo',
    'veo completion zsh > "${fpath[1]}/_veo"',
    'veo completion fish > ~/.config/fish/completions/veo.fish',
    'source <(veo completion bash)',
  ],
  epilogue:
    '\nThe script completes commands, options, aspect ratios, models (from the list `veo models` last fetched) and ' +
    'task ids from the journal (newest first). Write it where your shell loads completions, as above, or source ' +
    'it from your shell startup file; write it again after upgrading veo.\n',
  remindsOfExpiring: false,
  load: () => import('./run.js'),
};
