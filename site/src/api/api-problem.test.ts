import { describe, expect, it } from 'vitest';
import { problemFromResponse, unreachable } from './api-problem.js';

const API = 'https://layers.example.com';

function answer(status: number, body?: unknown): Response {
  return new Response(body === undefined ? 'not json' : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('problems worded for the user', () => {
  it('a refused token points to Settings', async () => {
    const problem = await problemFromResponse(answer(401, { error: 'a valid API token is required' }), API);
    expect(problem.kind).toBe('token');
    expect(problem.message).toBe(`The build service at ${API} refused the token (a valid API token is required). Set the right token in Settings.`);
  });

  it('a refused request keeps the line details', async () => {
    const problem = await problemFromResponse(answer(400, { error: 'requirements have 1 problem', details: [{ line: 2, message: 'no -e' }] }), API);
    expect(problem).toMatchObject({ kind: 'invalid', message: 'requirements have 1 problem', details: [{ line: 2, message: 'no -e' }] });
  });

  it('a busy service and an unknown answer say what happened', async () => {
    expect(await problemFromResponse(answer(429, { error: '10 builds are running' }), API)).toMatchObject({ kind: 'busy', message: '10 builds are running' });
    expect(await problemFromResponse(answer(502), API)).toMatchObject({ kind: 'server', message: 'The build service answered 502' });
  });

  it('an unreachable service names the URL and Settings', () => {
    expect(unreachable(API, new TypeError('Failed to fetch')).message).toContain(`Could not reach the build service at ${API}`);
    expect(unreachable(API, undefined).message).toContain('Settings');
  });
});
