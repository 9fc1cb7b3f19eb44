import { describe, expect, it } from 'vitest';
import { buildRequestBody, parseCommandLine, UsageError } from './args.js';

const read = (path: string) => `# from ${path}\nrequests\n`;
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseCommandLine(argv, env, read);

describe('the command line', () => {
  it('reads -r and the seed script\'s flags into a build request', () => {
    const command = parse(['build', '-r', 'req.txt', '--python', '3.12', '--arch', 'x86_64,arm64', '--skip-arm64', '--individual']);
    expect(command).toMatchObject({ command: 'build', source: 'req.txt', python: '3.12', architectures: ['x86_64'], individual: true });
    if (command.command !== 'build') throw new Error('expected build');
    expect(buildRequestBody(command)).toMatchObject({ requirements: '# from req.txt\nrequests\n', single_file: false, architectures: ['x86_64'] });
  });

  it('takes aarch64 as the arm64 architecture', () => {
    expect(parse(['build', '-p', 'x', '--arch', 'x86_64,aarch64'])).toMatchObject({ architectures: ['x86_64', 'arm64'] });
  });

  it('joins repeated --package values into requirement lines', () => {
    const command = parse(['build', '--package', 'requests==2.32.4', '-p', 'orjson']);
    expect(command).toMatchObject({ requirements: 'requests==2.32.4\norjson\n', source: '--package' });
  });

  it('takes the index and token from the environment when no flag is given', () => {
    expect(parse(['build', '-p', 'x'], { LAYER_INDEX_URL: 'file:///mirror', LAYER_API_TOKEN: 't' })).toMatchObject({ indexUrl: 'file:///mirror', token: 't' });
    expect(parse(['build', '-p', 'x'])).toMatchObject({ indexUrl: 'https://pypi.org/simple' });
  });

  it('asks for the import check only with --check-imports', () => {
    expect(parse(['build', '-p', 'x'])).toMatchObject({ checkImports: false });
    expect(parse(['build', '-p', 'x', '--check-imports'])).toMatchObject({ checkImports: true });
  });

  it.each([
    [['build'], '-r FILE or --package SPEC'],
    [['build', '-r', 'a', '-p', 'b'], 'not both'],
    [['frobnicate'], 'unknown command'],
    [['build', '--bogus'], 'bogus'],
    [['status', 'abc'], '--api URL'],
    [['build', '-p', 'x', '--index-url', 'notaurl'], 'is not a URL'],
    [['build', '-p', 'x', '--api', 'localhost'], 'is not a URL'],
    [['build', '-p', 'x', '--api', 'http://127.0.0.1:8787', '--index-url', 'file:///mirror'], 'with --api the service uses'],
  ])('refuses %j as a usage error', (argv, words) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(words);
  });

  it('shows help for no command, help, and -h', () => {
    expect(parse([])).toEqual({ command: 'help' });
    expect(parse(['-h'])).toEqual({ command: 'help' });
  });
});
