/** A value built the first time it is asked for: schemas cost start-up time that most commands never use. */
export function onFirstUse<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}
