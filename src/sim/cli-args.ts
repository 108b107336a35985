import { parseArgs } from 'node:util';
import type { SimOptions } from './types.js';

export const USAGE = `Usage: veo-sim [options]

A local stand-in for GPTunnel's media API and the storage its videos are served from.
Prints the API base URL as the first line on stdout once listening; everything else goes to stderr.

Options:
  --port N               API port (default 0: any free port)
  --file-port N          file host port, a second origin (default 0)
  --host H               address to listen on (default 127.0.0.1)
  --task-seconds S       time from create to done, decimals allowed (default 3)
  --fail-pattern RE      prompts matching this JavaScript RegExp end as status 'failed'
  --fail-reason TEXT     the failed task's error field
  --video-bytes N        serve synthetic videos of exactly N bytes instead of the sample clip
                         (suffixes K, M, G = KiB, MiB, GiB; e.g. 512M)
  --link-ttl-seconds S   how long a result link works after the task is done (default 172800: 48 h)
  --wrong-key K          the one key the API rejects with code 2 (default shds-wrong-key)
  --balance N            starting balance in rubles (default 1000; a negative one as --balance=-50)
  --credit-limit N       how far below zero the balance may go (default 0)
  --price ID=N           what model ID costs, in rubles, in the model list and per create (repeatable)
  --tls-cert FILE        serve both origins over https with this PEM certificate (chain)...
  --tls-key FILE         ...and this PEM key; clients trust a private authority via NODE_EXTRA_CA_CERTS
  --url-host NAME        the host name in the URLs handed out (default: the --host address)
  --detach               start in the background, print the URL, exit; for URL=$(veo-sim --detach)
                         (stop it with: curl -X POST <url>/__sim/shutdown, or kill <pid>)
  -h, --help             show this help
  -v, --version          show the version

Any other non-empty key is accepted, sent bare: "Authorization: <key>".
Faults and settings can be changed while running through the control endpoints under /__sim
(GET <url>/__sim lists them).`;

export class UsageError extends Error {}

export type CliRequest =
  | { action: 'help' }
  | { action: 'version' }
  | { action: 'run'; options: SimOptions; detach: boolean; serving?: ServingFiles };

/** Where the TLS material is, and the host name for URLs: read at start-up, never part of the options. */
export interface ServingFiles {
  certPath?: string;
  keyPath?: string;
  urlHost?: string;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(`--${flag} expects a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function decimal(flag: string, text: string, min = -Infinity): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min) {
    throw new UsageError(`--${flag} expects a number${min > -Infinity ? ` >= ${min}` : ''}, got "${text}"`);
  }
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

export function parseByteSize(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  const unit = SIZE_UNITS[match?.[2]?.toLowerCase() ?? ''];
  const bytes = match && unit !== undefined ? Number(match[1]) * unit : NaN;
  if (!Number.isSafeInteger(bytes))
    throw new UsageError(`--${flag} expects a byte count such as 1048576 or 512M, got "${text}"`);
  return bytes;
}

export function parseCli(argv: string[]): CliRequest {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        'file-port': { type: 'string' },
        host: { type: 'string' },
        'task-seconds': { type: 'string' },
        'fail-pattern': { type: 'string' },
        'fail-reason': { type: 'string' },
        'video-bytes': { type: 'string' },
        'link-ttl-seconds': { type: 'string' },
        'wrong-key': { type: 'string' },
        balance: { type: 'string' },
        'credit-limit': { type: 'string' },
        price: { type: 'string', multiple: true },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'url-host': { type: 'string' },
        detach: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { action: 'help' };
  if (v.version) return { action: 'version' };

  const options: SimOptions = {};
  if (v.port !== undefined) options.port = integer('port', v.port, 0, 65535);
  if (v['file-port'] !== undefined) options.filePort = integer('file-port', v['file-port'], 0, 65535);
  if (v.host !== undefined) {
    if (v.host === '') throw new UsageError('--host expects an address');
    options.host = v.host;
  }
  if (v['task-seconds'] !== undefined) options.taskMs = decimal('task-seconds', v['task-seconds'], 0) * 1000;
  if (v['fail-pattern'] !== undefined) {
    try {
      new RegExp(v['fail-pattern']);
    } catch (error) {
      throw new UsageError(`--fail-pattern is not a valid RegExp: ${(error as Error).message}`);
    }
    options.failPattern = v['fail-pattern'];
  }
  if (v['fail-reason'] !== undefined) {
    if (v['fail-reason'] === '') throw new UsageError('--fail-reason expects some text');
    options.failReason = v['fail-reason'];
  }
  if (v['video-bytes'] !== undefined) options.videoBytes = parseByteSize('video-bytes', v['video-bytes']);
  if (v['link-ttl-seconds'] !== undefined) {
    options.linkTtlMs = decimal('link-ttl-seconds', v['link-ttl-seconds'], 0) * 1000;
  }
  if (v['wrong-key'] !== undefined) {
    if (v['wrong-key'] === '') throw new UsageError('--wrong-key expects a key');
    options.wrongKey = v['wrong-key'];
  }
  if (v.balance !== undefined) options.balance = decimal('balance', v.balance);
  if (v['credit-limit'] !== undefined) options.creditLimit = decimal('credit-limit', v['credit-limit']);
  if (v.price !== undefined) {
    const prices: Record<string, number> = {};
    for (const given of v.price) {
      const cut = given.indexOf('=');
      if (cut < 1) throw new UsageError(`--price expects ID=RUBLES, got "${given}"`);
      prices[given.slice(0, cut)] = decimal('price', given.slice(cut + 1), 0);
    }
    options.prices = prices;
  }
  const serving = servingFiles(v['tls-cert'], v['tls-key'], v['url-host']);
  return { action: 'run', options, detach: v.detach === true, ...(serving ? { serving } : {}) };
}

function servingFiles(certPath?: string, keyPath?: string, urlHost?: string): ServingFiles | undefined {
  if ((certPath === undefined) !== (keyPath === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (urlHost !== undefined && !/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(urlHost)) {
    throw new UsageError(`--url-host expects a host name, got "${urlHost}"`);
  }
  if (certPath === undefined && urlHost === undefined) return undefined;
  return { certPath, keyPath, urlHost };
}
