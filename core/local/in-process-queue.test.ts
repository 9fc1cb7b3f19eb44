import { describe, expect, it } from 'vitest';
import { createInProcessQueue } from './in-process-queue.js';

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A handler whose runs are started and finished by the test, with a running-count watermark. */
function controlledHandler(ids: string[]) {
  const started = new Map(ids.map((id) => [id, deferred()]));
  const release = new Map(ids.map((id) => [id, deferred()]));
  const order: string[] = [];
  const finished: string[] = [];
  let running = 0;
  let maxRunning = 0;
  return {
    order,
    finished,
    maxRunning: () => maxRunning,
    started: (id: string) => started.get(id)!.promise,
    release: (id: string) => release.get(id)!.resolve(),
    fail: (id: string, error: unknown) => release.get(id)!.reject(error),
    async handle(id: string) {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      order.push(id);
      started.get(id)!.resolve();
      try {
        await release.get(id)!.promise;
      } finally {
        running -= 1;
        finished.push(id);
      }
    },
  };
}

describe('in-process queue', () => {
  it('runs builds first in first out, never more than the concurrency at once', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const handler = controlledHandler(ids);
    const queue = createInProcessQueue({ concurrency: 2, handle: (id) => handler.handle(id) });
    for (const id of ids) await queue.send(id);

    await Promise.all([handler.started('a'), handler.started('b')]);
    expect(handler.order).toEqual(['a', 'b']);

    handler.release('b');
    await handler.started('c');
    expect(handler.order).toEqual(['a', 'b', 'c']);
    expect(handler.finished).toEqual(['b']);

    handler.release('a');
    await handler.started('d');
    handler.release('c');
    await handler.started('e');
    handler.release('d');
    handler.release('e');
    await queue.idle();

    expect(handler.order).toEqual(ids);
    expect(handler.maxRunning()).toBe(2);
  });

  it('counts builds waiting and running as active', async () => {
    const ids = ['a', 'b', 'c'];
    const handler = controlledHandler(ids);
    const queue = createInProcessQueue({ concurrency: 1, handle: (id) => handler.handle(id) });
    expect(await queue.activeCount()).toBe(0);
    for (const id of ids) await queue.send(id);
    await handler.started('a');
    expect(await queue.activeCount()).toBe(3);

    handler.release('a');
    await handler.started('b');
    expect(await queue.activeCount()).toBe(2);

    handler.release('b');
    handler.release('c');
    await queue.idle();
    expect(await queue.activeCount()).toBe(0);
  });

  it('reports a failed or throwing handler and goes on with the next build', async () => {
    const errors: Array<[string, unknown]> = [];
    const boom = new Error('pip exited with 1');
    const handled: string[] = [];
    const queue = createInProcessQueue({
      concurrency: 1,
      handle: (id) => {
        handled.push(id);
        if (id === 'throws') throw new TypeError('not a promise');
        return id === 'rejects' ? Promise.reject(boom) : Promise.resolve();
      },
      onError: (id, error) => errors.push([id, error]),
    });
    await queue.send('rejects');
    await queue.send('throws');
    await queue.send('fine');
    await queue.idle();

    expect(handled).toEqual(['rejects', 'throws', 'fine']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toEqual(['rejects', boom]);
    expect(errors[1]?.[0]).toBe('throws');
    expect(errors[1]?.[1]).toBeInstanceOf(TypeError);
  });

  it('goes on even when the error reporter itself throws', async () => {
    const handled: string[] = [];
    const queue = createInProcessQueue({
      concurrency: 1,
      handle: async (id) => {
        handled.push(id);
        if (id === 'bad') throw new Error('boom');
      },
      onError: () => {
        throw new Error('reporter broke');
      },
    });
    await queue.send('bad');
    await queue.send('next');
    await queue.idle();
    expect(handled).toEqual(['bad', 'next']);
  });

  it('is idle at once when empty, and only after every build has finished otherwise', async () => {
    const ids = ['a', 'b', 'c'];
    const handler = controlledHandler(ids);
    const queue = createInProcessQueue({ concurrency: 2, handle: (id) => handler.handle(id) });
    await queue.idle();

    for (const id of ids) await queue.send(id);
    const finishedWhenIdle = queue.idle().then(() => [...handler.finished]);
    await Promise.all([handler.started('a'), handler.started('b')]);
    handler.release('a');
    await handler.started('c');
    handler.release('c');
    handler.fail('b', new Error('late failure'));

    expect((await finishedWhenIdle).sort()).toEqual(ids);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    for (const concurrency of [0, -1, 1.5, Number.NaN]) {
      expect(() => createInProcessQueue({ concurrency, handle: async () => {} })).toThrow(RangeError);
    }
  });
});
