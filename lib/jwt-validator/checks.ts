import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { GatehouseValidationError } from '../core/errors';

/** RFC 9110 token characters, which header, cookie and query parameter names share here. */
const TOKEN_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Throws unless `url` is an absolute https URL; unresolved tokens are not checked. */
export function checkHttpsUrl(url: string, prop: string, scope: IConstruct): void {
  if (Token.isUnresolved(url)) {
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GatehouseValidationError(
      'InvalidUrl',
      `${prop} must be an absolute https URL, got '${url}'`,
      scope,
    );
  }
  if (parsed.protocol !== 'https:') {
    throw new GatehouseValidationError(
      'InsecureUrl',
      `${prop} must use https, got '${url}'`,
      scope,
    );
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new GatehouseValidationError(
      'InvalidUrl',
      `${prop} must not contain credentials, got a URL with a user name or password`,
      scope,
    );
  }
}

/** Throws unless `name` is a non-empty RFC 9110 token, as header names must be. */
export function checkTokenName(name: string, prop: string, scope: IConstruct): void {
  if (Token.isUnresolved(name) || TOKEN_NAME.test(name)) {
    return;
  }
  throw new GatehouseValidationError(
    'InvalidName',
    `${prop} must be a non-empty name of letters, digits and !#$%&'*+.^_\`|~-, got '${name}'`,
    scope,
  );
}

/** Throws when `value` is an empty or blank string. */
export function checkNotBlank(value: string, prop: string, scope: IConstruct): void {
  if (!Token.isUnresolved(value) && value.trim() === '') {
    throw new GatehouseValidationError(
      'EmptyValue',
      `${prop} must not be empty, got '${value}'`,
      scope,
    );
  }
}
