import { ValidationError } from '../core/errors.js';
import type { Architecture } from '../core/runtime-catalog.js';
import { apiClient, ApiError, apiErrorFrom } from './cli/api-client.js';
import { parseCommandLine, UsageError, USAGE, type BuildCommand } from './cli/args.js';
import { buildHere } from './cli/build-here.js';
import { buildRemote } from './cli/build-remote.js';
import { formatSummary } from './cli/summary.js';
import { runtimeCatalog } from '../api/runtime-catalog-view.js';

/** `npm run layer -- ...`: build here or through a build service; see USAGE. */

function detailLines(source: string, details: ApiError['details']): string {
  return details.map((d) => `  ${d.line ? `${source}:${d.line}: ` : d.field ? `${d.field}: ` : ''}${d.message}`).join('\n');
}

async function build(command: BuildCommand): Promise<number> {
  const progress = (arch: Architecture | undefined, line: string) => {
    if (!command.quiet) process.stderr.write(arch ? `[${arch}] ${line}\n` : `${line}\n`);
  };
  const outcome = command.api ? await buildRemote(command, progress) : await buildHere(command, progress);
  process.stdout.write(command.json ? `${JSON.stringify(outcome, null, 2)}\n` : `${formatSummary(outcome)}\n`);
  return outcome.status === 'COMPLETED' ? 0 : 1;
}

let requirementsSource = 'requirements';
let jsonOutput = false;

/** With --json, failures are JSON on stdout too, so scripts read one stream. */
function printJsonError(error: string, details: ApiError['details'] = []): void {
  if (jsonOutput) process.stdout.write(`${JSON.stringify({ status: 'ERROR', error, details }, null, 2)}\n`);
}

async function main(argv: string[]): Promise<number> {
  const command = parseCommandLine(argv, process.env);
  if (command.command === 'build') requirementsSource = command.source;
  jsonOutput = 'json' in command && command.json;
  switch (command.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'build':
      return build(command);
    case 'runtimes': {
      let catalog = runtimeCatalog(new Date());
      if (command.api) {
        const response = await apiClient(command.api, command.token).runtimes.$get();
        if (!response.ok) throw await apiErrorFrom(response);
        catalog = await response.json();
      }
      const rows = catalog.runtimes.map((r) => `${r.runtime.padEnd(11)} ${r.os.padEnd(18)} ${r.glibc.padEnd(11)} ${r.stage === 'supported' ? '' : `${r.stage} (deprecated ${r.deprecation.deprecated})`}`);
      process.stdout.write(command.json ? `${JSON.stringify(catalog, null, 2)}\n` : `${rows.join('\n')}\n`);
      return 0;
    }
    case 'status': {
      const response = await apiClient(command.api, command.token).builds[':id'].$get({ param: { id: command.buildId } });
      if (!response.ok) throw await apiErrorFrom(response);
      const view = await response.json();
      process.stdout.write(command.json ? `${JSON.stringify(view, null, 2)}\n` : `${view.build_id} ${view.status}${view.error_message ? `: ${view.error_message}` : ''}\n`);
      return view.status === 'FAILED' ? 1 : 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (error instanceof ValidationError || (error instanceof ApiError && error.status === 400)) {
      printJsonError(error.message, error.details);
      process.stderr.write(`error: ${error.message}\n${detailLines(requirementsSource, error.details)}\n`);
      process.exit(2);
    }
    if (error instanceof ApiError) {
      printJsonError(error.message);
      process.stderr.write(`error: ${error.message} (HTTP ${error.status})\n`);
      process.exit(1);
    }
    const cause = error instanceof Error && 'cause' in error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    printJsonError(`${error instanceof Error ? error.message : String(error)}${cause}`);
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
    process.exit(1);
  },
);
