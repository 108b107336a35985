// @ts-check
// Lists the source files and functions that have grown past the sizes the codebase keeps to, so a split is
// noticed when it is due rather than in review. Exit status 1 when anything is over.
//   node scripts/check-size.js [dir ...]     (default: src)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 80;

/** @param {string} dir @returns {string[]} */
function sourceFiles(dir) {
  /** @type {string[]} */
  const found = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
    else if (/\.[cm]?[jt]s$/.test(name) && !name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** @param {ts.Node} node @returns {string} */
function functionName(node) {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText();
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return '(anonymous)';
}

/** @param {string} path @returns {string[]} */
function findingsFor(path) {
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const shown = relative(process.cwd(), path);
  /** @type {string[]} */
  const findings = [];
  const fileLines = source.getLineAndCharacterOfPosition(source.end).line + (text.endsWith('\n') ? 0 : 1);
  if (fileLines > MAX_FILE_LINES) findings.push(`${shown}: file has ${fileLines} lines (max ${MAX_FILE_LINES})`);
  /** @param {ts.Node} node */
  const visit = (node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.end).line;
      const lines = end - start + 1;
      if (lines > MAX_FUNCTION_LINES) {
        findings.push(`${shown}:${start + 1}: ${functionName(node)} has ${lines} lines (max ${MAX_FUNCTION_LINES})`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

const roots = process.argv.slice(2);
const findings = (roots.length > 0 ? roots : ['src']).flatMap(sourceFiles).flatMap(findingsFor);
for (const line of findings) console.log(line);
if (findings.length > 0) {
  console.log(`${findings.length} over the limits`);
  process.exitCode = 1;
} else {
  console.log('no file or function over the limits');
}
