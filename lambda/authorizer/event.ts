import { API_STAGE_VARIABLE } from '../policy/config';
import { AuthRequest, ClientCertificateInput } from '../policy/request';

/** The fields of an API Gateway (REST) REQUEST authorizer event that the authorizer reads. */
export interface RequestAuthorizerEvent {
  readonly type?: string;
  readonly methodArn: string;
  readonly resource?: string;
  readonly httpMethod?: string;
  readonly headers?: Record<string, string | undefined> | null;
  readonly multiValueHeaders?: Record<string, string[] | undefined> | null;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  readonly stageVariables?: Record<string, string | undefined> | null;
  readonly requestContext?: {
    readonly requestId?: string;
    readonly resourcePath?: string;
    readonly httpMethod?: string;
    readonly identity?: {
      readonly sourceIp?: string;
      readonly clientCert?: {
        readonly clientCertPem?: string;
        readonly subjectDN?: string;
        readonly issuerDN?: string;
        readonly serialNumber?: string;
        readonly validity?: { readonly notBefore?: string; readonly notAfter?: string };
      } | null;
    };
  };
}

/**
 * Normalizes a REQUEST authorizer event. Header names become lower case, and the
 * multi-value maps are preferred so that a repeated header or parameter keeps every value.
 */
export function toAuthRequest(event: RequestAuthorizerEvent, nowMs: number): AuthRequest {
  const context = event.requestContext ?? {};
  return {
    requestId: context.requestId ?? '',
    api: event.stageVariables?.[API_STAGE_VARIABLE] ?? '',
    method: (event.httpMethod ?? context.httpMethod ?? '').toUpperCase(),
    resourcePath: event.resource ?? context.resourcePath ?? '',
    methodArn: event.methodArn,
    headers: collect(event.multiValueHeaders, event.headers, (name) => name.toLowerCase()),
    query: collect(
      event.multiValueQueryStringParameters,
      event.queryStringParameters,
      (name) => name,
    ),
    sourceIp: context.identity?.sourceIp,
    clientCertificate: clientCertificate(context.identity?.clientCert),
    now: Math.floor(nowMs / 1000),
  };
}

function collect(
  multi: Record<string, string[] | undefined> | null | undefined,
  single: Record<string, string | undefined> | null | undefined,
  normalize: (name: string) => string,
): Map<string, string[]> {
  const values = new Map<string, string[]>();
  const add = (name: string, list: string[]) => {
    const key = normalize(name);
    const earlier = values.get(key);
    values.set(key, earlier === undefined ? list : earlier.concat(list));
  };
  if (multi) {
    for (const name of Object.keys(multi)) {
      add(name, multi[name]?.slice() ?? []);
    }
  } else if (single) {
    for (const name of Object.keys(single)) {
      const value = single[name];
      add(name, value === undefined ? [] : [value]);
    }
  }
  return values;
}

function clientCertificate(
  cert: NonNullable<
    NonNullable<RequestAuthorizerEvent['requestContext']>['identity']
  >['clientCert'],
): ClientCertificateInput | undefined {
  if (!cert?.clientCertPem) {
    return undefined;
  }
  return {
    pem: cert.clientCertPem,
    subjectDn: cert.subjectDN,
    issuerDn: cert.issuerDN,
    serialNumber: cert.serialNumber,
    validFrom: cert.validity?.notBefore,
    validTo: cert.validity?.notAfter,
  };
}
