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
