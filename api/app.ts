import { zValidator } from '@hono/zod-validator';
import { Hono, type MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { randomUUID } from 'node:crypto';
import { newBuildRecord } from '../core/build-record.js';
import { validateBuildRequest } from '../core/build-request.js';
import { CapacityError, NotFoundError, ValidationError } from '../core/errors.js';
import type { ArtifactStore, BuildQueue, BuildStore, LogStore } from '../core/ports.js';
import { buildRequestSchema } from '../core/schemas.js';
import { buildView } from './build-view.js';
import { runtimeCatalog } from './runtime-catalog-view.js';

export interface AppConfig {
  /** How long builds and their files live (the seed's artifact TTL). */
  artifactTtlSeconds: number;
  /** Builds waiting or running at once before POST answers 429. */
  maxActiveBuilds: number;
  allowedOrigins: string[];
  /** When set, /builds routes need `Authorization: Bearer <token>`. */
  apiToken?: string;
}

export interface AppDeps {
  store: BuildStore;
  queue: BuildQueue;
  artifacts: ArtifactStore;
  logs: LogStore;
  config: AppConfig;
  now?: () => Date;
  newId?: () => string;
  /** Where operational messages go (failed dependencies, hidden 500s). */
  report?: (message: string, error?: unknown) => void;
}

const BUILD_ID = /^[A-Za-z0-9-]{1,64}$/;
const MAX_BODY_BYTES = 256 * 1024;

function errorBody(message: string, details: ValidationError['details'] = []) {
  return { error: message, details };
}

/**
 * The whole HTTP API as one chained Hono app, from ports only: the same app serves
 * Lambda (api/lambda.ts) and this machine (api/server.ts). `AppType` carries its routes
 * to the typed client (`hc<AppType>`) of the CLI and the site.
 */
export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const report = deps.report ?? ((message, error) => console.error(message, error));
  const origins = deps.config.allowedOrigins;
  const token = deps.config.apiToken;
  let admissions: Promise<unknown> = Promise.resolve();
  const admit = <T>(step: () => Promise<T>): Promise<T> => {
    const result = admissions.then(step);
    admissions = result.catch(() => {});
    return result;
  };
  const requireToken: MiddlewareHandler = (c, next) =>
    !token || c.req.method === 'OPTIONS' ? next() : bearerAuth({ token })(c, next);

  const app = new Hono()
    .use(
      '*',
      cors({
        origin: origins.includes('*') ? '*' : origins,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: 600,
      }),
    )
    .use('/builds', requireToken)
    .use('/builds/*', requireToken)
    .get('/health', (c) => c.json({ ok: true as const }))
    .get('/runtimes', (c) => c.json(runtimeCatalog(now())))
    .post(
      '/builds',
      async (c, next) => {
        if (/^application\/json\b/i.test(c.req.header('content-type') ?? '')) return next();
        return c.json(errorBody('send the build request as JSON, with Content-Type: application/json'), 415);
      },
      bodyLimit({
        maxSize: MAX_BODY_BYTES,
        onError: (c) => c.json(errorBody(`request body is over ${MAX_BODY_BYTES / 1024} KB`), 413),
      }),
      zValidator('json', buildRequestSchema, (result, c) => {
        if (!result.success) {
          const details = result.error.issues.map((issue) => ({
            field: issue.path.join('.') || undefined,
            message: issue.message,
          }));
          return c.json(errorBody('The build request is not valid', details), 400);
        }
      }),
      async (c) => {
        const { request, requestKey } = validateBuildRequest(c.req.valid('json'));
        const at = now();
        if (!request.no_cache) {
          const reusable = await deps.store.findReusable(requestKey, at);
          if (reusable) return c.json({ ...(await buildView(reusable, deps.artifacts)), cached: true }, 200);
        }
        // Count, create and queue one request at a time, so concurrent requests cannot all
        // pass the capacity check before any of them is counted (within this process).
        const admitted = await admit(async () => {
          const active = await deps.queue.activeCount().catch((error: unknown) => {
            report('could not read the number of active builds; accepting the build', error);
            return undefined;
          });
          if (active !== undefined && active >= deps.config.maxActiveBuilds) {
            throw new CapacityError(`${active} builds are waiting or running (the limit is ${deps.config.maxActiveBuilds}); try again in a few minutes`);
          }
          const record = newBuildRecord({ buildId: newId(), request, requestKey, now: at, ttlSeconds: deps.config.artifactTtlSeconds });
          await deps.store.create(record);
          try {
            await deps.queue.send(record.build_id);
          } catch (error) {
            report(`could not queue build ${record.build_id}`, error);
            await deps.store.failBuild(record.build_id, 'the build could not be queued; please submit it again', now()).catch(() => {});
            return undefined;
          }
          return record;
        });
        if (!admitted) return c.json(errorBody('The build could not be queued; please try again'), 503);
        const record = admitted;
        return c.json(
          {
            build_id: record.build_id,
            status: record.status,
            python_version: request.python_version,
            architectures: request.architectures,
            single_file: request.single_file,
            created_at: record.created_at,
            expires_at: record.expires_at,
            cached: false,
          },
          202,
        );
      },
    )
    .get('/builds/:id', async (c) => {
      const record = await findBuild(deps.store, c.req.param('id'));
      return c.json({ ...(await buildView(record, deps.artifacts)) }, 200);
    })
    .get('/builds/:id/logs', async (c) => {
      const record = await findBuild(deps.store, c.req.param('id'));
      return c.json({ build_id: record.build_id, status: record.status, logs: await deps.logs.read(record.build_id) }, 200);
    });

  app.notFound((c) => c.json(errorBody(`no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof ValidationError) return c.json(errorBody(error.message, error.details), 400);
    if (error instanceof NotFoundError) return c.json(errorBody(error.message), 404);
    if (error instanceof CapacityError) return c.json(errorBody(error.message), 429);
    if (error instanceof HTTPException) {
      if (error.status === 401) return c.json(errorBody('a valid API token is required (Authorization: Bearer <token>)'), 401);
      return c.json(errorBody(error.message || 'bad request'), error.status);
    }
    if (isBackingServiceBusy(error)) {
      report(`a backing service refused ${c.req.method} ${c.req.path}`, error);
      c.header('Retry-After', '5');
      return c.json(errorBody('the build service is busy right now; please try again in a few seconds'), 503);
    }
    report(`unhandled error on ${c.req.method} ${c.req.path}`, error);
    return c.json(errorBody('internal error; the build service logged it'), 500);
  });
  return app;
}

async function findBuild(store: BuildStore, id: string) {
  const record = BUILD_ID.test(id) ? await store.get(id) : undefined;
  if (!record) throw new NotFoundError(`no build ${JSON.stringify(id.slice(0, 64))} (builds and their files expire after their lifetime)`);
  return record;
}

/**
 * Throttling and server-side failures of a store or queue (AWS SDK errors carry
 * `$retryable` or a 5xx `$metadata.httpStatusCode`): the client may try again, so 503.
 */
function isBackingServiceBusy(error: unknown): boolean {
  const candidate = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; name?: string };
  if (candidate.$retryable) return true;
  if ((candidate.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|ServiceUnavailable/.test(candidate.name ?? '');
}

export type AppType = ReturnType<typeof createApp>;
