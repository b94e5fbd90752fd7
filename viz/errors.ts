/** Bad input to a renderer (a missing run, a malformed metrics line): the CLI reports it as a usage error. */
export class VizInputError extends Error {
  override readonly name = 'VizInputError';
}
