// A real OpenID Connect provider for tests/api/oauth_e2e.rs: oauth2-mock-server
// on a free loopback port with a fresh RS256 key. It verifies PKCE and puts
// the /authorize nonce in the id_token. Prints {"issuer": ...} once ready and
// stops when its standard input closes (the test ended).
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on('beforeTokenSigning', (token) => {
  token.payload.email = 'e2e-user@example.com';
  token.payload.email_verified = true;
});
await server.start(0, '127.0.0.1');
console.log(JSON.stringify({ issuer: server.issuer.url }));

process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
