import { readFileSync } from 'node:fs';
import { IConstruct } from 'constructs';
import { ParsedCrl, parseCrl } from '../../lambda/policy/certificate/crl';
import { GatehouseValidationError } from '../core/errors';

/**
 * A certificate revocation list shipped with the trust store and read by the authorizer.
 * A shipped CRL is frozen at synth time, so redeploy before its `nextUpdate`; after that the
 * authorizer denies the certificates it covers.
 */
export abstract class RevocationList {
  /** Reads a CRL from a PEM (`-----BEGIN X509 CRL-----`) string. */
  public static fromPem(pem: string): RevocationList {
    return new StaticRevocationList(() => pem, 'crls[]');
  }

  /** Reads a PEM or DER CRL from a file at synth time. */
  public static fromFile(path: string): RevocationList {
    return new StaticRevocationList(() => readCrlFile(path), path);
  }

  /** @internal */
  public abstract _resolve(scope: IConstruct): { der: Buffer; parsed: ParsedCrl; origin: string };
}

class StaticRevocationList extends RevocationList {
  constructor(
    private readonly read: () => string | Buffer,
    private readonly origin: string,
  ) {
    super();
  }

  public _resolve(scope: IConstruct) {
    try {
      const input = this.read();
      const parsed = parseCrl(input);
      const der = typeof input === 'string' ? derOf(input) : input;
      return { der, parsed, origin: this.origin };
    } catch (error) {
      throw new GatehouseValidationError(
        'InvalidCrl',
        `trust store CRL ${this.origin} must be a PEM or DER X.509 CRL, but ${(error as Error).message}`,
        scope,
      );
    }
  }
}

function readCrlFile(path: string): string | Buffer {
  const bytes = readFileSync(path);
  const text = bytes.subarray(0, 64).toString('latin1');
  return text.includes('-----BEGIN X509 CRL-----') ? bytes.toString('latin1') : bytes;
}

function derOf(pem: string): Buffer {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return Buffer.from(body, 'base64');
}
