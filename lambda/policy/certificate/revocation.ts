import { X509Certificate } from 'node:crypto';
import { CertificateRevocationConfig } from '../config';
import { AccessDenied } from '../failure';
import { ParsedCrl, parseCrl, verifyCrlSignature } from './crl';
import { ParsedCertificate } from './parse';

type CrlRevocation = Extract<CertificateRevocationConfig, { mode: 'crl' }>;

/** Largest CRL the authorizer downloads. */
export const MAX_CRL_BYTES = 10 * 1024 * 1024;
/** Distribution points tried per certificate; a certificate rarely lists more than one. */
const MAX_DISTRIBUTION_POINTS = 2;
/** How long a failed download is remembered, so a dead server does not slow every request. */
const FAILURE_CACHE_SECONDS = 10;

interface CacheEntry {
  readonly crl?: ParsedCrl;
  readonly error?: Error;
  readonly expiresAt: number;
}

/** Fetched CRLs by URL, shared by every decision of this Lambda instance. */
const fetched = new Map<string, CacheEntry>();
/** Shipped CRLs parsed once per config array. */
const shippedCache = new WeakMap<readonly string[], ParsedCrl[]>();
/** Signature check results of shipped CRLs, by the issuing CA's SHA-256 fingerprint. */
const shippedSignatures = new WeakMap<ParsedCrl, Map<string, boolean>>();

/** Empties the fetched-CRL cache; tests call it between cases. */
export function clearCrlCache(): void {
  fetched.clear();
}

/**
 * Denies a revoked certificate. It reads the CRLs shipped in the config and, when enabled,
 * those at the certificate's distribution points, and it uses a CRL only when the issuing CA
 * signed it and its `nextUpdate` has not passed. Throws `AccessDenied` (403) on a revoked
 * certificate, and fails closed on a stale or unreachable CRL unless `failOpen` is set.
 */
export async function checkRevocation(
  certificate: ParsedCertificate,
  issuer: X509Certificate,
  config: CertificateRevocationConfig,
  now: number,
): Promise<void> {
  if (config.mode === 'none') return;

  let covered = false;
  for (const crl of shippedCrls(config.crls)) {
    if (crl.issuerKey !== certificate.issuerKey || !signedBy(crl, issuer)) {
      continue;
    }
    covered = applyCrl(crl, certificate, config, now, 'shipped CRL') || covered;
  }

  const urls = config.fetchDistributionPoints
    ? certificate.crlUrls.slice(0, MAX_DISTRIBUTION_POINTS)
    : [];
  for (const url of urls) {
    let crl: ParsedCrl;
    try {
      crl = await fetchCrl(url, certificate, issuer, config, now);
    } catch (error) {
      if (config.failOpen) continue;
      throw new AccessDenied('CRL_UNAVAILABLE', 403, `CRL at ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    covered = applyCrl(crl, certificate, config, now, `CRL at ${url}`) || covered;
  }

  if (!covered && config.requireCrl) {
    throw new AccessDenied(
      'CERTIFICATE_REVOCATION_UNKNOWN',
      403,
      `no current CRL covers certificate serial ${certificate.serialNumber}, and a CRL is required`,
    );
  }
}

/** Throws when the CRL lists the certificate; returns whether the CRL was current. */
function applyCrl(
  crl: ParsedCrl,
  certificate: ParsedCertificate,
  config: CrlRevocation,
  now: number,
  source: string,
): boolean {
  if (crl.revokedSerials.has(certificate.serialNumber)) {
    throw new AccessDenied(
      'CERTIFICATE_REVOKED',
      403,
      `certificate serial ${certificate.serialNumber} is revoked by the ${source}`,
    );
  }
  const stale = crl.nextUpdate !== undefined && crl.nextUpdate < now;
  if (stale && !config.failOpen) {
    throw new AccessDenied('CRL_EXPIRED', 403, `the ${source} passed its nextUpdate time`);
  }
  return !stale;
}

/** Verifies a shipped CRL's signature once per issuing CA and keeps the result. */
function signedBy(crl: ParsedCrl, issuer: X509Certificate): boolean {
  let results = shippedSignatures.get(crl);
  if (results === undefined) {
    results = new Map();
    shippedSignatures.set(crl, results);
  }
  let valid = results.get(issuer.fingerprint256);
  if (valid === undefined) {
    valid = verifyCrlSignature(crl, issuer.publicKey);
    results.set(issuer.fingerprint256, valid);
  }
  return valid;
}

function shippedCrls(crls: readonly string[]): ParsedCrl[] {
  let parsed = shippedCache.get(crls);
  if (!parsed) {
    parsed = crls.map((crl) => parseCrl(Buffer.from(crl, 'base64')));
    shippedCache.set(crls, parsed);
  }
  return parsed;
}

async function fetchCrl(
  url: string,
  certificate: ParsedCertificate,
  issuer: X509Certificate,
  config: CrlRevocation,
  now: number,
): Promise<ParsedCrl> {
  const cached = fetched.get(url);
  if (cached && cached.expiresAt > now) {
    if (cached.error) throw cached.error;
    return cached.crl as ParsedCrl;
  }

  try {
    const crl = parseCrl(await download(url, config.fetchTimeoutMs));
    if (crl.issuerKey !== certificate.issuerKey || !verifyCrlSignature(crl, issuer.publicKey)) {
      throw new Error('CRL is not signed by the certificate issuer');
    }
    const expiresAt = Math.min(now + config.cacheSeconds, crl.nextUpdate ?? Infinity);
    fetched.set(url, { crl, expiresAt });
    return crl;
  } catch (error) {
    fetched.set(url, { error: error as Error, expiresAt: now + FAILURE_CACHE_SECONDS });
    throw error;
  }
}

async function download(url: string, timeoutMs: number): Promise<Buffer | string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    throw new Error(timedOut ? `download timed out after ${timeoutMs} ms` : 'download failed', {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new Error(`download failed with HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_CRL_BYTES) {
    throw new Error(`CRL is ${declared} bytes, more than ${MAX_CRL_BYTES}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_CRL_BYTES) {
    throw new Error(`CRL is ${body.length} bytes, more than ${MAX_CRL_BYTES}`);
  }
  const text = body.subarray(0, 64).toString('latin1');
  return text.includes('-----BEGIN X509 CRL-----') ? body.toString('latin1') : body;
}
