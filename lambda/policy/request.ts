/**
 * The parts of an API Gateway REQUEST authorizer event that a decision may read, normalized
 * by the handler so the policy never touches the raw event.
 */
export interface AuthRequest {
  readonly requestId: string;
  /** Value of the `gatehouseApi` stage variable. */
  readonly api: string;
  /** HTTP method of the request, upper case. */
  readonly method: string;
  /** Resource path template that API Gateway matched, such as `/orders/{orderId}`. */
  readonly resourcePath: string;
  /** `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}` of this call. */
  readonly methodArn: string;
  /** Header values by lower-case name; a repeated header keeps every value in order. */
  readonly headers: RequestValues;
  /** Query parameter values by name (case-sensitive); a repeated one keeps every value. */
  readonly query: RequestValues;
  readonly sourceIp?: string;
  /** The client certificate of a mutual TLS connection, as API Gateway passes it. */
  readonly clientCertificate?: ClientCertificateInput;
  /** Time of the decision in whole seconds since the epoch, as JWT claims count time. */
  readonly now: number;
  /**
   * Time of the decision in milliseconds since the epoch, for limits finer than a second
   * such as the key refetch cool-down.
   *
   * @default - `now` in milliseconds
   */
  readonly nowMs?: number;
}

export interface ClientCertificateInput {
  readonly pem: string;
  readonly subjectDn?: string;
  readonly issuerDn?: string;
  readonly serialNumber?: string;
  readonly validFrom?: string;
  readonly validTo?: string;
}

/**
 * Values of a request's headers or query parameters by name. A `Map` satisfies it; the
 * authorizer's own reads the event only for the names a decision asks for.
 */
export interface RequestValues {
  /** Every value of `name` in order, or `undefined` when the request has none. */
  get(name: string): readonly string[] | undefined;
}
