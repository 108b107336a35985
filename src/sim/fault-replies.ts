import { codeFaultReply } from './api-routes.js';
import type { Reply, Truncation } from './http-io.js';
import type { Fault, RecordedRoute } from './types.js';

const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

function guessContentType(body: string): string {
  const start = body.trimStart();
  if (start.startsWith('<')) return 'text/html; charset=utf-8';
  if (start.startsWith('{') || start.startsWith('[')) return 'application/json; charset=utf-8';
  return 'text/plain; charset=utf-8';
}

const json = { 'content-type': 'application/json; charset=utf-8' };

/** The answer a fault sends instead of the real one, or undefined for faults that shape the real answer. */
export function faultReply(route: RecordedRoute, fault: Fault): Reply | undefined {
  switch (fault.kind) {
    case 'code':
      return codeFaultReply(route, fault.code, fault.message);
    case 'http': {
      const body = fault.body ?? '';
      const headers: Record<string, string> = {};
      if (fault.contentType !== undefined) headers['content-type'] = fault.contentType;
      else if (body !== '') headers['content-type'] = guessContentType(body);
      return { status: fault.status, headers: { ...headers, ...fault.headers }, body };
    }
    case 'html':
      return { status: 502, headers: { 'content-type': 'text/html', server: 'nginx' }, body: NGINX_502 };
    case 'empty':
      return { status: 200, headers: json, body: '' };
    case 'malformed':
      return { status: 200, headers: json, body: '{"code":0,"id":' };
    case 'shape':
      return { status: 200, headers: json, body: '{"code":0,"id":42,"status":null}' };
    case 'redirect':
      return { status: fault.status ?? 302, headers: { location: fault.location }, body: '' };
    default:
      return undefined;
  }
}

export function truncationFor(fault: Fault | undefined): Truncation | undefined {
  if (fault?.kind === 'drop') return { afterBytes: fault.afterBytes, then: 'close' };
  if (fault?.kind === 'stall-body') return { afterBytes: fault.afterBytes, then: 'stall' };
  return undefined;
}
