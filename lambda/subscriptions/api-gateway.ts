import {
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';

/**
 * The part of `APIGatewayClient` the registry uses. The management function passes the real
 * client; tests pass a stand-in with the same `send()`.
 */
export interface ApiGatewaySender {
  send(command: object): Promise<unknown>;
}

/** The API Gateway calls that keep API keys in step with the registry. */
export class ApiKeyGateway {
  constructor(private readonly client: ApiGatewaySender) {}

  /** Creates an API key with this value and returns its id. */
  async createKey(name: string, value: string, enabled: boolean): Promise<string> {
    const created = (await this.client.send(
      new CreateApiKeyCommand({ name, value, enabled, description: 'Gatehouse subscription key' }),
    )) as { id?: string };
    if (!created.id) {
      throw new Error(`API Gateway returned no id for API key ${name}`);
    }
    return created.id;
  }

  /** Deletes every API key with exactly this name, left by a call whose reply was lost. */
  async deleteKeysNamed(name: string): Promise<void> {
    const found = (await this.client.send(
      new GetApiKeysCommand({ nameQuery: name, includeValues: false, limit: 500 }),
    )) as { items?: { id?: string; name?: string }[] };
    for (const item of found.items ?? []) {
      if (item.name === name && item.id) {
        await this.deleteKey(item.id);
      }
    }
  }

  /** Deletes an API key; one that is already gone counts as deleted. */
  async deleteKey(apiKeyId: string): Promise<void> {
    try {
      await this.client.send(new DeleteApiKeyCommand({ apiKey: apiKeyId }));
    } catch (error) {
      if (errorName(error) !== 'NotFoundException') {
        throw error;
      }
    }
  }

  /** Adds an API key to a usage plan; a key that is already in it counts as added. */
  async attachToPlan(usagePlanId: string, apiKeyId: string): Promise<void> {
    try {
      await this.client.send(
        new CreateUsagePlanKeyCommand({ usagePlanId, keyId: apiKeyId, keyType: 'API_KEY' }),
      );
    } catch (error) {
      if (errorName(error) !== 'ConflictException') {
        throw error;
      }
    }
  }

  async setEnabled(apiKeyId: string, enabled: boolean): Promise<void> {
    await this.client.send(
      new UpdateApiKeyCommand({
        apiKey: apiKeyId,
        patchOperations: [{ op: 'replace', path: '/enabled', value: String(enabled) }],
      }),
    );
  }
}

function errorName(error: unknown): unknown {
  return (error as { name?: unknown } | null)?.name;
}
