import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type LoginInput = CommandInput<Record<string, never>, { withToken?: boolean; verify?: boolean }>;
export type StatusInput = CommandInput<Record<string, never>, { verify?: boolean }>;
export type NoInput = CommandInput<Record<string, never>, Record<string, never>>;

// The key is not a task: none of these is followed by the reminder about expiring videos.
const login: CommandDeclaration<LoginInput> = {
  name: 'login',
  description:
    'check the API key with the API, then store it (asked for without echo, or from stdin with --with-token)',
  flags: [
    { flags: '--with-token', description: 'read the key from stdin' },
    { flags: '--no-verify', description: 'store the key without checking it with the API (offline)' },
  ],
  examples: [
    'veo auth login',
    'printf %s "$KEY" | veo auth login --with-token',
    'printf %s "$KEY" | veo auth login --with-token --no-verify',
  ],
  remindsOfExpiring: false,
  load: () => import('./login.js'),
};

const status: CommandDeclaration<StatusInput> = {
  name: 'status',
  description: 'show which key is used, where it comes from (masked) and whether the API accepts it',
  flags: [{ flags: '--no-verify', description: 'only say where the key comes from; ask the API nothing' }],
  examples: ['veo auth status', 'veo auth status --json', 'veo auth status --no-verify'],
  remindsOfExpiring: false,
  load: () => import('./status.js'),
};

const logout: CommandDeclaration<NoInput> = {
  name: 'logout',
  description: 'remove the stored key',
  examples: ['veo auth logout'],
  remindsOfExpiring: false,
  load: () => import('./logout.js'),
};

export const auth: CommandDeclaration = {
  name: 'auth',
  description: 'store, check or remove the API key',
  examples: ['veo auth login', 'veo auth status', 'veo auth logout'],
  remindsOfExpiring: false,
  subcommands: [login, status, logout],
};
