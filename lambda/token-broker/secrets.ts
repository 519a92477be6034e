import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { BrokerError } from './errors';

/**
 * Reads secrets with the broker's own role and keeps each for `refreshSeconds`, so a rotated
 * secret takes effect within that time. A failed read is not kept.
 */
export class SecretCache {
  private client: SecretsManagerClient | undefined;
  private readonly entries = new Map<string, { value: Promise<string>; readAt: number }>();

  constructor(private readonly refreshSeconds: number) {}

  /** Returns the secret's string value. */
  public get(secretArn: string): Promise<string> {
    const now = Date.now() / 1000;
    const cached = this.entries.get(secretArn);
    if (cached && now - cached.readAt < this.refreshSeconds) {
      return cached.value;
    }
    const value = this.read(secretArn);
    this.entries.set(secretArn, { value, readAt: now });
    value.catch(() => this.entries.delete(secretArn));
    return value;
  }

  private async read(secretArn: string): Promise<string> {
    this.client ??= new SecretsManagerClient({});
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (output.SecretString === undefined) {
        throw new Error('the secret has no string value');
      }
      return output.SecretString;
    } catch (error) {
      throw new BrokerError('SECRET_UNAVAILABLE', `reading secret ${secretArn} failed`, {
        cause: error,
      });
    }
  }
}
