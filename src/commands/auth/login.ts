import { AuthError, InterruptedError, UsageError, type VeoError } from '../../core/errors.js';
import { maskApiKey, normalizeApiKey } from '../../api/key.js';
import { writeConfig } from '../../config/writer.js';
import type { Context } from '../../context.js';
import type { LoginInput } from './index.js';
import { readStdin } from '../shared/read-text.js';
import { checkKey, whyUnchecked } from './check-key.js';

/** Reads a line from the terminal without echoing it, so the key never shows on screen or in scrollback. */
async function promptHidden(question: string): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) {
    throw new UsageError('No terminal to ask for the key.', {
      hint: 'Pipe it in instead: printf %s "$KEY" | veo auth login --with-token',
    });
  }
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish();
        if (char === '\u0003') return finish(new InterruptedError('Cancelled; no key was stored.'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * A key is stored only once the API has accepted it: a wrong one would otherwise surface later, as a failure of
 * some other command. A check that cannot be made stores nothing, unless the user said not to check (offline).
 */
async function verifyBeforeStoring(ctx: Context, key: string): Promise<void> {
  const masked = maskApiKey(key);
  const check = await checkKey(ctx, await ctx.clientFor(key));
  if (check.works === false) {
    throw new AuthError(`The API refused the key ${masked}: it was not stored, and nothing was changed.`, {
      code: 'KEY_REJECTED',
      hint: 'Copy the key again from your GPTunnel account page; --no-verify stores a key without checking it.',
    });
  }
  if (check.works === undefined) {
    const error = check.error as VeoError;
    error.message = `Could not check the key ${masked}, so it was not stored: ${whyUnchecked(error)}.`;
    error.hint = 'Try again once the API can be reached, or store the key unchecked with --no-verify.';
    throw error;
  }
}

export async function authLogin(ctx: Context, withToken: boolean, verify: boolean): Promise<void> {
  const settings = await ctx.settings();
  const raw = withToken ? await readStdin() : await promptHidden('GPTunnel API key (input hidden): ');
  const key = normalizeApiKey(raw);
  ctx.out.setSecret(key);
  if (verify) await verifyBeforeStoring(ctx, key);
  await writeConfig({ 'api-key': key }, settings.configDir);
  if (ctx.out.json) {
    ctx.out.data({ stored: true, key: maskApiKey(key), configDir: settings.configDir, verified: verify });
  } else {
    const checked = verify ? 'the API accepted it' : 'not checked (--no-verify)';
    ctx.out.info(`Stored key ${maskApiKey(key)} in ${settings.configDir}; ${checked}.`);
  }
  if (ctx.env.GPTUNNEL_API_KEY) ctx.out.warn('GPTUNNEL_API_KEY is set and takes precedence over the stored key.');
}

export async function run(ctx: Context, input: LoginInput): Promise<void> {
  await authLogin(ctx, Boolean(input.options.withToken), input.options.verify !== false);
}
