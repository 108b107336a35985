import { randomBytes } from 'node:crypto';

const OBJECT_ID = /^[0-9a-f]{24}$/;

export function isObjectId(value: string): boolean {
  return OBJECT_ID.test(value);
}

/**
 * Makes MongoDB-style ObjectIds: 4 bytes of Unix seconds, 5 bytes fixed per generator, a 3-byte counter.
 * Clients may read the creation time out of the first 8 hex digits, so those must be right.
 */
export class ObjectIdGenerator {
  private readonly middle = randomBytes(5).toString('hex');
  private counter = randomBytes(3).readUIntBE(0, 3);

  next(unixSeconds: number): string {
    this.counter = (this.counter + 1) % 0x1000000;
    const time = (unixSeconds >>> 0).toString(16).padStart(8, '0');
    return time + this.middle + this.counter.toString(16).padStart(6, '0');
  }
}
