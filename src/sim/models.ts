/**
 * One entry of /v1/media/models, in the shape the real service answers: an id, a price, sometimes a price for
 * input, and a moderation level under the service's own spelling `modelration`. Nothing says what a model makes.
 */
export interface ModelEntry {
  id: string;
  price: number;
  price_input?: number;
  modelration: 'strict' | 'low' | 'none';
}

/** Aspect ratios the Veo family accepts (doc). */
export const VEO_ASPECT_RATIOS: readonly string[] = ['1:1', '16:9', '9:16'];

function entry(id: string, price: number, extra: Partial<ModelEntry> = {}): ModelEntry {
  return { id, price, modelration: 'strict', ...extra };
}

// The real list has about 270 models of every kind (text, image, audio, video), Veo among them: a mixed few are
// enough to make a client tell them apart by id alone. Veo ids and prices are the ones seen on the real service;
// the others are plausible stand-ins.
export const MODELS: readonly ModelEntry[] = Object.freeze([
  entry('gpt-4o', 0.6, { price_input: 0.3, modelration: 'none' }),
  entry('gpt-4o-mini', 0.05, { price_input: 0.02, modelration: 'none' }),
  entry('claude-3-7-sonnet', 1.2, { price_input: 0.4, modelration: 'none' }),
  entry('deepseek-r1', 0.2, { price_input: 0.1, modelration: 'low' }),
  entry('gpt-image-1', 18, { price_input: 1 }),
  entry('glabs-imagen-4', 9),
  entry('glabs-veo-3-1-fast', 49),
  entry('glabs-veo-3-1-lite', 30),
  entry('glabs-veo-3-1', 249),
  entry('flux-1-1-pro', 12, { modelration: 'low' }),
  entry('midjourney-v7', 15),
  entry('glabs-veo-3-fast', 79),
  entry('glabs-veo-3', 480),
  entry('kling-2-1-standard', 65),
  entry('suno-v4-5', 15, { modelration: 'low' }),
  entry('elevenlabs-sfx', 6),
]);

/** The list as served, with any price the options replace. */
export function pricedModels(prices: Record<string, number> | null): readonly ModelEntry[] {
  if (!prices) return MODELS;
  return MODELS.map((model) => (prices[model.id] === undefined ? model : { ...model, price: prices[model.id] ?? 0 }));
}

export function findModel(id: string): ModelEntry | undefined {
  return MODELS.find((model) => model.id === id);
}

/**
 * The models whose tasks the file host serves a video for; the others leave a picture. Known to the simulator
 * alone: like the real list, the entries it serves say nothing of it.
 */
const MAKES_VIDEO = new Set(['kling-2-1-standard']);

export function makesVideo(id: string): boolean {
  return isVeoModel(id) || MAKES_VIDEO.has(id);
}

export function isVeoModel(id: string): boolean {
  return id.startsWith('glabs-veo-');
}
