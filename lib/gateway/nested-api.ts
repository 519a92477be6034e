import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type { Api } from '../api/api';
import { GatehouseValidationError } from '../core/errors';

/**
 * Maps a nested API under the gateway's custom domain with a mapping in the API's nested
 * stack, so the gateway's stack does not grow by one mapping per API. `mappedBasePaths`
 * contains the base paths mapped so far, because the domain's own duplicate check covers only
 * mappings created through `DomainName.addBasePathMapping()`.
 */
export function mapNestedApi(
  domainName: apigw.DomainName,
  api: Api,
  mappedBasePaths: Set<string>,
): void {
  if (mappedBasePaths.has(api.basePath)) {
    throw new GatehouseValidationError(
      'DuplicateBasePath',
      `basePath '${api.basePath}' is already mapped under ${domainName.node.path} by another API; give each API its own basePath`,
      api,
    );
  }
  mappedBasePaths.add(api.basePath);

  const scope = api._resourceScope;
  const stage = api.restApi.deploymentStage;
  // AWS::ApiGateway::BasePathMapping accepts only one path segment, so a multi-level base path
  // needs the newer AWS::ApiGatewayV2::ApiMapping, which also maps REST APIs.
  if (api.basePath.includes('/')) {
    new apigwv2.CfnApiMapping(scope, 'ApiMapping', {
      apiId: api.restApi.restApiId,
      domainName: domainName.domainName,
      stage: stage.stageName,
      apiMappingKey: api.basePath,
    });
  } else {
    new apigw.BasePathMapping(scope, 'BasePathMapping', {
      domainName,
      restApi: api.restApi,
      stage,
      basePath: api.basePath,
    });
  }
}
