import { requestEvent } from './events';

/** Returns the benchmark's REQUEST authorizer event with `Authorization` replaced by `headers`. */
export function eventWithHeaders(
  headers: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const event = requestEvent('');
  const base = { ...(event.headers as Record<string, string>) };
  delete base.Authorization;
  const merged = { ...base, ...headers };
  return {
    ...event,
    headers: merged,
    multiValueHeaders: Object.fromEntries(
      Object.entries(merged).map(([name, value]) => [name, [value]]),
    ),
  };
}

/** Returns an event carrying a subscription key in `header`. */
export function subscriptionKeyEvent(header: string, key: string): Record<string, unknown> {
  return eventWithHeaders({ [header]: key });
}

/**
 * Returns an event from a mutual TLS domain, with the client certificate PEM where API
 * Gateway puts it, `requestContext.identity.clientCert.clientCertPem`, and no bearer token.
 */
export function clientCertificateEvent(pem: string): Record<string, unknown> {
  const event = eventWithHeaders({});
  const context = event.requestContext as Record<string, unknown>;
  const identity = context.identity as Record<string, unknown>;
  return {
    ...event,
    requestContext: { ...context, identity: { ...identity, clientCert: { clientCertPem: pem } } },
  };
}
