import { randomBytes } from 'node:crypto';
import type { Reply } from './http-io.js';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function requestId(): string {
  return randomBytes(8).toString('hex');
}

/** An error the way S3-compatible storage (Yandex Object Storage among them) words it. */
export function s3Error(status: number, code: string, message: string, resource: string, headOnly = false): Reply {
  const id = requestId();
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    `<Resource>${escapeXml(resource)}</Resource><RequestId>${id}</RequestId></Error>`;
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': id },
    body,
    headOnly,
  };
}

export const noSuchKey = (resource: string, headOnly = false): Reply =>
  s3Error(404, 'NoSuchKey', 'The specified key does not exist.', resource, headOnly);

export const expired = (resource: string, headOnly = false): Reply =>
  s3Error(403, 'AccessDenied', 'Request has expired', resource, headOnly);
