/**
 * Runs async sections one at a time per key, in call order, inside this process. A
 * section's failure reaches its caller only; the next section for the key still runs.
 */
export interface KeyLock {
  run<T>(key: string, section: () => Promise<T>): Promise<T>;
}

export function createKeyLock(): KeyLock {
  const tails = new Map<string, Promise<void>>();
  return {
    run(key, section) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(section);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}
