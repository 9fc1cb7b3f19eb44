import { describe, expect, it } from 'vitest';
import { formatRequirement, parseRequirements, REQUIREMENTS_MAX_LINES } from './requirements.js';

describe('parseRequirements', () => {
  it('accepts comments, blank lines, extras, ranges, markers and --hash (CASES 17)', () => {
    const text = [
      '# my layer',
      '',
      'requests[socks,security]>=2,<3  # http',
      'tomli ; python_version < "3.11"',
      'orjson==3.10.0 --hash=sha256:ABCDEF0123',
      'PyYAML',
      'numpy (>=1.26)',
    ].join('\n');
    const { requirements, issues } = parseRequirements(text);
    expect(issues).toEqual([]);
    expect(requirements.map(formatRequirement)).toEqual([
      'requests[socks,security]>=2,<3',
      'tomli ; python_version < "3.11"',
      'orjson==3.10.0 --hash=sha256:abcdef0123',
      'PyYAML',
      'numpy>=1.26',
    ]);
    expect(requirements.map((r) => [r.line, r.key])).toEqual([
      [3, 'requests'],
      [4, 'tomli'],
      [5, 'orjson'],
      [6, 'pyyaml'],
      [7, 'numpy'],
    ]);
  });

  it('joins backslash continuations and reports the first line', () => {
    const { requirements, issues } = parseRequirements('x==1\nrequests==2.32.4 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n');
    expect(issues).toEqual([]);
    expect(requirements[1]).toMatchObject({ line: 2, name: 'requests', hashes: ['sha256:aa', 'sha256:bb'] });
  });

  it.each([
    ['git+https://github.com/psf/requests.git', 'version-control link'],
    ['https://example.com/x-1.0-py3-none-any.whl', 'URL'],
    ['pkg @ https://example.com/pkg.tar.gz', 'URL'],
    ['pkg @ file:///tmp/pkg', 'URL'],
    ['./local', 'local path'],
    ['../sibling/pkg', 'local path'],
    ['/abs/path', 'local path'],
    ['dist/pkg-1.0.tar.gz', 'local archive'],
    ['-e .', 'editable'],
    ['-r other.txt', 'another requirements file'],
    ['--requirement=other.txt', 'another requirements file'],
    ['-c constraints.txt', 'constraints file'],
    ['--index-url https://evil.example/simple', 'package index'],
    ['-i https://evil.example/simple', 'package index'],
    ['--extra-index-url https://evil.example/simple', 'adds a package index'],
    ['--find-links /tmp/wheels', 'download locations'],
    ['--trusted-host evil.example', 'TLS'],
    ['--pre', 'pip option'],
    ['requests --global-option=x', 'not accepted on a requirement line'],
  ])('refuses %s and names its line (CASES 18)', (line, words) => {
    const { requirements, issues } = parseRequirements(`numpy\n\n${line}\n`);
    expect(requirements.map((r) => r.name)).toEqual(['numpy']);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.line).toBe(3);
    expect(issues[0]!.message).toContain(words);
  });

  it('reports every offending line, one detail each', () => {
    const { issues } = parseRequirements('git+https://x/y.git\nrequests\n-e .\n--index-url http://x\n');
    expect(issues.map((i) => i.line)).toEqual([1, 3, 4]);
  });

  it('refuses malformed specifiers, extras and markers with the line', () => {
    const { issues } = parseRequirements('requests=>2\nfoo[bar\nbaz ; python_version <\nqux ; os_nam == "x"\n');
    expect(issues.map((i) => i.line)).toEqual([1, 2, 3, 4]);
    expect(issues[3]!.message).toContain('os_nam');
  });

  it.each([
    ['réquests', 'not a valid package name'],
    ['Requests_', 'not a valid package name'],
    ['numpy==1.*.3', 'not valid'],
    ['numpy>=1.*', 'not valid'],
  ])('refuses %s with a message that says what is wrong', (line, words) => {
    const { issues } = parseRequirements(`${line}\n`);
    expect(issues).toEqual([{ line: 1, message: expect.stringContaining(words) }]);
  });

  it('accepts a trailing wildcard after == and !=', () => {
    expect(parseRequirements('numpy==1.26.*\nurllib3!=2.0.*\n').issues).toEqual([]);
  });

  it('accepts exactly the line limit with a final newline', () => {
    const atLimit = Array.from({ length: REQUIREMENTS_MAX_LINES }, (_, i) => (i < 10 ? `pkg${i}` : '# comment')).join('\n') + '\n';
    expect(parseRequirements(atLimit).issues).toEqual([]);
  });

  it('refuses empty input and oversized input', () => {
    expect(parseRequirements('# nothing\n\n').issues[0]!.message).toContain('no package is named');
    const many = Array.from({ length: REQUIREMENTS_MAX_LINES + 5 }, (_, i) => `pkg${i}`).join('\n');
    expect(parseRequirements(many).issues[0]!.message).toContain(`limit is ${REQUIREMENTS_MAX_LINES}`);
    expect(parseRequirements('x'.repeat(70_000)).issues[0]!.message).toContain('bytes');
  });

  it('keeps shell metacharacters as data, never as a requirement', () => {
    const { requirements, issues } = parseRequirements('requests; $(rm -rf /)\n`id`\nfoo"bar\n');
    expect(requirements).toEqual([]);
    expect(issues.map((i) => i.line)).toEqual([1, 2, 3]);
  });
});
