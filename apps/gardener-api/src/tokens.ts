/** Nest injection tokens shared by the app's modules (kept apart so no import cycle forms). */
export const API_CONFIG = Symbol('API_CONFIG');
export const STORE = Symbol('STORE');
