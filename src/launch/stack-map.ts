// Stack traces name the TypeScript sources, not the bundle: frames in dist/veo.cjs are mapped through its source
// map. Node's --enable-source-maps does not reach a script compiled with node:vm, so this is done here, and only
// when a stack is formatted: the map is read the first time a frame in the bundle needs it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

const require = createRequire(import.meta.url);

type SourceMap = import('node:module').SourceMap;

export function mapBundleStacks(bundleFile: string, mapFile: string, firstLineShift: number): void {
  let map: SourceMap | null | undefined;
  const loadMap = (): SourceMap | null => {
    if (map !== undefined) return map;
    try {
      const { SourceMap } = require('node:module') as typeof import('node:module');
      map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
    } catch {
      map = null;
    }
    return map;
  };
  const where = (frame: NodeJS.CallSite): string | undefined => {
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (frame.getFileName() !== bundleFile || line === null || column === null) return undefined;
    const shifted = line === 1 ? column - firstLineShift : column;
    const entry = loadMap()?.findEntry(line - 1, shifted - 1) as
      { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource === undefined || entry.originalLine === undefined) return undefined;
    const source = resolve(dirname(mapFile), entry.originalSource);
    return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
  };
  Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
    let head: string;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    const lines = frames.map((frame) => {
      const text = String(frame);
      const mapped = where(frame);
      if (mapped === undefined) return text;
      return text.replace(`${bundleFile}:${frame.getLineNumber()}:${frame.getColumnNumber()}`, mapped);
    });
    return head + lines.map((line) => `\n    at ${line}`).join('');
  };
}
