/**
 * The media API's error codes with their literal messages. All but 1001 and 1002 are quoted from the
 * service's documentation; the documentation gives only the meaning of those two, so their wording is ours.
 */
export const CODE_MESSAGES: Readonly<Record<number, string>> = Object.freeze({
  1: 'Internal server error.',
  2: 'Invalid token, check if authorization header has a valid value.',
  3: 'Invalid input, check schema issues.',
  4: 'Record not found.',
  5: 'Insufficient balance, check account balance.',
  6: 'Service on heavy load. Try again later.',
  7: 'Has organization restrict for this model.',
  99: 'API method not found, please check url you call.',
  500: 'Internal exception. We already working on this issue.',
  1001: 'Content moderation rejected the request.',
  1002: 'Content moderation rejected the prompt.',
});

export const CODE_INVALID_TOKEN = 2;
export const CODE_INVALID_INPUT = 3;
export const CODE_NOT_FOUND = 4;
export const CODE_LOW_BALANCE = 5;
export const CODE_NO_METHOD = 99;
export const CODE_EXCEPTION = 500;

export function messageFor(code: number): string {
  return CODE_MESSAGES[code] ?? `Error ${code}.`;
}

/** Recorded traffic shows code 99 arriving with HTTP 404; the documentation says every other envelope is HTTP 200. */
export function httpStatusFor(code: number): number {
  return code === CODE_NO_METHOD ? 404 : 200;
}

/** The shape of one entry of a code-3 `issues` array, as the service's zod validation reports it. */
export interface Issue {
  code: string;
  path: (string | number)[];
  expected: string;
  message: string;
  [extra: string]: unknown;
}
