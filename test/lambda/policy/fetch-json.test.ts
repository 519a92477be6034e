import { once } from 'node:events';
import { Server, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { KeySourceError, fetchJsonObject } from '../../../lambda/policy/keys/fetch-json';

type Mode = 'ok' | 'no-headers' | 'partial-body';

let server: Server;
let url: string;
let mode: Mode = 'ok';
const sockets = new Set<Socket>();
/** The `connection` header of each request the server received. */
const connectionHeaders: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    connectionHeaders.push(request.headers.connection);
    if (mode === 'no-headers') {
      return;
    }
    if (mode === 'partial-body') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"keys":');
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end('{"keys":[]}');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});

// Closing every connection and giving the client time to see the close keeps one test's
// connection out of the next test.
afterEach(async () => {
  sockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => setTimeout(resolve, 50));
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

async function failure(promise: Promise<unknown>): Promise<KeySourceError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeySourceError) return error;
    throw error;
  }
  throw new Error('expected KeySourceError, but the fetch succeeded');
}

describe('fetchJsonObject', () => {
  test('returns the parsed object', async () => {
    mode = 'ok';

    await expect(fetchJsonObject(url, 1000)).resolves.toEqual({ keys: [] });
  });

  test('opens a new connection per fetch', async () => {
    mode = 'ok';
    connectionHeaders.length = 0;

    await fetchJsonObject(url, 1000);
    await fetchJsonObject(url, 1000);

    expect(connectionHeaders).toEqual(['close', 'close']);
    // Both sides close after the response, so allow up to 2 s for the close to arrive.
    for (let waited = 0; sockets.size > 0 && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sockets.size).toBe(0);
  });

  test('times out when no response arrives', async () => {
    mode = 'no-headers';

    const error = await failure(fetchJsonObject(url, 200));

    expect(error.message).toBe(`request to ${url} timed out after 200 ms`);
  });

  test('times out when the body stalls', async () => {
    mode = 'partial-body';

    const error = await failure(fetchJsonObject(url, 200));

    expect(error.message).toBe(`request to ${url} timed out after 200 ms`);
  });

  test('closes the connection after a timeout', async () => {
    mode = 'partial-body';

    await failure(fetchJsonObject(url, 200));
    for (let waited = 0; sockets.size > 0 && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    expect(sockets.size).toBe(0);
  });

  test('reports a refused connection as failed', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks`;
    closed.close();
    await once(closed, 'close');

    const error = await failure(fetchJsonObject(closedUrl, 1000));

    expect(error.message).toContain(`request to ${closedUrl} failed: `);
    expect(error.message).toContain('ECONNREFUSED');
  });
});
