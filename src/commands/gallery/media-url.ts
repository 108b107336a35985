// How the page points at a clip. A relative URL keeps working when the folder of the page and its clips is
// moved, copied to another machine or served over HTTP; it is used whenever the clip can be reached from the
// page's folder by a relative path. Where it cannot (another drive on Windows) the page gets a file: URL.
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export function mediaUrl(pageDir: string, file: string): string {
  const rel = relative(pageDir, file);
  if (rel === '' || isAbsolute(rel)) return pathToFileURL(file).href;
  // Every segment escaped: a name with '#', '?', '%' or ':' must stay a name, not become a fragment or a scheme.
  return rel
    .split(sep)
    .map((segment) => (segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}
