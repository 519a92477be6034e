import { ApiGatewaySender } from '../../../lambda/subscriptions/api-gateway';

interface FakeApiKey {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  enabled: boolean;
}

/**
 * Stands in for API Gateway at the SDK client boundary: `send()` takes the real command
 * objects of `@aws-sdk/client-api-gateway` and keeps API keys and usage plan keys in memory.
 * `failOn(name)` makes the next call of that command fail, as a throttled or broken call would.
 */
export class FakeApiGateway implements ApiGatewaySender {
  readonly keys = new Map<string, FakeApiKey>();
  readonly planKeys = new Map<string, Set<string>>();
  readonly calls: string[] = [];
  private readonly failures: { command: string; afterSuccess: boolean; errorName: string }[] = [];
  private nextId = 1;

  /**
   * Makes the next call of `command` fail; with `afterSuccess`, it fails after taking effect.
   * The error is `TooManyRequestsException` unless `errorName` names another.
   */
  failOn(command: string, options: { afterSuccess?: boolean; errorName?: string } = {}): void {
    this.failures.push({
      command,
      afterSuccess: options.afterSuccess ?? false,
      errorName: options.errorName ?? 'TooManyRequestsException',
    });
  }

  /** Returns the API keys whose value is `value`. */
  keysWithValue(value: string): FakeApiKey[] {
    return [...this.keys.values()].filter((key) => key.value === value);
  }

  async send(command: object): Promise<unknown> {
    const name = command.constructor.name;
    const input = (command as { input: Record<string, unknown> }).input;
    this.calls.push(name);
    const failure = this.takeFailure(name);
    if (failure && !failure.afterSuccess) {
      throw serviceError(failure.errorName, `${name} failed on request`);
    }
    const output = this.apply(name, input);
    if (failure) {
      throw serviceError(failure.errorName, `${name} took effect, but its reply was lost`);
    }
    return output;
  }

  private takeFailure(name: string) {
    const index = this.failures.findIndex((failure) => failure.command === name);
    return index < 0 ? undefined : this.failures.splice(index, 1)[0];
  }

  private apply(name: string, input: Record<string, unknown>): unknown {
    switch (name) {
      case 'CreateApiKeyCommand':
        return this.createKey(input);
      case 'GetApiKeysCommand':
        return {
          items: [...this.keys.values()].filter((key) =>
            key.name.startsWith(String(input.nameQuery)),
          ),
        };
      case 'DeleteApiKeyCommand':
        return this.deleteKey(String(input.apiKey));
      case 'CreateUsagePlanKeyCommand':
        return this.attach(String(input.usagePlanId), String(input.keyId));
      case 'UpdateApiKeyCommand':
        return this.update(input);
      default:
        throw new Error(`the fake API Gateway does not implement ${name}`);
    }
  }

  private createKey(input: Record<string, unknown>) {
    const value = String(input.value);
    if (value.length < 20) {
      throw serviceError('BadRequestException', 'API key value must be at least 20 characters');
    }
    if (this.keysWithValue(value).length > 0) {
      throw serviceError('ConflictException', 'API key value already exists');
    }
    const key = {
      id: `key${this.nextId++}`,
      name: String(input.name),
      value,
      enabled: input.enabled === true,
    };
    this.keys.set(key.id, key);
    return { id: key.id, name: key.name, enabled: key.enabled };
  }

  private deleteKey(id: string) {
    if (!this.keys.delete(id)) {
      throw serviceError('NotFoundException', `API key ${id} not found`);
    }
    for (const members of this.planKeys.values()) {
      members.delete(id);
    }
    return {};
  }

  private attach(planId: string, keyId: string) {
    if (!this.keys.has(keyId)) {
      throw serviceError('NotFoundException', `API key ${keyId} not found`);
    }
    const members = this.planKeys.get(planId) ?? new Set<string>();
    if (members.has(keyId)) {
      throw serviceError(
        'ConflictException',
        `API key ${keyId} is already in usage plan ${planId}`,
      );
    }
    members.add(keyId);
    this.planKeys.set(planId, members);
    return { id: keyId, type: 'API_KEY' };
  }

  private update(input: Record<string, unknown>) {
    const key = this.keys.get(String(input.apiKey));
    if (!key) {
      throw serviceError('NotFoundException', `API key ${String(input.apiKey)} not found`);
    }
    const operations = input.patchOperations as { path: string; value: string }[];
    for (const operation of operations) {
      if (operation.path === '/enabled') {
        key.enabled = operation.value === 'true';
      }
    }
    return { id: key.id, enabled: key.enabled };
  }
}

function serviceError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
