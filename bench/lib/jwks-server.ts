import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Server, createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1, made with the openssl command line. */
export interface LoopbackCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** File holding `certPem`, for `NODE_EXTRA_CA_CERTS` in child processes. */
  readonly certFile: string;
  readonly dir: string;
}

/**
 * Makes a certificate for 127.0.0.1 in a new temporary folder. aws-jwt-verify fetches JWKS
 * only over https, so every handler gets its keys over TLS and trusts this certificate
 * through `NODE_EXTRA_CA_CERTS`.
 */
export function makeLoopbackCertificate(): LoopbackCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  args.push('-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=127.0.0.1');
  args.push('-addext', 'subjectAltName=IP:127.0.0.1');
  execFileSync('openssl', args, { stdio: 'ignore' });
  return {
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
    certFile,
    dir,
  };
}

/** Removes the certificate's temporary folder. */
export function removeLoopbackCertificate(certificate: LoopbackCertificate): void {
  rmSync(certificate.dir, { recursive: true, force: true });
}

/**
 * An https server on 127.0.0.1 that serves one JWKS per path and records when each path was
 * fetched. `setKeys` publishes a new key set.
 */
export class JwksServer {
  private readonly keySets = new Map<string, readonly Record<string, unknown>[]>();
  private readonly fetches = new Map<string, number[]>();
  private server?: Server;
  private port = 0;

  constructor(private readonly certificate: LoopbackCertificate) {}

  /** Starts listening on a free port of 127.0.0.1. */
  async start(): Promise<void> {
    const server = createServer(
      { cert: this.certificate.certPem, key: this.certificate.keyPem },
      (request, response) => {
        const path = new URL(request.url ?? '/', 'https://127.0.0.1').pathname;
        const keys = this.keySets.get(path);
        this.fetches.set(path, [...(this.fetches.get(path) ?? []), Date.now()]);
        if (!keys) {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ keys }));
      },
    );
    // Handlers keep sockets alive between fetches; a refused idle socket must not end the run.
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Returns the https URL of the JWKS at `path`. */
  url(path: string): string {
    return `https://127.0.0.1:${this.port}${path}`;
  }

  /** Publishes `keys` at `path`, replacing what was there. */
  setKeys(path: string, keys: readonly Record<string, unknown>[]): void {
    this.keySets.set(path, keys);
  }

  /** Returns the times (ms since the epoch) at which `path` was requested. */
  fetchTimes(path: string): number[] {
    return [...(this.fetches.get(path) ?? [])];
  }

  /** Returns how many times `path` was requested. */
  fetchCount(path: string): number {
    return this.fetches.get(path)?.length ?? 0;
  }

  /** Stops the server and closes every open connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) {
      return;
    }
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}
