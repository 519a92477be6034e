/**
 * The effective-policy report: who may call each operation of each gateway in a cloud
 * assembly, joined from the compiled authorizer config and the CloudFormation templates.
 * Every field is plain JSON, because the report is written as `gatehouse-report.json` and
 * compared across synths by `gatehouse report --diff`.
 */

/** Format version of `gatehouse-report.json`; bump it when a field changes meaning. */
export const REPORT_FORMAT_VERSION = 1;

export interface EffectivePolicyReport {
  readonly formatVersion: typeof REPORT_FORMAT_VERSION;
  readonly gateways: GatewayReport[];
}

export interface GatewayReport {
  /** Artifact id of the stack that contains the gateway's authorizer function. */
  readonly stack: string;
  /** Construct path of the gateway; `(no authorizer)` when the gateway has no authorizer. */
  readonly gateway: string;
  /**
   * Logical id of the authorizer function in the stack's template; null when the gateway
   * has none, which happens when every operation is anonymous.
   */
  readonly authorizerFunction: string | null;
  /** Directory of the authorizer asset, relative to the cloud assembly; null without one. */
  readonly authorizerAsset: string | null;
  readonly apis: ApiReport[];
  /** Things the report could not join, such as an operation with no method in a template. */
  readonly problems: string[];
}

export interface ApiReport {
  /** Value of the `gatehouseApi` stage variable, the API's key in the authorizer config. */
  readonly key: string;
  /** Construct path of the API. */
  readonly name: string;
  /** Stages of the REST API that carry this key. */
  readonly stages: StageReport[];
  readonly operations: OperationReport[];
  /** Methods in the template that the authorizer config does not declare. */
  readonly undeclaredMethods: UndeclaredMethodReport[];
}

export interface StageReport {
  readonly name: string;
  /** True when the stage presents an API Gateway client certificate to HTTP backends. */
  readonly backendClientCertificate: boolean;
}

export interface OperationReport {
  readonly method: string;
  readonly path: string;
  /**
   * Logical id of the `AWS::ApiGateway::Method`; null when the template has none. In a nested
   * stack it is prefixed by the logical id of the nested stack resource and `/`.
   */
  readonly methodLogicalId: string | null;
  /** Requirements a caller must meet, as the authorizer enforces them. */
  readonly access: AccessReport;
  /**
   * False when the config requires credentials but the template's method does not call the
   * authorizer, so API Gateway lets every caller through.
   */
  readonly enforced: boolean;
  readonly caching: CachingReport;
  readonly products: ProductReport[];
  readonly backend: BackendReport;
}

/** A method in a template that no Gatehouse operation declares, such as a CORS preflight. */
export interface UndeclaredMethodReport {
  readonly method: string;
  readonly path: string;
  readonly methodLogicalId: string;
  /** `AuthorizationType` of the method: NONE, CUSTOM, AWS_IAM or COGNITO_USER_POOLS. */
  readonly authorizationType: string;
  /** Integration kind, as in `BackendReport.integration`; a CORS preflight is an OPTIONS mock. */
  readonly integration: string;
}

export type AccessReport =
  | { readonly kind: 'anonymous' }
  | JwtAccessReport
  | { readonly kind: 'allOf' | 'anyOf'; readonly of: AccessReport[] }
  | BasicAccessReport
  | SubscriptionKeyAccessReport
  | ClientCertificateAccessReport
  | OtherAccessReport;

export interface JwtAccessReport {
  readonly kind: 'jwt';
  /** Validator id in the authorizer config. */
  readonly validator: string;
  /** Accepted issuers: an exact URL, or a template with `{tenant}` and its allowed tenants. */
  readonly issuers: IssuerReport[];
  /** Accepted audiences, any of which matches; null when any audience is accepted. */
  readonly audiences: string[] | null;
  readonly algorithms: string[];
  readonly keys: KeySourceReport;
  /** Token locations, in the order the authorizer tries them. */
  readonly tokenSources: TokenSourceReport[];
  /** Claim checks of the validator and of the policy scope; every one must pass. */
  readonly requiredClaims: ClaimCheckReport[];
  readonly requireExpiry: boolean;
  readonly clockSkewSeconds: number;
  /** Oldest `iat` accepted, in seconds; null when tokens may be of any age. */
  readonly maxTokenAgeSeconds: number | null;
  /** RFC 8705: the token must be bound to the client certificate of the connection. */
  readonly requireCertificateBinding: boolean;
  /** Claims passed to the backend through the authorizer context. */
  readonly forwardedClaims: { readonly claim: string; readonly contextKey: string }[];
}

