import { Annotations, Duration } from 'aws-cdk-lib';
import { AccessRequirement, CertificateRevocationConfig } from '../../lambda/policy/config';
import { AccessPolicy, PolicyCompileContext, PolicyInputs } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import { TrustStore } from '../trust-store/trust-store';
import { CertificateIdentity, compileIdentity } from './certificate-identity';

const MAX_FETCH_TIMEOUT = Duration.seconds(10);

export interface CrlRevocationOptions {
  /**
   * Fetch CRLs from the HTTP(S) URLs in each certificate's CRL distribution points extension.
   *
   * @default true
   */
  readonly fetchDistributionPoints?: boolean;
  /**
   * Timeout of one CRL download, at most 10 seconds.
   *
   * @default Duration.seconds(2)
   */
  readonly fetchTimeout?: Duration;
  /**
   * Maximum time the authorizer reuses a downloaded CRL; a CRL whose `nextUpdate` comes
   * sooner is refetched then.
   *
   * @default Duration.hours(1)
   */
  readonly cacheFor?: Duration;
  /**
   * Deny a certificate that no current CRL covers, shipped or fetched. Turn off for
   * certificates that carry no distribution point and whose CA is not in `crls`.
   *
   * @default true
   */
  readonly requireCrl?: boolean;
  /**
   * Allow the request when a distribution point cannot be reached or its CRL is stale.
   *
   * @default false - the authorizer denies the request
   */
  readonly failOpen?: boolean;
}

/** Revocation checking of client certificates in the authorizer. */
export abstract class CertificateRevocation {
  /** Checks the trust store's shipped CRLs and, by default, the certificates' distribution points. */
  public static crl(options: CrlRevocationOptions = {}): CertificateRevocation {
    return new CrlRevocation(options);
  }

  /** Turns revocation checking off; API Gateway does not check revocation either. */
  public static none(): CertificateRevocation {
    return new NoRevocation();
  }

  /** @internal */
  public abstract _compile(
    trustStore: TrustStore,
    scope: PolicyCompileContext['scope'],
  ): CertificateRevocationConfig;
}

class CrlRevocation extends CertificateRevocation {
  constructor(private readonly options: CrlRevocationOptions) {
    super();
  }

  public _compile(trustStore: TrustStore, scope: PolicyCompileContext['scope']) {
    const timeout = this.options.fetchTimeout ?? Duration.seconds(2);
    const tooLong = timeout.toMilliseconds() > MAX_FETCH_TIMEOUT.toMilliseconds();
    if (tooLong || timeout.toMilliseconds() <= 0) {
      throw new GatehouseValidationError(
        'InvalidFetchTimeout',
        `revocation fetchTimeout must be between 1 ms and 10 seconds, got ${timeout.toMilliseconds()} ms`,
        scope,
      );
    }
    return {
      mode: 'crl' as const,
      crls: trustStore.crlsBase64,
      fetchDistributionPoints: this.options.fetchDistributionPoints ?? true,
      fetchTimeoutMs: timeout.toMilliseconds(),
      cacheSeconds: (this.options.cacheFor ?? Duration.hours(1)).toSeconds(),
      requireCrl: this.options.requireCrl ?? true,
      failOpen: this.options.failOpen ?? false,
    };
  }
}

class NoRevocation extends CertificateRevocation {
  public _compile(): CertificateRevocationConfig {
    return { mode: 'none' };
  }
}

export interface ClientCertificatePolicyProps {
  /** The trust store of the gateway's mutual TLS domain; its CAs must have issued the certificate. */
  readonly trustStore: TrustStore;
  /**
   * Identities allowed to call; a certificate passes when it matches any entry.
   *
   * @default - none; set this or `allowAnyIdentity`, else the synth fails
   */
  readonly allowedIdentities?: CertificateIdentity[];
  /**
   * Allow every valid, unrevoked certificate issued by a CA of the trust store.
   *
   * @default false
   */
  readonly allowAnyIdentity?: boolean;
  /**
   * Revocation checking.
   *
   * @default CertificateRevocation.crl() - shipped CRLs and distribution points, and a
   *   certificate no current CRL covers is denied
   */
  readonly revocation?: CertificateRevocation;
}

/**
 * Requires a client certificate from the mutual TLS handshake that passes identity rules.
 * API Gateway has already checked the chain; this policy adds validity, issuer, revocation
 * and identity checks in the authorizer. Its decisions are never cached, because API
 * Gateway cannot use the certificate as an identity source.
 *
 * @example
 * const devices = new ClientCertificatePolicy({
 *   trustStore,
 *   allowedIdentities: [{ issuerSubject: 'CN=Partner Devices CA', consumerId: 'partner-ltd' }],
 * });
 * api.addOperation('POST', '/readings', { backend, policy: devices });
 */
export class ClientCertificatePolicy extends AccessPolicy {
  constructor(private readonly props: ClientCertificatePolicyProps) {
    super();
  }

  public _compile(context: PolicyCompileContext): AccessRequirement {
    const { trustStore, allowedIdentities, allowAnyIdentity } = this.props;
    const scope = context.scope;
    if (allowedIdentities === undefined && allowAnyIdentity !== true) {
      throw new GatehouseValidationError(
        'MissingCertificateIdentities',
        'ClientCertificatePolicy needs allowedIdentities, or allowAnyIdentity: true to accept every certificate of the trust store',
        scope,
      );
    }
    if (allowedIdentities !== undefined && allowAnyIdentity === true) {
      throw new GatehouseValidationError(
        'ConflictingCertificateIdentities',
        'ClientCertificatePolicy takes allowedIdentities or allowAnyIdentity: true, not both',
        scope,
      );
    }
    if (allowedIdentities?.length === 0) {
      throw new GatehouseValidationError(
        'MissingCertificateIdentities',
        'ClientCertificatePolicy allowedIdentities must list at least one identity, got none',
        scope,
      );
    }
    if (trustStore.hasDeployTimeCertificates) {
      Annotations.of(scope).addWarningV2(
        'gatehouse:clientCertificateDeployTimeCa',
        `trust store ${trustStore.node.path} fetches some CA certificates from ACM Private CA at deploy time; the authorizer cannot verify certificates they issued and denies them`,
      );
    }

    const revocation = this.props.revocation ?? CertificateRevocation.crl();
    // NOTE: each operation's requirement carries its own copy of the CA certificates and
    // shipped CRLs; a shared trust store section in the config would store them once.
    return {
      kind: 'clientCertificate',
      identities:
        allowedIdentities?.map((identity, index) => compileIdentity(identity, index, scope)) ??
        null,
      certificateAuthorities: trustStore.caCertificatePems,
      revocation: revocation._compile(trustStore, scope),
    };
  }

  public _inputs(): PolicyInputs {
    return { identitySources: [], cacheable: false };
  }
}
