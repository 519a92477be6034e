import { IConstruct } from 'constructs';
import { TokenSourceConfig } from '../../lambda/policy/config';
import { checkTokenName } from './checks';
import { GatehouseValidationError } from '../core/errors';

/**
 * Where the authorizer reads a token from.
 *
 * @example
 * TokenSource.header('Authorization', 'Bearer'); // "Authorization: Bearer <token>"
 * TokenSource.cookie('session');
 */
export abstract class TokenSource {
  /**
   * Reads the token from a request header. The scheme is compared case-insensitively and
   * the spaces after it are skipped.
   *
   * @param name header name, compared case-insensitively
   * @param scheme scheme before the token; pass `null` when the header holds only the token
   */
  public static header(name = 'Authorization', scheme: string | null = 'Bearer'): TokenSource {
    return new NamedSource('header', name, scheme ?? undefined);
  }

  /** Reads the token from a query string parameter. */
  public static query(name: string): TokenSource {
    return new NamedSource('query', name);
  }

  /** Reads the token from a cookie of the `Cookie` header. */
  public static cookie(name: string): TokenSource {
    return new NamedSource('cookie', name);
  }

  /**
   * Checks the source and returns it in the authorizer's config format.
   * @internal
   */
  public abstract _bind(scope: IConstruct, prop: string): TokenSourceConfig;

  /**
   * Returns the API Gateway identity source that carries the token.
   * @internal
   */
  public abstract _identitySource(): string;
}

class NamedSource extends TokenSource {
  constructor(
    private readonly location: 'header' | 'query' | 'cookie',
    private readonly name: string,
    private readonly scheme?: string,
  ) {
    super();
  }

  public _bind(scope: IConstruct, prop: string): TokenSourceConfig {
    checkTokenName(this.name, `${prop} ${this.location} name`, scope);
    if (this.location !== 'header') {
      return { in: this.location, name: this.name };
    }
    if (this.scheme !== undefined && !/^[A-Za-z][A-Za-z0-9._~+/-]*$/.test(this.scheme)) {
      throw new GatehouseValidationError(
        'InvalidTokenSource',
        `${prop} scheme must be an auth scheme such as 'Bearer', got '${this.scheme}'`,
        scope,
      );
    }
    return { in: 'header', name: this.name, scheme: this.scheme };
  }

  public _identitySource(): string {
    switch (this.location) {
      case 'header':
        return `method.request.header.${this.name}`;
      case 'query':
        return `method.request.querystring.${this.name}`;
      case 'cookie':
        // The cache key is then the whole Cookie header, which includes the token cookie.
        return 'method.request.header.Cookie';
    }
  }
}
