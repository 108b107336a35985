// Clips side by side: one group per prompt of one batch, so that the takes of a prompt can be compared.
//
// A group is keyed by the batch the clips came from (its output folder; none for `veo create`) and by the prompt
// text. Variations plug in here: an item made from `{a|b}` groups carries the prompt before expansion (`template`)
// and the choice taken in each group (`choices`), from the journal or its sidecar. Clips that share a template are
// then one group, and each clip shows its choices with those that differ within the group marked. Until items
// carry those fields, every clip's template is its own prompt and a group holds the takes of one exact prompt.
import { clipMs, type Clip } from './clips.js';

export interface ClipGroup {
  /** The template, or the prompt itself. */
  text: string;
  batch?: string;
  clips: Clip[];
  /** For each position in `choices`: whether the clips of the group differ there. */
  differing: boolean[];
}

function groupKey(clip: Clip): string {
  return JSON.stringify([clip.batch ?? '', clip.template ?? clip.prompt]);
}

function differingChoices(clips: Clip[]): boolean[] {
  const width = Math.max(0, ...clips.map((clip) => clip.choices?.length ?? 0));
  return Array.from({ length: width }, (_, at) => new Set(clips.map((clip) => clip.choices?.[at])).size > 1);
}

/** Groups, newest first (by their newest clip); in a group the clips in the order they were made. */
export function groupClips(clips: Clip[]): ClipGroup[] {
  const groups = new Map<string, ClipGroup>();
  for (const clip of clips) {
    const key = groupKey(clip);
    let group = groups.get(key);
    if (!group) {
      group = { text: clip.template ?? clip.prompt, clips: [], differing: [] };
      if (clip.batch) group.batch = clip.batch;
      groups.set(key, group);
    }
    group.clips.push(clip);
  }
  const result = [...groups.values()];
  for (const group of result) {
    group.clips.sort((a, b) => clipMs(a) - clipMs(b) || (a.id < b.id ? -1 : 1));
    group.differing = differingChoices(group.clips);
  }
  const newest = (group: ClipGroup): number => Math.max(...group.clips.map(clipMs));
  return result.sort((a, b) => newest(b) - newest(a));
}
