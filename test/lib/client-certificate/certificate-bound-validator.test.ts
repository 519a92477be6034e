import { App, Stack } from 'aws-cdk-lib';
import { JwtKeys, JwtValidator } from '../../../lib';

function validator(requireCertificateBinding?: boolean): JwtValidator {
  const stack = new Stack(new App(), 'Test');
  return new JwtValidator(stack, 'Partner', {
    issuers: ['https://idp.partner.example/'],
    audiences: ['https://gateway.example.com'],
    keys: JwtKeys.fromJwksUrl('https://idp.partner.example/jwks'),
    requireCertificateBinding,
  });
}

describe('JwtValidator requireCertificateBinding', () => {
  test('compiles the binding flag into the config', () => {
    expect(validator(true)._compile().requireCertificateBinding).toBe(true);
  });

  test('leaves binding off by default', () => {
    expect(validator()._compile().requireCertificateBinding).toBe(false);
  });

  test('makes the decision uncacheable when binding is required', () => {
    expect(validator(true)._identitySources()).toBeUndefined();
  });

  test('keeps the Authorization header as cache key without binding', () => {
    expect(validator(false)._identitySources()).toEqual(['method.request.header.Authorization']);
  });
});
