import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isVeoError } from '../../src/core/errors.js';
import { hookCommandLine, hookEnvironment } from '../../src/task/hook-command.js';

describe('hookCommandLine (sh)', () => {
  const cases: [string, string][] = [
    ['ffprobe {path}', 'ffprobe "${VEO_PATH}"'],
    ['cp {path} {path}.bak', 'cp "${VEO_PATH}" "${VEO_PATH}".bak'],
    ['echo "got {prompt}!"', 'echo "got ${VEO_PROMPT}!"'],
    ["echo 'got {prompt}!'", `echo 'got '"\${VEO_PROMPT}"'!'`],
    [`echo "it's {id}"`, `echo "it's \${VEO_ID}"`],
    [`echo 'say "{url}"'`, `echo 'say "'"\${VEO_URL}"'"'`],
    ['echo \\{path}', 'echo \\{path}'],
    ['echo \\"{sha256}', 'echo \\""${VEO_SHA256}"'],
    ['echo "a\\"{path}"', 'echo "a\\"${VEO_PATH}"'],
    ["echo 'a\\'{path}", `echo 'a\\'"\${VEO_PATH}"`],
    ['echo {{path}', 'echo {path}'],
    ['echo {{path}}', 'echo {path}}'],
    ['echo ${HOME} {a,b} {1..3}', 'echo ${HOME} {a,b} {1..3}'],
    ["awk '{print $1}' {path}", `awk '{print $1}' "\${VEO_PATH}"`],
    ['echo {path', 'echo {path'],
    // A substitution is a command of its own: quoting starts afresh inside it, even within "…".
    ['echo "[$(basename {path})]"', 'echo "[$(basename "${VEO_PATH}")]"'],
    ['echo "`basename {path}`"', 'echo "`basename "${VEO_PATH}"`"'],
    ['echo $(echo {path})', 'echo $(echo "${VEO_PATH}")'],
    [`echo "$(printf '%s' "{path}")"`, `echo "$(printf '%s' "\${VEO_PATH}")"`],
    [`echo "$(printf '%s' '{path}')"`, `echo "$(printf '%s' ''"\${VEO_PATH}"'')"`],
    [`echo '$(x {path})'`, `echo '$(x '"\${VEO_PATH}"')'`],
    ['echo $( (cd x; echo {path}) ) {id}', 'echo $( (cd x; echo "${VEO_PATH}") ) "${VEO_ID}"'],
    ['echo "$((1 << 2)) {id}" ${x:-y} {path}', 'echo "$((1 << 2)) ${VEO_ID}" ${x:-y} "${VEO_PATH}"'],
    ['printf "<%s>" "$(printf "[%s]" ${x%y} {path})"', 'printf "<%s>" "$(printf "[%s]" ${x%y} "${VEO_PATH}")"'],
    ['[ -f {path} ] && echo ok', '[ -f "${VEO_PATH}" ] && echo ok'],
    // A `)` inside ${…} does not end the $(…) around it.
    ['printf "<%s>" "$(printf "[%s]" ${x%)} {path})"', 'printf "<%s>" "$(printf "[%s]" ${x%)} "${VEO_PATH}")"'],
    ['echo {id} <<<{path}', 'echo "${VEO_ID}" <<<"${VEO_PATH}"'],
    // A comment is text: its apostrophe opens no quote for the next line.
    ["echo {path} # it's {id}\necho {id}", `echo "\${VEO_PATH}" # it's {id}\necho "\${VEO_ID}"`],
    ["echo a#{path} '#' {id}", `echo a#"\${VEO_PATH}" '#' "\${VEO_ID}"`],
    ["echo `true # it's` {id}", `echo \`true # it's\` "\${VEO_ID}"`],
    ['echo "$(case {path} in *.mp4', 'echo "$(case "${VEO_PATH}" in *.mp4'],
  ];
  for (const [template, line] of cases) {
    it(`turns ${template} into ${line}`, () => assert.equal(hookCommandLine(template, 'sh'), line));
  }

  // Places where no reference would stay one unparsed word: refused before anything is sent.
  for (const template of [
    'echo $(( {id} + 1 ))',
    'cat <<EOF\n{path}\nEOF',
    "cat <<'EOF'\n{path}\nEOF",
    'cat <<EOF; echo {path}\nx\nEOF',
    'echo "`echo \\"{path}\\"`"',
    'echo "$(case {path} in *.mp4) echo {id};; esac)"',
    // Inside ${…} a value may be a pattern, a subscript or an offset; bash reads the others as arithmetic.
    'echo ${x:-{path}}',
    'echo ${a[{path}]}',
    'echo ${x:{path}}',
    'echo ${x:-"}"} {path}',
    '(( {path} ))',
    'echo $[{path}]',
    '[[ {path} -eq 1 ]]',
    'let {path}',
  ]) {
    it(`refuses the field in ${JSON.stringify(template)} as a usage error`, () => {
      assert.throws(
        () => hookCommandLine(template, 'sh'),
        (error: unknown) => isVeoError(error) && error.kind === 'usage' && /\$VEO_/.test(error.hint ?? ''),
      );
    });
  }

  for (const template of ['echo {pth}', 'echo {PATH}', "echo '{prompts}'"]) {
    it(`refuses the unknown field in ${template} as a usage error`, () => {
      assert.throws(
        () => hookCommandLine(template, 'sh'),
        (error: unknown) => isVeoError(error) && error.kind === 'usage' && error.code === 'BAD_HOOK',
      );
    });
  }
});

