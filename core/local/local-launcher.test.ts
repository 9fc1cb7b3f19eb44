import { describe, expect, it } from 'vitest';
import type { Architecture } from '../runtime-catalog.js';
import { createLocalLauncher } from './local-launcher.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('local launcher', () => {
  it('returns from launch while the run goes on, and is idle once it ends', async () => {
    const release = deferred();
    const calls: Array<[string, Architecture]> = [];
    let finished = false;
    const launcher = createLocalLauncher({
      run: async (buildId, arch) => {
        calls.push([buildId, arch]);
        await release.promise;
        finished = true;
      },
      onError: () => {
        throw new Error('no run should fail here');
      },
    });

    await launcher.launch('b-1', 'arm64');
    expect(calls).toEqual([['b-1', 'arm64']]);
    expect(finished).toBe(false);

    const finishedWhenIdle = launcher.idle().then(() => finished);
    release.resolve();
    expect(await finishedWhenIdle).toBe(true);
  });

  it('waits for every launched run before it is idle', async () => {
    const runs = { x86_64: deferred(), arm64: deferred() };
    const done: Architecture[] = [];
    const launcher = createLocalLauncher({
      run: async (_buildId, arch) => {
        await runs[arch].promise;
        done.push(arch);
      },
      onError: () => {},
    });
    await launcher.idle();

    await launcher.launch('b-2', 'x86_64');
    await launcher.launch('b-2', 'arm64');
    const doneWhenIdle = launcher.idle().then(() => [...done]);
    runs.arm64.resolve();
    runs.x86_64.resolve();
    expect((await doneWhenIdle).sort()).toEqual(['arm64', 'x86_64']);
  });

  it('reports a run that rejects or throws, without failing the launch', async () => {
    const errors: Array<[string, Architecture, unknown]> = [];
    const crash = new Error('instance ran out of disk');
    const launcher = createLocalLauncher({
      run: (buildId, arch) => {
        if (arch === 'arm64') throw new TypeError('cannot start');
        return Promise.reject(crash);
      },
      onError: (buildId, arch, error) => errors.push([buildId, arch, error]),
    });

    await launcher.launch('b-3', 'x86_64');
    await launcher.launch('b-3', 'arm64');
    await launcher.idle();

    expect(errors).toHaveLength(2);
    expect(errors).toContainEqual(['b-3', 'x86_64', crash]);
    expect(errors.find(([, arch]) => arch === 'arm64')?.[2]).toBeInstanceOf(TypeError);
  });
});
