import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';

/** Realistic Lambda events for handler tests: API Gateway HTTP API (payload 2.0) and SQS. */

let requestCounter = 0;

export function httpApiEvent(method: string, rawPath: string, opts: { body?: string; headers?: Record<string, string>; rawQueryString?: string } = {}): APIGatewayProxyEventV2 {
  requestCounter += 1;
  const headers = { host: 'abc123.execute-api.eu-central-1.amazonaws.com', 'user-agent': 'vitest', ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: opts.rawQueryString ?? '',
    headers,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: headers.host,
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
      requestId: `req-${requestCounter}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: opts.body,
    isBase64Encoded: false,
  };
}

export function sqsRecord(body: string, messageId = `msg-${++requestCounter}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AROAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:builds',
    awsRegion: 'eu-central-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
