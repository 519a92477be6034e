import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * How the server responds: normally, by dropping connections, with a 500, with junk, with a
 * body over 256 KB (declared in `content-length`, or streamed in chunks without it), or never.
 */
export type JwksServerMode =
  'ok' | 'down' | 'error' | 'garbage' | 'oversized' | 'oversized-chunked' | 'hang';

/**
 * A JWKS and OpenID discovery server on 127.0.0.1 whose keys and failures tests switch at
 * run time. It serves `/jwks.json` and `/.well-known/openid-configuration`.
 */
export class JwksServer {
  /** Keys served at `/jwks.json`. */
  public keys: Record<string, unknown>[] = [];
  public mode: JwksServerMode = 'ok';
  /** `issuer` of the discovery document; defaults to the server's base URL. */
  public discoveryIssuer?: string;
  /** Requests served, by path. */
  public readonly requests = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    public readonly baseUrl: string,
  ) {}

  /** Starts a server on an ephemeral port of 127.0.0.1. */
  static async start(keys: Record<string, unknown>[] = []): Promise<JwksServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const instance = new JwksServer(server, `http://127.0.0.1:${port}`);
    server.on('request', (request, response) => instance.handle(request, response));
    instance.keys = keys;
    return instance;
  }

  get jwksUrl(): string {
    return `${this.baseUrl}/jwks.json`;
  }

  get discoveryUrl(): string {
    return `${this.baseUrl}/.well-known/openid-configuration`;
  }

  /** Returns how many requests reached `path`. */
  count(path: '/jwks.json' | '/.well-known/openid-configuration'): number {
    return this.requests.get(path) ?? 0;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/';
    this.requests.set(path, (this.requests.get(path) ?? 0) + 1);
    switch (this.mode) {
      case 'down':
        request.socket.destroy();
        return;
      case 'hang':
        return;
      case 'error':
        response.writeHead(500).end('{"error":"internal"}');
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [');
        return;
      case 'oversized-chunked':
        response.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 40; i++) {
          response.write(' '.repeat(10 * 1024));
        }
        response.end(JSON.stringify({ keys: this.keys }));
        return;
      case 'oversized':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys: this.keys, padding: 'x'.repeat(300 * 1024) }));
        return;
    }
    this.serveDocument(path, response);
  }

  private serveDocument(path: string, response: ServerResponse): void {
    let body: unknown;
    if (path === '/jwks.json') {
      body = { keys: this.keys };
    } else if (path === '/.well-known/openid-configuration') {
      body = { issuer: this.discoveryIssuer ?? this.baseUrl, jwks_uri: this.jwksUrl };
    } else {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
