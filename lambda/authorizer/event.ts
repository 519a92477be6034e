import { API_STAGE_VARIABLE } from '../policy/config';
import { AuthRequest, ClientCertificateInput, RequestValues } from '../policy/request';

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
 * Headers and query parameters are read from the event only when a decision asks for them.
 */
export function toAuthRequest(event: RequestAuthorizerEvent, nowMs: number): AuthRequest {
  const context = event.requestContext ?? {};
  return {
    requestId: context.requestId ?? '',
    api: event.stageVariables?.[API_STAGE_VARIABLE] ?? '',
    method: (event.httpMethod ?? context.httpMethod ?? '').toUpperCase(),
    resourcePath: event.resource ?? context.resourcePath ?? '',
    methodArn: event.methodArn,
    headers: new EventValues(event.multiValueHeaders, event.headers, true),
    query: new EventValues(
      event.multiValueQueryStringParameters,
      event.queryStringParameters,
      false,
    ),
    sourceIp: context.identity?.sourceIp,
    clientCertificate: clientCertificate(context.identity?.clientCert),
    now: Math.floor(nowMs / 1000),
    nowMs,
  };
}

/**
 * One of the event's header or query maps, read on demand. The multi-value map wins when
 * present. With `ignoreCase`, names are matched in lower case and the values of every
 * spelling of a name are joined in event order, so a header sent twice as `X-A` and `x-a`
 * still counts as repeated.
 */
class EventValues implements RequestValues {
  private readonly read = new Map<string, readonly string[] | undefined>();

  constructor(
    private readonly multi: Record<string, string[] | undefined> | null | undefined,
    private readonly single: Record<string, string | undefined> | null | undefined,
    private readonly ignoreCase: boolean,
  ) {}

  get(name: string): readonly string[] | undefined {
    if (this.read.has(name)) {
      return this.read.get(name);
    }
    const values = this.ignoreCase ? this.collectIgnoringCase(name) : this.collectExact(name);
    this.read.set(name, values);
    return values;
  }

  private collectExact(name: string): readonly string[] | undefined {
    if (this.multi) {
      return Object.hasOwn(this.multi, name) ? (this.multi[name]?.slice() ?? []) : undefined;
    }
    if (this.single && Object.hasOwn(this.single, name)) {
      const value = this.single[name];
      return value === undefined ? [] : [value];
    }
    return undefined;
  }

  private collectIgnoringCase(name: string): readonly string[] | undefined {
    // Callers ask in lower case, as header names were lower-cased; other names never match.
    const source = this.multi ?? this.single;
    if (!source) {
      return undefined;
    }
    let values: string[] | undefined;
    for (const key of Object.keys(source)) {
      // Comparing lengths first skips lower-casing, and so copying, most names.
      if (key.length !== name.length || key.toLowerCase() !== name) {
        continue;
      }
      values ??= [];
      if (this.multi) {
        values.push(...(this.multi[key] ?? []));
      } else {
        const value = (source as Record<string, string | undefined>)[key];
        if (value !== undefined) {
          values.push(value);
        }
      }
    }
    return values;
  }
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
