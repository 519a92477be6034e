import { Annotations, Duration, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { HttpMethod } from '../../lambda/policy/config';
import { GatehouseValidationError } from '../core/errors';

/** What an operation needs from its backend to create the method. */
export interface BackendBinding {
  readonly integration: apigw.Integration;
  readonly methodResponses?: apigw.MethodResponse[];
  /** Method request parameters the integration reads, such as `method.request.path.id`. */
  readonly requestParameters?: Record<string, boolean>;
}

/** Options for an HTTP backend. */
export interface HttpBackendOptions {
  /**
   * Time API Gateway waits for the backend, between 50 ms and 29 seconds.
   *
   * @default Duration.seconds(29)
   */
  readonly timeout?: Duration;
}

/** Options for a mock backend. */
export interface MockBackendOptions {
  /**
   * Status code of every response.
   *
   * @default 200
   */
  readonly statusCode?: number;
  /**
   * JSON body of every response.
   *
   * @default '{}'
   */
  readonly body?: string;
}

/**
 * Where an operation sends the requests the authorizer lets through.
 *
 * @example
 * api.addOperation('GET', '/orders/{id}', { backend: Backend.http('https://orders.internal/{id}') });
 */
export abstract class Backend {
  /**
   * Proxies requests to an HTTP URL. Path parameters such as `{id}` that appear in both the
   * operation path and the URL are passed through.
   */
  public static http(url: string, options: HttpBackendOptions = {}): Backend {
    return new HttpBackend(url, options);
  }

  /**
   * Invokes a Lambda function with the proxy event. Forwarded claims reach it in
   * `requestContext.authorizer`, not as headers.
   */
  public static lambda(handler: IFunction): Backend {
    return new LambdaBackend(handler);
  }

  /** Responds to every request from API Gateway itself, for tests and placeholders. */
  public static mock(options: MockBackendOptions = {}): Backend {
    return new MockBackend(options);
  }

  /**
   * Returns the integration for one operation. `forwardedHeaders` maps backend header
   * names to authorizer context keys.
   * @internal
   */
  public abstract _bind(
    scope: IConstruct,
    method: HttpMethod,
    path: string,
    forwardedHeaders: Record<string, string>,
  ): BackendBinding;
}

class HttpBackend extends Backend {
  constructor(
    private readonly url: string,
    private readonly options: HttpBackendOptions,
  ) {
    super();
  }

  public _bind(
    scope: IConstruct,
    method: HttpMethod,
    path: string,
    forwardedHeaders: Record<string, string>,
  ): BackendBinding {
    this.checkUrl(scope);
    const requestParameters: Record<string, string> = headerParameters(forwardedHeaders);
    const methodParameters: Record<string, boolean> = {};
    for (const name of pathParameters(path)) {
      if (this.url.includes(`{${name}}`)) {
        requestParameters[`integration.request.path.${name}`] = `method.request.path.${name}`;
        methodParameters[`method.request.path.${name}`] = true;
      }
    }
    const integration = new apigw.HttpIntegration(this.url, {
      httpMethod: method,
      proxy: true,
      options: { requestParameters, timeout: this.options.timeout },
    });
    return { integration, requestParameters: methodParameters };
  }

  private checkUrl(scope: IConstruct): void {
    if (Token.isUnresolved(this.url)) {
      return;
    }
    const protocol = /^(https?):\/\/[^/]/.exec(this.url)?.[1];
    if (protocol === undefined) {
      throw new GatehouseValidationError(
        'InvalidBackendUrl',
        `Backend.http() url must be an absolute http or https URL, got '${this.url}'`,
        scope,
      );
    }
    if (protocol === 'http') {
      Annotations.of(scope).addWarningV2(
        'cdk-gatehouse:plainHttpBackend',
        `Backend.http() url ${this.url} uses plain http, so forwarded claims cross the network unencrypted`,
      );
    }
  }
}

class LambdaBackend extends Backend {
  constructor(private readonly handler: IFunction) {
    super();
  }

  public _bind(): BackendBinding {
    // Lambda proxy integrations ignore request parameter mappings; the function reads the
    // forwarded claims from requestContext.authorizer instead.
    return { integration: new apigw.LambdaIntegration(this.handler, { proxy: true }) };
  }
}

class MockBackend extends Backend {
  constructor(private readonly options: MockBackendOptions) {
    super();
  }

  public _bind(scope: IConstruct): BackendBinding {
    const statusCode = String(this.options.statusCode ?? 200);
    if (!/^[1-5][0-9][0-9]$/.test(statusCode)) {
      throw new GatehouseValidationError(
        'InvalidMockBackend',
        `Backend.mock() statusCode must be between 100 and 599, got ${statusCode}`,
        scope,
      );
    }
    const integration = new apigw.MockIntegration({
      requestTemplates: { 'application/json': '{"statusCode": 200}' },
      integrationResponses: [
        { statusCode, responseTemplates: { 'application/json': this.options.body ?? '{}' } },
      ],
    });
    return { integration, methodResponses: [{ statusCode }] };
  }
}

function headerParameters(forwardedHeaders: Record<string, string>): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [header, contextKey] of Object.entries(forwardedHeaders)) {
    parameters[`integration.request.header.${header}`] = `context.authorizer.${contextKey}`;
  }
  return parameters;
}

/** Returns the names of the `{param}` and `{param+}` segments of a resource path. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\+?\}/g)].map((match) => match[1]);
}
