import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../lambda-bundle.js';
import { runProgram, stackConfig } from './program-mocks.js';

/**
 * Runs `main` of Pulumi.yaml the way the Pulumi CLI's Node.js host imports it (a dynamic
 * import of its file URL), in this process's Node with whatever flags it was started
 * with, against the mocks; prints what the program registered and exported as JSON.
 */
const main = /^main:\s*(\S+)\s*$/m.exec(readFileSync(join(PROJECT_ROOT, 'Pulumi.yaml'), 'utf8'))?.[1];
if (!main) throw new Error('Pulumi.yaml names no main');
const run = await runProgram(stackConfig(), [], [], () => import(pathToFileURL(join(PROJECT_ROOT, main)).href));
console.log(JSON.stringify({ types: run.resources.map((r) => r.type), outputs: run.outputs }));
