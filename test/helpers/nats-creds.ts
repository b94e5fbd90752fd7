import { createHash } from 'node:crypto';
import { nkeys } from '@nats-io/transport-node';

type KeyPair = ReturnType<typeof nkeys.createUser>;

/** A JWT as NATS signs it: ed25519 by an nkey, its `jti` the hash of the claims. */
function natsJwt(claims: Record<string, unknown>, issuer: KeyPair): string {
  const body = { ...claims, iat: 1_700_000_000, iss: issuer.getPublicKey() };
  const jti = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  const header = Buffer.from(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ jti, ...body })).toString('base64url');
  const signature = Buffer.from(issuer.sign(new TextEncoder().encode(`${header}.${payload}`)));
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

/**
 * A decentralised-auth setup as `nsc` would make it, without `nsc`: an operator, one account and
 * one user. Returns the server's configuration lines (operator mode, accounts preloaded in memory)
 * and the user's `.creds` file, the format `--nats-creds` reads.
 */
export function operatorSetup(): { config: string; creds: string } {
  const operator = nkeys.createOperator();
  const account = nkeys.createAccount();
  const user = nkeys.createUser();
  const unlimited = { subs: -1, data: -1, payload: -1 };
  const operatorJwt = natsJwt(
    { name: 'test-operator', sub: operator.getPublicKey(), nats: { type: 'operator', version: 2 } },
    operator,
  );
  const accountJwt = natsJwt(
    {
      name: 'test-account',
      sub: account.getPublicKey(),
      nats: {
        limits: { ...unlimited, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 },
        default_permissions: { pub: {}, sub: {} },
        type: 'account',
        version: 2,
      },
    },
    operator,
  );
  const userJwt = natsJwt(
    {
      name: 'test-user',
      sub: user.getPublicKey(),
      nats: { pub: {}, sub: {}, ...unlimited, type: 'user', version: 2 },
    },
    account,
  );
  const seed = new TextDecoder().decode(user.getSeed());
  return {
    config: `operator: ${operatorJwt}\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: ${accountJwt} }\n`,
    creds:
      `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n` +
      `-----BEGIN USER NKEY SEED-----\n${seed}\n------END USER NKEY SEED------\n`,
  };
}