describe('hookCommandLine (cmd)', () => {
  it('uses delayed expansion, quoted where the placeholder is outside quotes', () => {
    assert.equal(hookCommandLine('copy {path} "x {id}"', 'cmd'), 'copy "!VEO_PATH!" "x !VEO_ID!"');
  });
  it('leaves a ^-escaped brace and backslashes alone', () => {
    assert.equal(hookCommandLine('echo ^{path} C:\\x\\{id}', 'cmd'), 'echo ^{path} C:\\x\\"!VEO_ID!"');
  });
});

// The values a hook receives, whatever they hold, reach it as exactly one argument with exactly these bytes.
const HOSTILE = [
  'plain',
  'with spaces  and  runs',
  `it's "quoted" \\ back\\slash`,
  '$(touch pwned) `touch pwned` ${HOME} $HOME',
  "'; touch pwned; echo '",
  '"; touch pwned; echo "',
  'new\nline\ttab',
  'sp ace dir/a  b*.mp4',
  '*',
  '$(basename x) "$(touch pwned)" \'`touch pwned`\'',
  '*?[a] ~ {a,b} -n',
  '',
];

describe('hook values through a real shell', () => {
  const templates = [
    "printf '[%s]' {prompt}",
    `printf '[%s]' "{prompt}"`,
    `printf '[%s]' '{prompt}'`,
    `printf '[%s]' "$(printf '%s' {prompt})"`,
    `printf '[%s]' "\`printf '%s' {prompt}\`"`,
    `printf '[%s]' "$(printf '%s' "{prompt}")"`,
    `printf '[%s]' "$(printf '%s' '{prompt}')"`,
    `x=$(printf '[%s]' {prompt}); printf '%s' "$x"`,
    `printf '%s' "$(printf '%s' "$(printf '[%s]' {prompt})")"`,
    `# it's a comment\nprintf '[%s]' {prompt}`,
    `printf '%s' "$(printf '[%s]' \${x%)} {prompt})"`,
    `printf '[%s]' {prompt} \${x:-}`,
  ];
  for (const template of templates) {
    it(`keeps every value one argument in ${template}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'veo-hook-'));
      // A file for an unquoted * to match: a value that were globbed would print its name.
      writeFileSync(join(dir, 'glob-bait'), '');
      for (const value of HOSTILE) {
        const env = hookEnvironment({ path: 'p', id: 'i', prompt: value, url: 'u', sha256: 's' });
        const printed = execFileSync('/bin/sh', ['-c', hookCommandLine(template, 'sh')], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: '/nowhere', ...env },
          cwd: dir,
        });
        assert.equal(printed, `[${value}]`);
      }
      assert.deepEqual(readdirSync(dir), ['glob-bait'], 'no value ran as a command');
      rmSync(dir, { recursive: true });
    });
  }
});
