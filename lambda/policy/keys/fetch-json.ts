import type { ClientRequest, IncomingMessage } from 'node:http';

/** Maximum size of a JWKS or discovery document read, in bytes; real ones are a few KB. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

/** A key source request that failed; the message names the URL and the reason. */
export class KeySourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySourceError';
  }
}

/**
 * Fetches a JSON object with a timeout and a size cap, and rejects with `KeySourceError`
 * on a network failure, a non-200 status, an oversized body or a body that is not a
 * JSON object. It uses node:http rather than the global `fetch`, because loading `fetch`
 * on first use adds tens of milliseconds to a cold start.
 */
export async function fetchJsonObject(
  url: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const text = await fetchText(url, timeoutMs);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new KeySourceError(`response from ${url} is not JSON`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeySourceError(`response from ${url} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function fetchText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let request: ClientRequest | undefined;
    // A timer rather than an AbortSignal.timeout() signal, because the first use of
    // AbortSignal loads Node.js's abort and event-target modules during the cold start.
    // The promise settles once, so the errors that destroy() causes afterwards are ignored.
    const timer = setTimeout(() => {
      fail(`timed out after ${timeoutMs} ms`);
      request?.destroy();
    }, timeoutMs);
    timer.unref();
    const succeed = (text: string) => {
      clearTimeout(timer);
      resolve(text);
    };
    const fail = (message: string, cause?: unknown) => {
      clearTimeout(timer);
      reject(new KeySourceError(`request to ${url} ${message}`, { cause }));
    };

    // Required here rather than imported, because loading node:http and node:https takes
    // milliseconds of every cold start, and a config with inline keys never fetches.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const get = url.startsWith('https:')
      ? (require('node:https') as typeof import('node:https')).get
      : (require('node:http') as typeof import('node:http')).get;
    /* eslint-enable @typescript-eslint/no-require-imports */
    // A new connection for every fetch. Node.js 20's global agent keeps connections alive,
    // and after Lambda thaws an instance, a kept connection the server has since closed fails
    // the refresh with "socket hang up". Fetches are rare, so the new handshake costs little.
    const options = { headers: { accept: 'application/json' }, agent: false };
    try {
      request = get(url, options, (response) => readBody(response, succeed, fail));
    } catch (error) {
      fail(`failed: ${describe(error)}`, error);
      return;
    }
    request.on('error', (error) => fail(`failed: ${describe(error)}`, error));
  });
}

function readBody(
  response: IncomingMessage,
  resolve: (text: string) => void,
  fail: (message: string, cause?: unknown) => void,
): void {
  if (response.statusCode !== 200) {
    response.destroy();
    fail(`returned status ${response.statusCode}`);
    return;
  }

  const chunks: Buffer[] = [];
  let size = 0;
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_DOCUMENT_BYTES) {
      response.destroy();
      fail(`returned a body larger than ${MAX_DOCUMENT_BYTES} bytes`);
      return;
    }
    chunks.push(chunk);
  });
  response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  response.on('error', (error) => fail(`failed while reading the body: ${describe(error)}`, error));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.name} ${error.message}${cause}`;
  }
  return String(error);
}
