import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { candidateLines, plainDescription } from '../../src/commands/completion/candidates.js';
import { completionSpec, everyCommand, type CommandSpec } from '../../src/commands/completion/spec.js';
import { buildProgram } from '../../src/program.js';

function commanderCommands(command: Command, path: string[] = []): [string, Command][] {
  return [
    [path.join(' '), command],
    ...command.commands.flatMap((sub) => commanderCommands(sub, [...path, sub.name()])),
  ];
}

describe('what completion knows of the command line', () => {
  const spec = completionSpec();
  const byPath = new Map(
    everyCommand(spec.root).map((command): [string, CommandSpec] => [command.path.join(' '), command]),
  );
  const program = buildProgram(
    async () => undefined,
    () => undefined,
  );

  it('has every command, option and choice commander has, and nothing else', () => {
    const commander = commanderCommands(program);
    assert.deepEqual(
      commander.map(([path]) => path),
      [...byPath.keys()].filter((path) => path !== 'help'),
    );
    const globals = spec.globals.map((option) => option.long);
    for (const [path, command] of commander) {
      const known = byPath.get(path);
      assert.ok(known, path);
      const options = command.options.filter((option) => option.long && !globals.includes(option.long));
      assert.deepEqual(
        known.options.map((option) => [option.short, option.long, option.description, option.values?.words]),
        options.map((option) => [option.short, option.long, option.description, option.argChoices]),
        path,
      );
      assert.equal(known.args.length, command.registeredArguments.length, path);
      command.registeredArguments.forEach((argument, i) => {
        if (argument.argChoices) assert.deepEqual(known.args[i]?.words, argument.argChoices, path);
      });
    }
    assert.deepEqual(globals, [
      ...program.options.map((option) => option.long).filter((long) => long !== '--version'),
      '--help',
    ]);
  });

  it('reads what a value is from the declaration: choices, paths, folders, models, task ids', () => {
    const option = (path: string, long: string) => byPath.get(path)?.options.find((o) => o.long === long)?.values;
    assert.deepEqual(option('create', '--ar'), { words: ['1:1', '16:9', '9:16'] });
    assert.deepEqual(option('create', '--model'), { dynamic: 'models' });
    assert.deepEqual(option('create', '--output'), { files: true });
    assert.deepEqual(option('create', '--prompt-file'), { files: true });
    assert.deepEqual(option('batch', '--dir'), { folders: true });
    assert.deepEqual(option('create', '--timeout'), {});
    assert.equal(option('create', '--force'), undefined);
    assert.deepEqual(byPath.get('wait')?.args, [{ dynamic: 'tasks' }]);
    assert.deepEqual(byPath.get('download')?.args, [{ dynamic: 'tasks' }]);
    assert.deepEqual(byPath.get('rerun')?.args, [{ files: true, dynamic: 'tasks' }]);
    assert.deepEqual(byPath.get('inspect')?.args, [{ files: true }]);
    assert.deepEqual(byPath.get('create')?.args, [{}]);
    assert.ok(byPath.get('config set')?.args[0]?.words?.includes('output-dir'));
    assert.deepEqual(byPath.get('completion')?.args, [{ words: ['bash', 'zsh', 'fish'] }]);
  });

  it('shows descriptions as one short line of plain text', () => {
    assert.equal(plainDescription('a\nb\tc\u001b[2J\u202ed\u2028e'), 'a b c [2J d e');
    assert.equal(plainDescription('x'.repeat(100)), `${'x'.repeat(57)}...`);
    assert.equal(Array.from(plainDescription('🦊'.repeat(70))).length, 60);
  });

  it('answers an unknown kind with nothing', async () => {
    assert.deepEqual(await candidateLines(['toString'], {}), []);
    assert.deepEqual(await candidateLines(['__proto__'], {}), []);
  });
});
