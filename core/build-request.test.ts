import { describe, expect, it } from 'vitest';
import { validateBuildRequest } from './build-request.js';
import { ValidationError } from './errors.js';

const base = { requirements: 'requests==2.32.4\n', python_version: '3.13', architectures: ['x86_64'] };

function detailsOf(body: unknown) {
  try {
    validateBuildRequest(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.details;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('validateBuildRequest', () => {
  it('fills the seed defaults', () => {
    const { request } = validateBuildRequest({ requirements: 'numpy', python_version: '3.12' });
    expect(request).toMatchObject({ architectures: ['x86_64'], single_file: true, strategy: 'auto', layout: 'site-packages', no_cache: false });
  });

  it.each(['3.9', '2.7', '3.13.1', 3.13, ''])('refuses python_version %j with the supported list', (version) => {
    const [detail] = detailsOf({ ...base, python_version: version });
    expect(detail!.field).toBe('python_version');
    expect(detail!.message).toContain('3.10, 3.11, 3.12, 3.13, 3.14');
  });

  it('refuses unknown and repeated architectures', () => {
    expect(detailsOf({ ...base, architectures: ['x86'] })[0]!.message).toContain('x86_64 or arm64');
    expect(detailsOf({ ...base, architectures: ['arm64', 'arm64'] })[0]!.message).toContain('twice');
    expect(detailsOf({ ...base, architectures: [] })[0]!.message).toContain('at least one');
  });

  it('gives requirement problems with their line numbers', () => {
    const details = detailsOf({ ...base, requirements: 'requests\n-e .\n' });
    expect(details).toEqual([{ line: 2, field: 'requirements', message: expect.stringContaining('editable') }]);
  });

  it('gives the same key to the same packages whatever the comments and spacing', () => {
    const a = validateBuildRequest({ ...base, requirements: 'requests==2.32.4\nnumpy\n' });
    const b = validateBuildRequest({ ...base, requirements: '# x\nrequests == 2.32.4\n\nnumpy   # y\n', no_cache: true });
    const c = validateBuildRequest({ ...base, requirements: 'requests==2.32.4\nnumpy\n', python_version: '3.12' });
    expect(a.requestKey).toBe(b.requestKey);
    const reordered = validateBuildRequest({ ...base, requirements: 'NumPy\nRequests==2.32.4\n' });
    expect(reordered.requestKey).toBe(a.requestKey);
    expect(a.requestKey).not.toBe(c.requestKey);
  });
});
