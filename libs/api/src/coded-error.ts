/**
 * The shape every library's error has: a `code` from that library's own enum (what callers and the
 * one Status mapping switch on), a message for people, and optionally the error that caused it.
 * `name` is the class that was thrown, so logs and stacks say `StoreError: …` without each
 * subclass setting it. Also `@gardener-ts/api/coded-error`, which loads nothing else.
 */
export abstract class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
