/** Nest injection tokens shared by the app's modules (kept apart so no import cycle forms). */
export const API_CONFIG = Symbol('API_CONFIG');
export const STORE = Symbol('STORE');
/** The seed whose shoot CAs sign short-lived kubeconfigs. */
export const SEED_BACKEND = Symbol('SEED_BACKEND');
/** The search index of the shoots' objects (libs/search). */
export const SEARCH_INDEX = Symbol('SEARCH_INDEX');