export type IssuerReport =
  { readonly exact: string } | { readonly pattern: string; readonly tenants: string[] };

export type KeySourceReport =
  | { readonly kind: 'discovery' | 'jwks'; readonly url: string }
  /** Inline public keys, listed by key id only. */
  | { readonly kind: 'inline'; readonly keyIds: string[] };

export interface TokenSourceReport {
  readonly in: string;
  readonly name: string;
  readonly scheme?: string;
}

export interface ClaimCheckReport {
  readonly claim: string;
  readonly values: string[];
  readonly match: 'all' | 'any';
  /** Whether the check comes from the validator or from the access policy of a scope. */
  readonly from: 'validator' | 'policy';
}

export interface BasicAccessReport {
  readonly kind: 'basic';
  readonly userStore: string;
  readonly realm: string | null;
  /**
   * Construct path or logical id of the secret with the salted hashes, as the authorizer's
   * environment refers to it; null when the environment has no such variable.
   */
  readonly secret: string | null;
}

export interface SubscriptionKeyAccessReport {
  readonly kind: 'subscriptionKey';
  /** Registry id in the authorizer config. */
  readonly registry: string;
  /** Header that carries the key, matched case-insensitively. */
  readonly header: string;
  /** Query parameter read when the header is absent; null when only the header is read. */
  readonly queryParameter: string | null;
  /** True when a request without a key passes; a presented key must still be valid. */
  readonly optional: boolean;
  /** How long one authorizer instance reuses a registry lookup; null when not configured. */
  readonly lookupCacheSeconds: number | null;
}

export interface ClientCertificateAccessReport {
  readonly kind: 'clientCertificate';
  /** Allowed identities, any of which matches; null when every trusted certificate passes. */
  readonly identities: Record<string, string>[] | null;
  /** Subjects and SHA-256 fingerprints of the certificate authorities the issuer must be. */
  readonly certificateAuthorities: { readonly subject: string; readonly sha256: string }[];
  /** Revocation mode (`none` or `crl`) and its settings. */
  readonly revocation: Record<string, string | number | boolean>;
}

/** A requirement kind this version of the report does not know, shown as compiled. */
export interface OtherAccessReport {
  readonly kind: 'other';
  readonly requirementKind: string;
  readonly raw: unknown;
}

export interface CachingReport {
  /** Id of the API Gateway authorizer group in the config; null for anonymous operations. */
  readonly authorizer: string | null;
  /** Seconds API Gateway may reuse a decision; 0 when decisions are not cached. */
  readonly ttlSeconds: number;
  /** Identity sources that form the cache key. */
  readonly identitySources: string[];
}

/** A usage plan that covers the operation's stage, with the limits that apply to it. */
export interface ProductReport {
  /** Usage plan name, or its logical id when it has no name. */
  readonly name: string;
  /** Gatehouse product id; null for a usage plan that no `Product` declares. */
  readonly productId: string | null;
  /** Whether callers need a subscription; null when no `Product` declares the plan. */
  readonly subscriptionRequired: boolean | null;
  /** Whether a new subscription waits for approval; null when unknown. */
  readonly approvalRequired: boolean | null;
  readonly stage: string;
  readonly throttle: ThrottleReport | null;
  readonly quota: QuotaReport | null;
}

export interface ThrottleReport {
  readonly rateLimit: number | null;
  readonly burstLimit: number | null;
  /** True when a per-method override of the plan's throttle applies. */
  readonly methodOverride: boolean;
}

export interface QuotaReport {
  readonly limit: number;
  readonly period: string;
}

export interface BackendReport {
  /** `http`, `lambda`, `mock`, or API Gateway's integration type for anything else. */
  readonly integration: string;
  /** URL, function logical id or service URI; null for mock integrations. */
  readonly target: string | null;
  /** Credentials the gateway presents to the backend; empty when it presents none. */
  readonly authentication: BackendAuthenticationReport[];
  /** Request headers the integration fills from the authorizer context. */
  readonly headersFromAuthorizer: { readonly header: string; readonly contextKey: string }[];
}

export type BackendAuthenticationReport =
  | { readonly kind: 'clientCertificate' }
  | {
      readonly kind: 'brokerCredential';
      readonly connection: string;
      /** Header the credential is sent in; null when no integration parameter maps it. */
      readonly header: string | null;
      /** Validator whose token is exchanged (RFC 8693); null for the gateway's own credential. */
      readonly exchangesTokenOf: string | null;
    }
  | { readonly kind: 'iamRole'; readonly role: string };
