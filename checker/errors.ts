// Errors a user can cause (exit code 2 at the CLI) carry a one-line message;
// anything else is a bug in clockcheck and keeps its stack.

/** Bad input: unknown model or parameter, a value out of range, a bad option. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The model misbehaved: a step threw, or wrote a field outside its range. */
export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    message: string,
    readonly action?: string,
  ) {
    super(message);
  }
}
