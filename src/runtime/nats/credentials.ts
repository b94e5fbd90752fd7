import { readFileSync } from 'node:fs';
import { type ConnectionOptions, credsAuthenticator } from '@nats-io/transport-node';

/** A --nats-creds file that cannot be read or is not a credentials file (a usage mistake). */
export class NatsCredentialsError extends Error {}

export type NatsAuth = Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator'>;

/**
 * How a process proves itself to the server: a user and password or a token in the URL
 * (nats://user:password@host:port, nats://token@host:port), or a NATS credentials file
 * (`--nats-creds`: a user JWT and its NKEY seed, as `nsc` writes them), whose secret never appears
 * on a command line. One or the other: two would leave unclear which the server checked.
 */
export function natsAuth(url: URL, credsPath?: string): NatsAuth {
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  if (credsPath === undefined) return user && pass ? { user, pass } : user ? { token: user } : {};
  if (user)
    throw new NatsCredentialsError(
      'dniflow/runtime: give credentials in the --nats-url or in --nats-creds, not both',
    );
  let text: string;
  try {
    text = readFileSync(credsPath, 'utf8');
  } catch (error) {
    throw new NatsCredentialsError(
      `dniflow/runtime: cannot read the NATS credentials file '${credsPath}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  // Checked here, not at connect: a wrong file is the user's mistake, not an unreachable server.
  if (!/-{3,}BEGIN NATS USER JWT-{3,}/.test(text) || !/-{3,}BEGIN USER NKEY SEED-{3,}/.test(text))
    throw new NatsCredentialsError(
      `dniflow/runtime: '${credsPath}' is not a NATS credentials file (a user JWT and its NKEY seed, as nsc writes them)`,
    );
  return { authenticator: credsAuthenticator(new TextEncoder().encode(text)) };
}
