/** A throw-away database on the test server, dropped (with its connections) by `drop()`. */
export { createTestDatabase } from '@gardener-ts/infra/testing';
