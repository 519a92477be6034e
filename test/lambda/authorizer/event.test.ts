import { toAuthRequest } from '../../../lambda/authorizer/event';
import { requestEvent } from '../../support/events';

describe('toAuthRequest', () => {
  test('lower-cases header names and keeps repeated values in order', () => {
    const event = requestEvent({ multiValueHeaders: { 'X-Trace': ['a'], 'x-trace': ['b', 'c'] } });

    const request = toAuthRequest(event as never, 0);

    expect(request.headers.get('x-trace')).toEqual(['a', 'b', 'c']);
  });

  test('falls back to single-value headers without multiValueHeaders', () => {
    const event = {
      ...requestEvent({ headers: { Authorization: 'Bearer x' } }),
      multiValueHeaders: null,
    };

    const request = toAuthRequest(event as never, 0);

    expect(request.headers.get('authorization')).toEqual(['Bearer x']);
  });

  test('joins every spelling of a single-value header without multiValueHeaders', () => {
    const event = {
      ...requestEvent({ headers: { Authorization: 'Bearer a', authorization: 'Bearer b' } }),
      multiValueHeaders: null,
    };

    const request = toAuthRequest(event as never, 0);

    expect(request.headers.get('authorization')).toEqual(['Bearer a', 'Bearer b']);
  });

  test('finds a header only by its lower-case name', () => {
    const event = requestEvent({ headers: { 'X-Api-Key': 'k1' } });

    const request = toAuthRequest(event as never, 0);

    expect(request.headers.get('x-api-key')).toEqual(['k1']);
    expect(request.headers.get('X-Api-Key')).toBeUndefined();
    expect(request.headers.get('x-api')).toBeUndefined();
  });

  test('keeps a header sent with no value as present and empty', () => {
    const event = requestEvent({ multiValueHeaders: { 'X-Empty': [] } });

    const request = toAuthRequest(event as never, 0);

    expect(request.headers.get('x-empty')).toEqual([]);
  });

  test('finds no header or parameter named after an Object property', () => {
    const event = requestEvent({ headers: { a: '1' }, query: { b: '2' } });
    const singleOnly = { ...event, multiValueQueryStringParameters: null };

    const request = toAuthRequest(event as never, 0);
    const fromSingle = toAuthRequest(singleOnly as never, 0);

    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(request.headers.get(name)).toBeUndefined();
      expect(request.query.get(name)).toBeUndefined();
      expect(fromSingle.query.get(name)).toBeUndefined();
    }
    expect(fromSingle.query.get('b')).toEqual(['2']);
  });

  test('reads query parameters from the multi-value map only when it is present', () => {
    const event = {
      ...requestEvent({ multiValueQuery: { key: ['1', '2'] } }),
      queryStringParameters: { key: '2', other: '3' },
    };

    const request = toAuthRequest(event as never, 0);

    expect(request.query.get('key')).toEqual(['1', '2']);
    expect(request.query.get('other')).toBeUndefined();
  });

  test('returns the same values when a name is read twice', () => {
    const event = requestEvent({ multiValueHeaders: { 'X-Trace': ['a', 'b'] } });
    const request = toAuthRequest(event as never, 0);

    const first = request.headers.get('x-trace');

    expect(request.headers.get('x-trace')).toBe(first);
    expect(first).toEqual(['a', 'b']);
  });

  test('keeps query parameter names case-sensitive with every value', () => {
    const event = requestEvent({ multiValueQuery: { Key: ['1'], key: ['2', '3'] } });

    const request = toAuthRequest(event as never, 0);

    expect(request.query.get('Key')).toEqual(['1']);
    expect(request.query.get('key')).toEqual(['2', '3']);
  });

  test('maps the stage variable, method, resource path and time', () => {
    const event = requestEvent({ api: 'billing', method: 'DELETE', resource: '/invoices/{id}' });

    const request = toAuthRequest(event as never, 1_700_000_000_999);

    expect(request.api).toBe('billing');
    expect(request.method).toBe('DELETE');
    expect(request.resourcePath).toBe('/invoices/{id}');
    expect(request.now).toBe(1_700_000_000);
  });

  test('maps the mutual TLS client certificate', () => {
    const clientCert = {
      clientCertPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      subjectDN: 'CN=client',
      issuerDN: 'CN=ca',
      serialNumber: '0A',
      validity: { notBefore: 'Jan 1 00:00:00 2026 GMT', notAfter: 'Jan 1 00:00:00 2027 GMT' },
    };

    const request = toAuthRequest(requestEvent({ clientCert }) as never, 0);

    expect(request.clientCertificate).toEqual({
      pem: clientCert.clientCertPem,
      subjectDn: 'CN=client',
      issuerDn: 'CN=ca',
      serialNumber: '0A',
      validFrom: 'Jan 1 00:00:00 2026 GMT',
      validTo: 'Jan 1 00:00:00 2027 GMT',
    });
  });

  test('leaves the client certificate out without mutual TLS', () => {
    const request = toAuthRequest(requestEvent() as never, 0);

    expect(request.clientCertificate).toBeUndefined();
  });
});
