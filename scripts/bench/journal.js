// @ts-check
// The journal group: the commands that read the journal, with 100,000 tasks in it against an empty one.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_TASKS, TARGETS, VEO, runs } from './options.js';
import { interleave, median, run } from './runner.js';
import { finishedTask, startSim, veoEnv } from './sim.js';
import { addRow, node, round, timeRow } from './figures.js';
import { sameJournal } from './groups.js';

export async function benchJournal() {
  // Every timed create is paid for in the simulator: a balance for all of them.
  const sim = await startSim(['--balance', '1000000']);
  try {
    const empty = veoEnv(sim);
    const full = veoEnv(sim);
    writeJournal(full.VEO_CONFIG_DIR, JOURNAL_TASKS);
    const { id } = await finishedTask(sim, empty);
    const veo =
      (env, ...args) =>
      () =>
        run([node, VEO, ...args], { env });
    const rowsFor = [
      ['create', ['create', 'bench']],
      ['result', ['result', id]],
      ['wait', ['wait', id, '--interval', '0.1']],
    ];
    for (const [name, args] of rowsFor) {
      // A create adds a task each time, as it must; result and wait start from the same journals every run.
      const restore = name === 'create' ? [] : [sameJournal(empty.VEO_CONFIG_DIR), sameJournal(full.VEO_CONFIG_DIR)];
      const pair = await interleave(
        `journal ${name}`,
        runs.journal,
        { baseline: veo(empty, ...args), veo: veo(full, ...args) },
        async () => {
          for (const before of restore) await before();
        },
      );
      timeRow(`journal_${name}`, `${name}: ${JOURNAL_TASKS / 1000}k journaled vs empty`, pair, TARGETS.journal);
    }
    const list = await interleave('journal list --limit 20', runs.journal, {
      baseline: veo(empty, 'list', '--limit', '20'),
      veo: veo(full, 'list', '--limit', '20'),
    });
    timeRow('journal_list_ratio', `  list --limit 20: ${JOURNAL_TASKS / 1000}k journaled vs empty`, list, undefined);
    // What a Tab after `veo wait ` costs: the newest task ids of the journal, read by the completion callback.
    const complete = await interleave('journal __complete tasks', runs.journal, {
      baseline: veo(empty, '__complete', 'tasks'),
      veo: veo(full, '__complete', 'tasks'),
    });
    timeRow(
      'journal_complete_ratio',
      `  __complete tasks (Tab): ${JOURNAL_TASKS / 1000}k journaled vs empty`,
      complete,
      undefined,
    );
    const ms = median(list.veo.map((r) => r.ms));
    addRow('journal_list', {
      measurement: `list --limit 20, ${JOURNAL_TASKS / 1000}k journaled (absolute)`,
      unit: 'ms',
      veo: ms,
      baseline: undefined,
      ratio: undefined,
      target: `< ${TARGETS.listMs} ms`,
      pass: ms < TARGETS.listMs,
      samples: { veo: list.veo.map((r) => round(r.ms)) },
    });
  } finally {
    await sim.stop();
  }
}

/**
 * A journal of `count` tasks as veo leaves it after compaction, one line per task: created over the past months,
 * finished, mostly saved, a few failed. Written directly, so the first veo command also builds its summary (in
 * the untimed warm-up).
 */
export function writeJournal(dir, count) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const start = Date.now() - 90 * 24 * 3600 * 1000;
  const step = Math.floor((90 * 24 * 3600 * 1000 - 3600 * 1000) / count);
  const lines = [];
  for (let i = 0; i < count; i++) {
    const created = start + i * step;
    const id =
      Math.floor(created / 1000)
        .toString(16)
        .padStart(8, '0') + i.toString(16).padStart(16, '0');
    const failed = i % 50 === 7;
    const doneAt = new Date(created + 90_000).toISOString();
    const fields = failed
      ? { status: 'failed', url: null, reason: 'the prompt was rejected by moderation' }
      : {
          status: 'done',
          url: `https://storage.example/predication/${id}_result.mp4`,
          doneAt,
          expiresAt: new Date(created + 90_000 + 48 * 3600 * 1000).toISOString(),
          ...(i % 10 === 3
            ? {}
            : {
                savedPath: `/home/someone/videos/clip-${i}.mp4`,
                bytes: 2_400_000 + i,
                sha256: id.repeat(3).slice(0, 64),
              }),
        };
    lines.push(
      JSON.stringify({
        id,
        at: created + 120_000,
        createdAt: new Date(created).toISOString(),
        model: 'glabs-veo-3-1-fast',
        prompt: `a red fox running through fresh snow at dawn, cinematic, shot ${i}`,
        params: { ar: '16:9' },
        ...fields,
        intent: i.toString(16).padStart(16, '0'),
      }),
    );
  }
  writeFileSync(join(dir, 'journal.jsonl'), `${lines.join('\n')}\n`, { mode: 0o600 });
}
