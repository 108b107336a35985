import { maskApiKey } from '../../api/key.js';
import { AuthError } from '../../core/errors.js';
import type { Context } from '../../context.js';
import { describeKey, keySourceName, refusedKeyHint, requireApiKey } from '../../settings.js';
import type { StatusInput } from './index.js';
import { checkKey, whyUnchecked, type KeyCheck } from './check-key.js';

function worksLine(check: KeyCheck | undefined): string {
  if (!check) return 'not checked (--no-verify)';
  if (check.works) return 'yes, the API accepted it';
  if (check.works === false) return 'no, the API refused it';
  return `unknown: ${whyUnchecked(check.error)}`;
}

/**
 * Which key is used, where it comes from (masked), and whether the API accepts it. The status is printed whatever
 * the answer; a refused key then ends with exit 3, a check that could not be made with that failure's code.
 */
export async function authStatus(ctx: Context, verify: boolean): Promise<void> {
  const settings = await ctx.settings();
  const key = requireApiKey(settings);
  const setting = settings.apiKey ?? { value: key, source: 'default' as const };
  const check = verify ? await checkKey(ctx, await ctx.client()) : undefined;
  if (ctx.out.json) {
    ctx.out.data({
      key: maskApiKey(key),
      source: setting.source,
      from: keySourceName(setting.source),
      baseUrl: settings.baseUrl.value,
      configDir: settings.configDir,
      checked: check !== undefined,
      works: check?.works ?? null,
    });
  } else {
    ctx.out.result(`key      ${describeKey(setting)}`);
    ctx.out.result(`api      ${settings.baseUrl.value} (${settings.baseUrl.source})`);
    ctx.out.result(`works    ${worksLine(check)}`);
  }
  if (check?.works === false) {
    throw new AuthError(`The API refused the key ${describeKey(setting)}.`, {
      code: 'KEY_REJECTED',
      hint: refusedKeyHint(setting),
    });
  }
  if (check && check.works === undefined) {
    check.error.message = `Could not check the key: ${whyUnchecked(check.error)}.`;
    throw check.error;
  }
}

export async function run(ctx: Context, input: StatusInput): Promise<void> {
  await authStatus(ctx, input.options.verify !== false);
}
