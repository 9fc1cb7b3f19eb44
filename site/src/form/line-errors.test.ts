import { describe, expect, it } from 'vitest';
import { errorsStillStanding, sortRefusal } from './line-errors.js';

const text = 'requests\n-e .\nnumpy\n';

describe('sortRefusal', () => {
  it('puts line details beside their lines and keeps the rest as messages', () => {
    const { lineErrors, otherErrors } = sortRefusal(
      [
        { line: 2, message: '"-e" installs from a local path' },
        { field: 'python_version', message: 'must be one of 3.10, 3.11' },
        { line: 0, message: 'requirements contain a NUL byte' },
      ],
      text,
    );
    expect(lineErrors).toEqual([{ line: 2, text: '-e .', message: '"-e" installs from a local path' }]);
    expect(otherErrors).toEqual(['python_version: must be one of 3.10, 3.11', 'requirements contain a NUL byte']);
  });
});

describe('errorsStillStanding', () => {
  it('drops an error once its line is edited or moves', () => {
    const errors = [{ line: 2, text: '-e .', message: 'refused' }];
    expect(errorsStillStanding(errors, 'requests\r\n-e .\r\nnumpy')).toEqual(errors);
    expect(errorsStillStanding(errors, 'requests\nmypkg\nnumpy')).toEqual([]);
    expect(errorsStillStanding(errors, '-e .\nrequests')).toEqual([]);
  });
});
