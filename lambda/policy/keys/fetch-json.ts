/** Largest JWKS or discovery document read, in bytes; real ones are a few kilobytes. */
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
 * JSON object.
 */
export async function fetchJsonObject(
  url: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
  } catch (error) {
    throw new KeySourceError(`request to ${url} failed: ${describe(error)}`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new KeySourceError(`request to ${url} returned status ${response.status}`);
  }

  const text = await readCapped(response, url);
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

async function readCapped(response: Response, url: string): Promise<string> {
  const tooLarge = () =>
    new KeySourceError(`response from ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_DOCUMENT_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }

  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > MAX_DOCUMENT_BYTES) {
        // Leaving the loop by throwing cancels the stream.
        throw tooLarge();
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof KeySourceError) {
      throw error;
    }
    throw new KeySourceError(`reading the response from ${url} failed: ${describe(error)}`, {
      cause: error,
    });
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.name} ${error.message}${cause}`;
  }
  return String(error);
}
