/** One entry of /v1/media/models. The real list has about 270; a few are enough to make clients filter. */
export interface ModelEntry {
  id: string;
  name: string;
  type: 'video' | 'image' | 'audio';
  price: number;
  currency: 'RUB';
  description: string;
}

/** Aspect ratios the Veo family accepts (doc). */
export const VEO_ASPECT_RATIOS: readonly string[] = ['1:1', '16:9', '9:16'];

function entry(id: string, name: string, type: ModelEntry['type'], price: number, description: string): ModelEntry {
  return { id, name, type, price, currency: 'RUB', description };
}

// Veo ids and prices are the ones seen on the real service; the others are plausible inventions.
export const MODELS: readonly ModelEntry[] = Object.freeze([
  entry('gpt-image-1', 'GPT Image 1', 'image', 18, 'Text-to-image and image editing.'),
  entry('glabs-imagen-4', 'Imagen 4', 'image', 9, 'Photorealistic text-to-image.'),
  entry('glabs-veo-3-1-fast', 'Veo 3.1 Fast', 'video', 49, 'Text-to-video with sound, fast tier, about 8 s.'),
  entry('glabs-veo-3-1-lite', 'Veo 3.1 Lite', 'video', 30, 'Text-to-video, budget tier.'),
  entry('glabs-veo-3-1', 'Veo 3.1', 'video', 249, 'Text-to-video with sound, highest quality.'),
  entry('flux-1-1-pro', 'FLUX 1.1 [pro]', 'image', 12, 'Text-to-image.'),
  entry('glabs-veo-3-fast', 'Veo 3 Fast', 'video', 79, 'Text-to-video with sound, fast tier.'),
  entry('glabs-veo-3', 'Veo 3', 'video', 480, 'Text-to-video with sound.'),
  entry('kling-2-1-standard', 'Kling 2.1 Standard', 'video', 65, 'Text-to-video and image-to-video.'),
  entry('suno-v4-5', 'Suno v4.5', 'audio', 15, 'Songs with vocals from a text prompt.'),
  entry('elevenlabs-sfx', 'ElevenLabs Sound Effects', 'audio', 6, 'Short sound effects from a text prompt.'),
]);

export function findModel(id: string): ModelEntry | undefined {
  return MODELS.find((model) => model.id === id);
}

export function isVeoModel(id: string): boolean {
  return id.includes('-veo-');
}
