import { CodedError } from '@gardener-ts/api/coded-error';

/** What can go wrong in search; the API maps each code to a Kubernetes Status in one place. */
export enum SearchErrorCode {
  /** a selector, limit or path segment the search does not take */
  BadRequest = 'BadRequest',
  /** a continue token this server did not make */
  InvalidContinue = 'InvalidContinue',
  /** a resource the index does not hold, or an object it does not have */
  NotFound = 'NotFound',
  /** a get by name that matches objects in more than one shoot */
  Ambiguous = 'Ambiguous',
  /** an index batch that does not fit the schema */
  InvalidBatch = 'InvalidBatch',
  /** a verb the search view does not serve (watch, writes) */
  MethodNotSupported = 'MethodNotSupported',
  /** a shoot's API server refused or failed a list or watch */
  ShootApi = 'ShootApi',
  /** the shoot's watch history no longer reaches the version asked for (HTTP 410): list again */
  Expired = 'Expired',
}

export class SearchError extends CodedError<SearchErrorCode> {}
