// The `<name>.info.json` written beside a clip (`veo ... --write-info-json`). The gallery and `veo inspect` read it
// to add what the journal does not keep (the price paid, the choices of a variation) or to describe a clip the
// journal has lost. It is read tolerantly: its fields may come under a few names, a field of an unexpected type is
// left out, and a file that is missing, too large, not a regular file or not JSON reads as no sidecar at all.
import { open } from 'node:fs/promises';
import { READ_NO_LINK_NO_WAIT } from '../api/local-files.js';
import { basename, dirname, extname, join } from 'node:path';

export interface ClipInfo {
  id?: string;
  prompt?: string;
  model?: string;
  ar?: string;
  image?: string;
  createdAt?: string;
  doneAt?: string;
  price?: number;
  url?: string;
  expiresAt?: string;
  bytes?: number;
  sha256?: string;
  version?: string;
  /** The prompt before its `{a|b}` groups were expanded, for a variation. */
  template?: string;
  /** The choice taken in each `{a|b}` group of the template, in order. */
  choices?: string[];
}

/** Larger than any real sidecar: a prompt is at most 100 kB, and the rest is a few lines. */
const MAX_BYTES = 1024 * 1024;

/** Where a sidecar may be: `clip.info.json` (as yt-dlp names it), then `clip.mp4.info.json`. */
export function sidecarPaths(video: string): string[] {
  const ext = extname(video);
  const stem = ext ? basename(video, ext) : basename(video);
  return [join(dirname(video), `${stem}.info.json`), `${video}.info.json`];
}

async function readSmallFile(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, READ_NO_LINK_NO_WAIT);
  } catch {
    return undefined;
  }
  try {
    const info = await fh.stat();
    if (!info.isFile() || info.size > MAX_BYTES) return undefined;
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await fh.read(buffer, 0, info.size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

type Json = Record<string, unknown>;

function text(json: Json, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = json[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function number(json: Json, ...names: string[]): number | undefined {
  for (const name of names) {
    const value = json[name];
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
    // A price may come as an object: {"amount": 49, "currency": "RUB"}.
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const amount = (value as Json).amount;
      if (typeof amount === 'number' && Number.isFinite(amount) && amount >= 0) return amount;
    }
  }
  return undefined;
}

function strings(json: Json, name: string): string[] | undefined {
  const value = json[name];
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
}

/** What a sidecar says, its fields of the wrong type left out. */
export function infoFromJson(json: unknown): ClipInfo | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const j = json as Json;
  const params = j.params && typeof j.params === 'object' && !Array.isArray(j.params) ? (j.params as Json) : {};
  // veo's own sidecar (src/task/info-json.ts) keeps a variation's template and choices under `variation`.
  const variation =
    j.variation && typeof j.variation === 'object' && !Array.isArray(j.variation) ? (j.variation as Json) : {};
  const info: ClipInfo = {
    id: text(j, 'id', 'taskId', 'task_id'),
    prompt: text(j, 'prompt'),
    model: text(j, 'model'),
    ar: text(j, 'ar', 'aspectRatio', 'aspect_ratio') ?? text(params, 'ar'),
    image: text(j, 'image') ?? text(params, 'image'),
    createdAt: text(j, 'createdAt', 'created'),
    doneAt: text(j, 'doneAt', 'done'),
    price: number(j, 'price', 'cost'),
    url: text(j, 'url', 'sourceUrl', 'source_url'),
    expiresAt: text(j, 'expiresAt', 'urlExpiresAt', 'sourceExpiresAt'),
    bytes: number(j, 'bytes', 'size'),
    sha256: text(j, 'sha256'),
    version: text(j, 'version', 'veoVersion'),
    template: text(j, 'template') ?? text(variation, 'template'),
    choices: strings(j, 'choices') ?? strings(variation, 'choices'),
  };
  for (const key of Object.keys(info) as (keyof ClipInfo)[]) if (info[key] === undefined) delete info[key];
  return info;
}

/** The sidecar of `video`, if one is there and readable. */
export async function readSidecar(video: string): Promise<ClipInfo | undefined> {
  for (const path of sidecarPaths(video)) {
    const content = await readSmallFile(path);
    if (content === undefined) continue;
    try {
      return infoFromJson(JSON.parse(content));
    } catch {
      return undefined;
    }
  }
  return undefined;
}
