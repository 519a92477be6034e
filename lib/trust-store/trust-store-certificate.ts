import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ICertificateAuthority } from 'aws-cdk-lib/aws-acmpca';
import { IConstruct } from 'constructs';
import { CertificateParseError, pemToDerList } from '../../lambda/policy/certificate/parse';
import { GatehouseValidationError } from '../core/errors';

/** A CA certificate that is known at synth time, read from code or a file. */
export interface StaticCaCertificate {
  readonly kind: 'static';
  /** Where it came from, for error messages: a file path or `pem[<index>]`. */
  readonly origin: string;
  readonly pem: string;
}

/** A CA certificate fetched from ACM Private CA at deploy time. */
export interface PrivateCaCertificate {
  readonly kind: 'privateCa';
  readonly certificateAuthorityArn: string;
}

export type CaCertificateSource = StaticCaCertificate | PrivateCaCertificate;

/**
 * Where the CA certificates of a trust store come from.
 *
 * @example
 * TrustStoreCertificate.fromPemFile(path.join(__dirname, 'partner-root-ca.pem'));
 */
export abstract class TrustStoreCertificate {
  /** Reads one or more PEM certificates from a string. */
  public static fromPem(pem: string): TrustStoreCertificate {
    return new StaticSource(pem, 'pem');
  }

  /** Reads one or more PEM certificates from a file at synth time. */
  public static fromPemFile(path: string): TrustStoreCertificate {
    return new StaticSource(readFileSync(path, 'utf8'), path);
  }

  /**
   * Fetches the CA certificate of an ACM Private CA at deploy time. The certificate is not
   * known at synth time, so it is checked by API Gateway only: the authorizer cannot verify
   * the issuer of certificates it signed, and denies them under a `ClientCertificatePolicy`.
   * Add a subordinate CA's parent as a separate entry, because only the CA's own certificate
   * is fetched.
   */
  public static fromPrivateCa(authority: ICertificateAuthority): TrustStoreCertificate {
    return new PrivateCaSource(authority);
  }

  /** @internal */
  public abstract _resolve(scope: IConstruct, index: number): CaCertificateSource[];
}

class StaticSource extends TrustStoreCertificate {
  constructor(
    private readonly pem: string,
    private readonly origin: string,
  ) {
    super();
  }

  public _resolve(scope: IConstruct, index: number): CaCertificateSource[] {
    const origin = this.origin === 'pem' ? `certificates[${index}]` : this.origin;
    let ders: Buffer[];
    try {
      ders = pemToDerList(this.pem);
    } catch (error) {
      throw invalidPem(origin, error, scope);
    }
    return ders.map((der, position) => ({
      kind: 'static',
      origin: ders.length > 1 ? `${origin} (certificate ${position + 1})` : origin,
      pem: toPem(der, origin, scope),
    }));
  }
}

class PrivateCaSource extends TrustStoreCertificate {
  constructor(private readonly authority: ICertificateAuthority) {
    super();
  }

  public _resolve(): CaCertificateSource[] {
    return [{ kind: 'privateCa', certificateAuthorityArn: this.authority.certificateAuthorityArn }];
  }
}

/** Re-encodes a DER certificate as PEM after checking node:crypto can read it. */
function toPem(der: Buffer, origin: string, scope: IConstruct): string {
  try {
    new X509Certificate(der);
  } catch (error) {
    throw invalidPem(origin, error, scope);
  }
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function invalidPem(origin: string, error: unknown, scope: IConstruct): GatehouseValidationError {
  const reason =
    error instanceof CertificateParseError ? error.message : 'node:crypto cannot parse it';
  return new GatehouseValidationError(
    'InvalidCertificatePem',
    `trust store certificate ${origin} must be a PEM X.509 certificate, but ${reason}`,
    scope,
  );
}
