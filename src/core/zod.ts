/**
 * The one zod import of the project: zod/mini (the same validation core as classic zod, without the method
 * chains), which keeps a function's module initialisation short (about 5 ms against 22 ms for classic zod,
 * `npm run bench -- coldstart`). zod/mini loads no messages by itself; English is set here, once.
 * Import it as a namespace (`import * as z from './zod.ts'`) so the bundler keeps only what is used.
 */
import { config, maxLength, minLength, string } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';

/** A string of `min` to `max` characters (the shape most of Lethe's text fields have). */
export const boundedString = (min: number, max: number) => string().check(minLength(min), maxLength(max));
